"""One way to answer with a stored blob, whatever the storage backend.

A local blob is sent as a file (sendfile, ranges, ETag); an S3 blob is streamed through the
app in chunks (bounded memory, ETag = its sha256, so a browser's revalidation costs no
read), or, for page images when ``serve_blobs=presigned``, the browser is redirected to a
short-lived presigned URL of the bucket (never a public bucket). The ETag is the sha256
everywhere, so a revalidation answers 304 without reading the blob.

Stored bytes came from users, so every answer here is inert whatever they hold: the caller's
media type is one the server determined itself (``PAGE_MEDIA_TYPES`` for page images),
``nosniff`` stops a browser from guessing another, ``Content-Disposition`` is always sent,
and a ``sandbox`` CSP keeps the bytes from running script even when opened as a document.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from visualner.documents.blobstore import BlobStore
from visualner.documents.image_validation import PAGE_MEDIA_TYPES
from visualner.errors import NotFound
from visualner.settings import Settings

IMMUTABLE = "private, max-age=31536000, immutable"
#: the CSP of every blob answer: nothing loads, and an opened blob runs in a sandbox
BLOB_CSP = "default-src 'none'; sandbox"


def page_media_type(stored: str) -> str:
    """A page's stored media type if it is one the server writes, else bytes to download
    (a row written before page types were checked)."""
    return stored if stored in PAGE_MEDIA_TYPES else "application/octet-stream"


def attachment(filename: str) -> str:
    """``Content-Disposition`` of a download, as Starlette's ``FileResponse`` writes it."""
    quoted = quote(filename)
    if quoted != filename:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{filename}"'


def _disposition(filename: str | None, media_type: str | None) -> str:
    """A download for files and anything that is not an image; images show inline."""
    if filename is not None:
        return attachment(filename)
    return "inline" if media_type in PAGE_MEDIA_TYPES else "attachment"


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
        "Content-Security-Policy": BLOB_CSP,
        "Content-Disposition": _disposition(filename, media_type),
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
        return FileResponse(path, media_type=media_type, headers=headers)
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
    return StreamingResponse(blobs.iter_chunks(sha256), media_type=media_type, headers=headers)
