"""Content-addressed file storage on local disk.

A blob's name is the sha256 of its bytes, so duplicates are stored once and no user-supplied
name ever reaches the file system. Writes go to a temp file in the same folder and are
renamed into place, so a crash never leaves a half-written blob under a valid name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from visualner.errors import InvalidInput, NotFound

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if not SHA256_PATTERN.fullmatch(sha256):
            raise InvalidInput(f"not a sha256 blob id: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _commit(self, temp_path: Path, sha256: str) -> str:
        final = self.path_for(sha256)
        if final.exists():
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
        if self.path_for(sha256).exists():
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
        with os.fdopen(fd, "wb") as handle:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        return self._commit(temp_path, digest.hexdigest())

    def put_file(self, path: Path) -> str:
        with path.open("rb") as handle:
            return self.put_stream(handle)

    def open(self, sha256: str) -> BinaryIO:
        path = self.path_for(sha256)
        if not path.exists():
            raise NotFound(f"no blob {sha256}")
        return path.open("rb")

    def read_bytes(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def copy_to(self, sha256: str, destination: Path) -> None:
        with self.open(sha256) as source, destination.open("wb") as target:
            shutil.copyfileobj(source, target, CHUNK)
