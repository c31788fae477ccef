"""One way to answer with a stored blob, whatever the storage backend.

A local blob is sent as a file (sendfile, ranges, ETag); an S3 blob is streamed through the
app in chunks (bounded memory, ETag = its sha256, so a browser's revalidation costs no
read), or, for page images when ``serve_blobs=presigned``, the browser is redirected to a
short-lived presigned URL of the bucket (never a public bucket). The ETag is the sha256
everywhere, so a revalidation answers 304 without reading the blob.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from visualner.documents.blobstore import BlobStore
from visualner.errors import NotFound
from visualner.settings import Settings

IMMUTABLE = "private, max-age=31536000, immutable"


def attachment(filename: str) -> str:
    """``Content-Disposition`` of a download, as Starlette's ``FileResponse`` writes it."""
    quoted = quote(filename)
    if quoted != filename:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{filename}"'


def blob_response(
    request: Request,
    *,
    blobs: BlobStore,
    settings: Settings,
    sha256: str,
    media_type: str | None,
    missing: str,
    filename: str | None = None,
    cache_control: str = IMMUTABLE,
    allow_presigned: bool = False,
) -> Response:
    """The blob as an HTTP answer; ``missing`` is the 404 message when it is not stored.
    ``filename`` makes it a download; ``allow_presigned`` lets S3 storage redirect."""
    etag = f'"{sha256}"'
    headers = {
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
        "ETag": etag,
    }
    if etag in request.headers.get("if-none-match", ""):
        if not blobs.exists(sha256):
            raise NotFound(missing)
        return Response(status_code=304, headers=headers)
    path = blobs.local_path(sha256)
    if path is not None:
        if not path.exists():
            raise NotFound(missing)
        return FileResponse(path, media_type=media_type, filename=filename, headers=headers)
    if allow_presigned and settings.serve_blobs == "presigned":
        if not blobs.exists(sha256):
            raise NotFound(missing)
        url = blobs.presigned_url(sha256, expires_s=settings.presigned_url_expiry_s)
        if url is not None:  # the redirect may be reused while the URL is valid
            max_age = settings.presigned_url_expiry_s // 2
            return RedirectResponse(
                url, status_code=307, headers={"Cache-Control": f"private, max-age={max_age}"}
            )
    try:
        size = blobs.size(sha256)
    except NotFound:
        raise NotFound(missing) from None
    headers["Content-Length"] = str(size)
    if filename is not None:
        headers["Content-Disposition"] = attachment(filename)
    return StreamingResponse(blobs.iter_chunks(sha256), media_type=media_type, headers=headers)
