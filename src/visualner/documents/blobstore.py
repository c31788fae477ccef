"""Where everything visualner stores lives: content-addressed blobs and staged uploads.

A blob's name is the sha256 of its bytes, so duplicates are stored once, no user-supplied
name ever reaches the storage, and a blob becomes visible under its name only once it is
complete: the database references sha256s, so a killed writer never leaves a half-written
object that anything points to. Two backends implement ``BlobStore``: a local directory
(the default, here) and an S3-compatible bucket (``documents.s3_blobstore``).

Staged uploads are the files of an import before its job has read them. They are received
into a local folder (a JSON list is split while it arrives there), then *published* so that
any worker can read them; a worker asks for the folder of a staging token and gets a local
copy. With the local backend the staging folder already is shared, so publishing is free.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from visualner.errors import InvalidInput, NotFound

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
STAGING_TOKEN_PATTERN = re.compile(r"^[0-9a-f]{24}$")
CHUNK = 1 << 20


def check_sha256(sha256: str) -> str:
    if not SHA256_PATTERN.fullmatch(sha256):
        raise InvalidInput(f"not a sha256 blob id: {sha256[:80]!r}")
    return sha256


def check_staging_token(token: str) -> str:
    if not STAGING_TOKEN_PATTERN.fullmatch(token):
        raise InvalidInput(f"not a staging token: {token[:80]!r}")
    return token


def blob_key(sha256: str) -> str:
    """The blob's name below the store's root: two levels of fan-out, then the sha256."""
    check_sha256(sha256)
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobStore(ABC):
    """Content-addressed blobs plus staged uploads; the app, workers and CLI share one."""

    def __init__(self, staging_root: Path) -> None:
        self.staging_root = staging_root

    # -- blobs -----------------------------------------------------------------------------

    @abstractmethod
    def put_bytes(self, content: bytes) -> str:
        """Store ``content``; its sha256."""

    @abstractmethod
    def put_stream(self, stream: BinaryIO) -> str:
        """Store what ``stream`` yields, read in bounded chunks; its sha256."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A seekable reader of the blob (``NotFound`` when it is missing)."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def size(self, sha256: str) -> int:
        """The blob's length in bytes (``NotFound`` when it is missing)."""

    @abstractmethod
    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes in chunks of about ``CHUNK``, for streaming responses."""

    @abstractmethod
    def location(self, sha256: str) -> str:
        """Where the blob is, for people and tools on the server side (a path or a URL)."""

    @abstractmethod
    def local_path(self, sha256: str) -> Path | None:
        """The blob's file when the store is a local directory, else ``None``."""

    @abstractmethod
    def stored_at(self, sha256: str) -> float | None:
        """When the blob was last stored (UNIX time), None when there is none: blob
        cleanup spares fresh blobs, which an import may be about to use."""

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the blob (no error when it is gone); only blob cleanup calls this."""

    @abstractmethod
    def presigned_url(self, sha256: str, *, expires_s: int) -> str | None:
        """A short-lived URL that reads the blob without credentials; ``None`` when the
        backend cannot hand one out (the app streams the blob itself then)."""

    def put_file(self, path: Path, *, sha256: str | None = None) -> str:
        """Store a file's bytes; ``sha256`` (when the caller just hashed the file) spares
        reading and writing it again when the blob is already there."""
        if sha256 is not None and self.exists(sha256):
            return sha256
        with path.open("rb") as handle:
            return self.put_stream(handle)

    def read_bytes(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def copy_to(self, sha256: str, destination: Path) -> None:
        with destination.open("wb") as target:
            for chunk in self.iter_chunks(sha256):
                target.write(chunk)

    # -- staged uploads --------------------------------------------------------------------

    def new_staging_folder(self) -> Path:
        """An empty local folder named by a fresh staging token, to receive an upload."""
        path = self.staging_root / secrets.token_hex(12)
        path.mkdir(parents=True)
        return path

    @abstractmethod
    def publish_staging(self, folder: Path, *, keep_local: bool) -> None:
        """Make the files in a staging folder (and its sub-folders) readable by every worker.
        Called again after more files were added (an archive's members): only new ones move.
        ``keep_local=False``: this process is done with its local copy (the app after an
        upload), unless the local copy is what every worker reads."""

    @abstractmethod
    def staging_folder(self, token: str) -> Path:
        """A local folder with the staged files of ``token`` (fetched when not here)."""

    @abstractmethod
    def discard_staging(self, token: str) -> None:
        """Remove the staged files of ``token`` everywhere they are (local and shared)."""


class LocalBlobStore(BlobStore):
    """Blobs as files under ``root``; staging folders under ``staging_root`` on the same disk.

    Writes go to a temp file in ``root/tmp`` and are renamed into place, so a crash never
    leaves a half-written blob under a valid name.
    """

    def __init__(self, root: Path, staging_root: Path) -> None:
        super().__init__(staging_root)
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def _touch(self, path: Path) -> bool:
        """Mark an existing blob as just stored again (blob cleanup spares fresh files:
        the task that uses it may be about to commit); False when there is none."""
        try:
            os.utime(path)
        except FileNotFoundError:
            return False
        return True

    def _commit(self, temp_path: Path, sha256: str) -> str:
        final = self.path_for(sha256)
        if self._touch(final):
            temp_path.unlink(missing_ok=True)
            return sha256
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_path, final)
        return sha256

    def _temp_file(self) -> tuple[int, Path]:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="blob-")
        return fd, Path(name)

    def put_bytes(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        if self._touch(self.path_for(sha256)):
            return sha256
        fd, temp_path = self._temp_file()
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        return self._commit(temp_path, sha256)

    def put_stream(self, stream: BinaryIO) -> str:
        digest = hashlib.sha256()
        fd, temp_path = self._temp_file()
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        return self._commit(temp_path, digest.hexdigest())

    def open(self, sha256: str) -> BinaryIO:
        path = self.path_for(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise NotFound(f"no blob {sha256}") from None

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def size(self, sha256: str) -> int:
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"no blob {sha256}") from None

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        with self.open(sha256) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def location(self, sha256: str) -> str:
        return str(self.path_for(sha256))

    def local_path(self, sha256: str) -> Path | None:
        return self.path_for(sha256)

    def stored_at(self, sha256: str) -> float | None:
        try:
            return self.path_for(sha256).stat().st_mtime
        except FileNotFoundError:
            return None

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def presigned_url(self, sha256: str, *, expires_s: int) -> str | None:
        return None

    def copy_to(self, sha256: str, destination: Path) -> None:
        with self.open(sha256) as source, destination.open("wb") as target:
            shutil.copyfileobj(source, target, CHUNK)

    def publish_staging(self, folder: Path, *, keep_local: bool) -> None:
        """Nothing to do: the staging folder is on the disk every process shares."""

    def staging_folder(self, token: str) -> Path:
        return self.staging_root / check_staging_token(token)

    def discard_staging(self, token: str) -> None:
        shutil.rmtree(self.staging_folder(token), ignore_errors=True)
