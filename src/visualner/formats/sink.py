"""A write-only byte buffer that export writers write into and the streamer drains.

It is deliberately not seekable, so ``zipfile`` writes a streamable archive (sizes after each
member) and a zip export can be sent while it is being made.
"""

from __future__ import annotations

import io
import zipfile


class ChunkSink(io.RawIOBase):
    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []
        self._size = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._size += len(chunk)
        return len(chunk)

    @property
    def pending(self) -> int:
        """Bytes written and not yet drained."""
        return self._size

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        return data


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 1
"""Deflate level of zip exports: the fast end, since JSON and XML compress well even at level
1 and the default level took most of an export's time (figures in docs/bench.md)."""


def write_zip_member(archive: zipfile.ZipFile, name: str, data: bytes | str) -> None:
    """A deflated member with a fixed timestamp, so the same data gives the same zip."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data, compresslevel=ZIP_LEVEL)
