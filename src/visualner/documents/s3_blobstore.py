"""The blob store in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, Ceph, GCS's S3 API).

Keys below the configured prefix: ``blobs/ab/cd/<sha256>`` for blobs, ``staging/<token>/…``
for staged uploads, ``tmp/<random>`` for streams whose sha256 is known only at their end.
Talks to S3 through obstore (chosen by measurement, see docs/storage.md).

A blob is committed under its final key only when complete: small blobs (and any stream
that ends within ``SINGLE_PUT_BYTES``) in one PUT, which S3 applies atomically; longer
streams go up as a multipart upload to a temp key while their sha256 is computed, are copied
server-side to the final key and the temp key is deleted. A worker killed on the way leaves
at most an unfinished multipart upload or a ``tmp/`` object, never a blob the database
names (docs/storage.md: a lifecycle rule expires both).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import S3Store

from visualner.documents.blobstore import (
    CHUNK,
    BlobStore,
    blob_key,
    check_staging_token,
)
from visualner.documents.sniff import sniff_bytes
from visualner.errors import InvalidInput, NotFound, UnsupportedFile

if TYPE_CHECKING:
    from obstore import Attributes

log = logging.getLogger(__name__)

#: a stream that ends within this many bytes is stored in one PUT, straight to its key
SINGLE_PUT_BYTES = 8 * CHUNK
#: multipart part size and parts in flight: memory stays under PART_BYTES x (CONCURRENCY + 1)
PART_BYTES = 8 * CHUNK
CONCURRENCY = 4
FETCHED_MARKER = ".fetched"
_IMAGE_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "bmp": "image/bmp",
    "webp": "image/webp",
}


def parse_storage_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, prefix without slashes at its ends)."""
    if not url.startswith("s3://"):
        raise InvalidInput(f"VISUALNER_STORAGE_URL must start with s3:// (got {url[:80]!r})")
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise InvalidInput("VISUALNER_STORAGE_URL names no bucket (s3://bucket/prefix)")
    return bucket, prefix.strip("/")


def stored_attributes(head: bytes) -> Attributes:
    """The headers a presigned GET answers with, decided from the bytes themselves: an
    image is shown inline as its real type, anything else is a download."""
    try:
        kind = sniff_bytes(head, display_name="blob")
    except (InvalidInput, UnsupportedFile):
        kind = None
    media_type = _IMAGE_TYPES.get(kind.value) if kind is not None else None
    if media_type is None:
        return {"Content-Type": "application/octet-stream", "Content-Disposition": "attachment"}
    return {
        "Content-Type": media_type,
        "Content-Disposition": "inline",
        "Cache-Control": "private, max-age=31536000, immutable",
    }


class _ObjectReader(io.RawIOBase):
    """obstore's seekable remote file as a standard binary reader (bytes, readinto)."""

    def __init__(self, remote: obstore.ReadableFile) -> None:
        self._remote = remote

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._remote.read(len(buffer))
        count = len(data)
        buffer[:count] = memoryview(data)
        return count

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._remote.seek(offset, whence)

    def tell(self) -> int:
        return self._remote.tell()

    def close(self) -> None:
        if not self.closed:
            self._remote.close()
        super().close()


