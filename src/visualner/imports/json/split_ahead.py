"""Splitting a JSON task list while it uploads, so planning does not scan it again.

Planning a 2 GB list means finding its tasks' byte ranges (``array_split``), a scan of the
whole file that took seconds after the upload had ended. While a staged file is being
written, a thread follows it on disk and runs the same scan on the bytes already there; when
the upload ends, the ranges are saved beside the file (``<file>.split``: the file's size, then
an offset and a length per task). Planning takes them from there when they describe the file
as it is, and scans the file itself otherwise (no ``.split``: the upload failed, the list has
scalars between its tasks or is not one array — planning then finds and reports that).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from array import array
from concurrent.futures import Future
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from visualner.errors import VisualnerError
from visualner.imports.json.array_split import WHITESPACE, ArrayElement, iter_file_elements

log = logging.getLogger(__name__)

SUFFIX = ".split"
#: a ``.split`` file starts with these 8 bytes, then the staged file's size (int64)
MAGIC = b"vnsplit1"


class UploadAborted(Exception):
    """The upload stopped before its end: the follower gives up."""


class WrittenSoFar:
    """How many bytes of a file its writer has flushed, for a reader following it."""

    def __init__(self, written: int = 0) -> None:
        self._changed = threading.Condition()
        self._written = written
        self._closed = False
        self._aborted = False

    def advance_to(self, written: int) -> None:
        with self._changed:
            self._written = written
            self._changed.notify_all()

    def close(self, *, aborted: bool) -> None:
        with self._changed:
            self._closed = True
            self._aborted = aborted
            self._changed.notify_all()

    @property
    def aborted(self) -> bool:
        with self._changed:
            return self._aborted

    def wait_for(self, size: int) -> int:
        """Wait until ``size`` bytes are written or the file is closed; the bytes written."""
        with self._changed:
            while self._written < size and not self._closed:
                self._changed.wait()
            if self._aborted:
                raise UploadAborted
            return self._written


class _FollowingReader:
    """A read handle on a file being written: ``read`` waits for the bytes it asks for, and
    gives fewer (then none) only once the writer has closed the file."""

    def __init__(self, handle: BinaryIO, written: WrittenSoFar) -> None:
        self._handle = handle
        self._written = written

    def read(self, size: int) -> bytes:
        position = self._handle.tell()
        available = self._written.wait_for(position + size)
        return self._handle.read(max(0, min(size, available - position)))

    def tell(self) -> int:
        return self._handle.tell()

    def seek(self, offset: int) -> int:
        return self._handle.seek(offset)


def split_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def split_while_written(path: Path, written: WrittenSoFar) -> bool:
    """Follow ``path`` as it is written and save its tasks' byte ranges beside it; False
    (and nothing saved) when the upload stopped or the ranges alone do not describe it."""
    ranges = array("q")  # offset, length, ...: 16 bytes a task, however many there are
    try:
        with path.open("rb") as handle:
            for element in iter_file_elements(_FollowingReader(handle, written)):
                if element.is_scalar:
                    return False
                ranges.append(element.offset)
                ranges.append(element.length)
    except (UploadAborted, VisualnerError):
        return False
    if written.aborted:
        return False
    target = split_path(path)
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as out:
        out.write(MAGIC)
        out.write(np.int64(path.stat().st_size).tobytes())
        out.write(np.asarray(ranges, dtype=np.int64).tobytes())
    os.replace(partial, target)  # a crash never leaves half a .split
    return True


def read_split(path: Path) -> list[ArrayElement] | None:
    """The byte ranges saved for ``path`` while it uploaded, or None when there are none
    for the file as it is now."""
    saved = split_path(path)
    try:
        raw = saved.read_bytes()
        size = path.stat().st_size
    except OSError:
        return None
    header = len(MAGIC) + 8
    if (
        len(raw) < header
        or raw[: len(MAGIC)] != MAGIC
        or int(np.frombuffer(raw, dtype=np.int64, count=1, offset=len(MAGIC))[0]) != size
        or (len(raw) - header) % 16
    ):
        log.warning("%s: ignoring a .split that does not match the file", path.name)
        return None
    ranges = np.frombuffer(raw, dtype=np.int64, offset=header).reshape(-1, 2).tolist()
    return [ArrayElement(offset, length) for offset, length in ranges]


def starts_a_list(head: bytes) -> bool | None:
    """Whether a file starting with ``head`` is a JSON array (None: only whitespace yet)."""
    stripped = head.lstrip(WHITESPACE)
    return stripped.startswith(b"[") if stripped else None


class ListSplitter:
    """The writer's side: told of every chunk written to a staged file, it starts a thread
    following the file once its first bytes show a JSON list."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._decided = False
        self._written: WrittenSoFar | None = None
        self._done: Future[bool] | None = None

    def wrote(self, chunk: bytes, out: IO[bytes]) -> None:
        """Call after writing ``chunk`` to ``out`` (the staged file)."""
        if self._written is None:
            if self._decided:
                return
            starts = starts_a_list(chunk)
            if starts is None:
                return
            self._decided = True
            if not starts:
                return
            self._written = WrittenSoFar()
            self._done = Future()
            threading.Thread(
                target=self._follow, name="split-ahead", daemon=True, args=(self._written,)
            ).start()
        out.flush()
        self._written.advance_to(out.tell())

    def _follow(self, written: WrittenSoFar) -> None:
        assert self._done is not None
        try:
            self._done.set_result(split_while_written(self.path, written))
        except Exception:  # only a head start: planning scans the file itself
            log.exception("%s: splitting the list while it uploaded failed", self.path.name)
            self._done.set_result(False)

    def close(self, *, complete: bool) -> None:
        """The file is closed: complete (its follower reads to the end), or given up."""
        if self._written is not None:
            self._written.close(aborted=not complete)

    async def wait(self) -> bool:
        """Whether the ranges were saved (waits for the follower to reach the end)."""
        return await asyncio.wrap_future(self._done) if self._done is not None else False