class S3BlobStore(BlobStore):
    def __init__(self, store: S3Store, *, staging_root: Path, description: str) -> None:
        super().__init__(staging_root)
        self.store = store
        self.description = description

    def _blob_path(self, sha256: str) -> str:
        return f"blobs/{blob_key(sha256)}"

    def put_bytes(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        if not self.exists(sha256):
            obstore.put(
                self.store,
                self._blob_path(sha256),
                content,
                attributes=stored_attributes(content[:4096]),
                use_multipart=False,
            )
        return sha256

    def put_stream(self, stream: BinaryIO) -> str:
        head = stream.read(SINGLE_PUT_BYTES)
        if len(head) < SINGLE_PUT_BYTES:
            return self.put_bytes(head)
        digest = hashlib.sha256()

        def parts() -> Iterator[bytes]:
            chunk = head
            while chunk:
                digest.update(chunk)
                yield chunk
                chunk = stream.read(PART_BYTES)

        temp = f"tmp/{uuid.uuid4().hex}"
        obstore.put(
            self.store,
            temp,
            parts(),
            attributes=stored_attributes(head[:4096]),
            chunk_size=PART_BYTES,
            max_concurrency=CONCURRENCY,
        )
        sha256 = digest.hexdigest()
        try:
            if not self.exists(sha256):
                obstore.copy(self.store, temp, self._blob_path(sha256))
        finally:
            obstore.delete(self.store, temp)
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        try:
            remote = obstore.open_reader(self.store, self._blob_path(sha256), buffer_size=CHUNK)
        except (FileNotFoundError, NotFoundError):
            raise NotFound(f"no blob {sha256}") from None
        return cast(BinaryIO, io.BufferedReader(_ObjectReader(remote), CHUNK))

    def exists(self, sha256: str) -> bool:
        try:
            obstore.head(self.store, self._blob_path(sha256))
        except (FileNotFoundError, NotFoundError):
            return False
        return True

    def size(self, sha256: str) -> int:
        try:
            return int(obstore.head(self.store, self._blob_path(sha256))["size"])
        except (FileNotFoundError, NotFoundError):
            raise NotFound(f"no blob {sha256}") from None

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        try:
            result = obstore.get(self.store, self._blob_path(sha256))
        except (FileNotFoundError, NotFoundError):
            raise NotFound(f"no blob {sha256}") from None
        for chunk in result.stream(min_chunk_size=CHUNK):
            yield bytes(chunk)

    def location(self, sha256: str) -> str:
        return f"{self.description}/{self._blob_path(sha256)}"

    def local_path(self, sha256: str) -> Path | None:
        return None

    def stored_at(self, sha256: str) -> float | None:
        """The object's first store: S3 keeps no later touch, so on S3 the cleanup's grace
        counts from the first upload of an image."""
        try:
            return float(
                obstore.head(self.store, self._blob_path(sha256))["last_modified"].timestamp()
            )
        except (FileNotFoundError, NotFoundError):
            return None

    def delete(self, sha256: str) -> None:
        obstore.delete(self.store, self._blob_path(sha256))

    def presigned_url(self, sha256: str, *, expires_s: int) -> str | None:
        return obstore.sign(
            self.store, "GET", self._blob_path(sha256), timedelta(seconds=expires_s)
        )

    # -- staged uploads --------------------------------------------------------------------

    def _remote_staged(self, token: str) -> set[str]:
        prefix = f"staging/{check_staging_token(token)}/"
        names: set[str] = set()
        for batch in obstore.list(self.store, prefix):
            names.update(meta["path"].removeprefix(prefix) for meta in batch)
        return names

    def publish_staging(self, folder: Path, *, keep_local: bool) -> None:
        token = check_staging_token(folder.name)
        already = self._remote_staged(token)
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if not path.is_file() or relative in already or relative == FETCHED_MARKER:
                continue
            if relative.startswith("downloads/"):
                continue  # a worker's own cache of URL downloads
            with path.open("rb") as handle:
                obstore.put(
                    self.store,
                    f"staging/{token}/{relative}",
                    handle,
                    chunk_size=PART_BYTES,
                    max_concurrency=CONCURRENCY,
                )
        if keep_local:
            (folder / FETCHED_MARKER).touch()
        else:
            shutil.rmtree(folder, ignore_errors=True)

    def staging_folder(self, token: str) -> Path:
        local = self.staging_root / check_staging_token(token)
        if (local / FETCHED_MARKER).exists():
            return local
        local.mkdir(parents=True, exist_ok=True)
        for relative in sorted(self._remote_staged(token)):
            target = local / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            result = obstore.get(self.store, f"staging/{token}/{relative}")
            with target.open("wb") as out:
                for chunk in result.stream(min_chunk_size=CHUNK):
                    out.write(chunk)
        (local / FETCHED_MARKER).touch()
        return local

    def discard_staging(self, token: str) -> None:
        shutil.rmtree(self.staging_root / check_staging_token(token), ignore_errors=True)
        remote = self._remote_staged(token)
        if remote:
            obstore.delete(self.store, [f"staging/{token}/{name}" for name in sorted(remote)])
