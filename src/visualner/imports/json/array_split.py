"""Find the elements of a JSON array file without parsing them.

A task list of 10,000 pre-annotated tasks is a 1–2 GB file; parsed into Python objects it would
need tens of GB. Planning only needs each task's byte range (the job item keeps the offset and
length, and the worker parses one task at a time), so the file is scanned in fixed-size chunks
with numpy: quotes that are not escaped toggle "inside a string", brackets outside strings move
the nesting depth, and commas at depth 1 separate the elements. Memory stays at a few chunks
whatever the file size, and numpy does the per-byte work (its speed is in docs/importing-json.md).

Only the array's structure is checked here; an element that is not valid JSON is found when
its item is parsed, and becomes that item's error while the others import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import orjson

from visualner.errors import InvalidInput

CHUNK_BYTES = 1 << 20
QUOTE, BACKSLASH = 0x22, 0x5C
OPEN_FOLDED, CLOSE_FOLDED = 0x7B, 0x7D  # { and }; [ and ] fold onto them with | 0x20
WHITESPACE = b" \t\r\n"
#: the number of bits set in each byte value
BITS_SET = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class ArrayElement:
    """One element: an object or array by its byte range, or a scalar already parsed (a
    scalar is never a task, but it keeps its place so errors name the right index)."""

    offset: int = 0
    length: int = 0
    scalar: Any = None
    is_scalar: bool = False


class ReadableFile(Protocol):
    """What the scan needs of a file: an open binary file, or one followed as it uploads."""

    def read(self, size: int, /) -> bytes: ...

    def tell(self) -> int: ...

    def seek(self, offset: int, /) -> int: ...


def first_significant_byte(path: Path) -> bytes:
    """The first non-whitespace byte of a file (``b""`` when there is none)."""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            stripped = chunk.lstrip(WHITESPACE)
            if stripped:
                return stripped[:1]
    return b""


def _unescaped_quotes(arr: npt.NDArray[np.uint8], backslashes_before: int) -> npt.NDArray[np.intp]:
    """Positions of quotes not escaped by an odd run of backslashes (the run may start in the
    previous chunk: ``backslashes_before`` is its length there)."""
    quotes = np.flatnonzero(arr == QUOTE)
    backslashes = np.flatnonzero(arr == BACKSLASH)
    if not quotes.size or not (backslashes.size or backslashes_before):
        return quotes
    run_starts = np.ones(backslashes.size, dtype=bool)
    run_starts[1:] = np.diff(backslashes) != 1
    first_of_run = np.maximum.accumulate(np.where(run_starts, np.arange(backslashes.size), 0))
    # the backslash right before each quote, if any
    index = np.searchsorted(backslashes, quotes - 1)
    found = index < backslashes.size
    found[found] &= backslashes[index[found]] == quotes[found] - 1
    runs = np.zeros(quotes.size, dtype=np.int64)
    hit = index[found]
    runs[found] = hit - first_of_run[hit] + 1
    from_chunk_start = np.zeros(quotes.size, dtype=bool)
    from_chunk_start[found] = backslashes[first_of_run[hit]] == 0
    runs[from_chunk_start] += backslashes_before
    if quotes[0] == 0:
        runs[0] = backslashes_before
    return quotes[runs % 2 == 0]


def quotes_before_each(
    is_quote: npt.NDArray[np.bool_], positions: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], int]:
    """How many quotes come before each of ``positions`` (sorted), and how many there are:
    ``np.searchsorted(np.flatnonzero(is_quote), positions)`` without listing the quotes (a
    few hundred thousand per MB of a task list: listing and searching them took half of the
    scan). The flags are packed eight to a byte; a running count over the bytes (a table
    gives each byte's count) and the bits of a position's own byte before it give its count.
    """
    packed = np.packbits(is_quote)  # the first flag of each byte is its high bit
    counts = BITS_SET.take(packed)
    through = np.cumsum(counts, dtype=np.int32)  # up to the end of each byte (a chunk < 2 GB)
    block = positions >> 3
    earlier_bits = packed[block] >> (8 - (positions & 7))  # shifted by 8 when there are none
    before = through[block] - counts[block] + BITS_SET.take(earlier_bits)
    return before.astype(np.intp), int(through[-1]) if through.size else 0


def _gap_scalars(gap: bytes, *, after_element: bool, before_element: bool) -> list[Any]:
    """Scalars between two containers (``, 5, "x",``); raises on anything else."""
    inner = gap.strip(WHITESPACE)
    if after_element:
        if not inner.startswith(b","):
            raise InvalidInput("two tasks without a comma between them")
        inner = inner[1:].strip(WHITESPACE)
    if before_element and inner:
        if not inner.endswith(b","):
            raise InvalidInput("two tasks without a comma between them")
        inner = inner[:-1].strip(WHITESPACE)
    if not inner:
        return []
    try:
        values = orjson.loads(b"[" + inner + b"]")
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON between tasks ({exc})") from exc
    return list(values)


class _Scan:
    """The state carried from one chunk to the next."""

    def __init__(self, handle: ReadableFile) -> None:
        self.handle = handle
        self.depth = 0
        self.inside_string = False
        self.backslashes_before = 0
        self.started = False
        self.finished = False
        self.boundary = 0  # where the bytes after the last element (or the "[") begin
        self.element_start = 0
        self.elements = 0

    def gap(self, end: int, chunk: bytes, chunk_offset: int) -> bytes:
        if self.boundary >= chunk_offset:
            return chunk[self.boundary - chunk_offset : end - chunk_offset]
        here = self.handle.tell()
        self.handle.seek(self.boundary)
        gap = self.handle.read(end - self.boundary)
        self.handle.seek(here)
        return gap

    def scalars(self, end: int, chunk: bytes, chunk_offset: int, *, last: bool) -> list[Any]:
        gap = self.gap(end, chunk, chunk_offset)
        if len(gap) <= 2 and gap.strip(WHITESPACE) in {b"", b","}:
            if (gap.strip(WHITESPACE) == b",") != (self.elements > 0 and not last):
                if self.elements and last:
                    raise InvalidInput("a comma after the last task")
                raise InvalidInput("tasks must be separated by one comma")
            return []
        values = _gap_scalars(gap, after_element=self.elements > 0, before_element=not last)
        if not values and self.elements and last and gap.strip(WHITESPACE):
            raise InvalidInput("a comma after the last task")
        return values


def iter_array_elements(path: Path, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[ArrayElement]:
    """The elements of the top-level JSON array in ``path``, in order.

    Only brackets and quotes are looked at: an element opens where the depth goes from 1 to 2
    and closes where it comes back; what lies between elements (a comma, or scalars) is read
    from the few bytes there. Raises ``InvalidInput`` when the file is not one array (not
    closed, a stray closing bracket, tasks without a comma, more after the end).
    """
    with path.open("rb") as handle:
        yield from iter_file_elements(handle, chunk_bytes=chunk_bytes)


def iter_file_elements(
    handle: ReadableFile, *, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[ArrayElement]:
    """``iter_array_elements`` of a file already open at its start."""
    scan = _Scan(handle)
    offset = 0
    while chunk := handle.read(chunk_bytes):
        if scan.finished:
            if chunk.strip(WHITESPACE):
                raise InvalidInput("there is more after the end of the list")
            offset += len(chunk)
            continue
        yield from _scan_chunk(scan, chunk, offset)
        offset += len(chunk)
    if not scan.finished:
        raise InvalidInput(
            "expected a list of tasks"
            if not scan.started
            else "the list is not closed (cut short?)"
        )


def _scan_chunk(scan: _Scan, chunk: bytes, offset: int) -> Iterator[ArrayElement]:
    arr = np.frombuffer(chunk, dtype=np.uint8)
    folded = arr | 0x20
    candidates = np.flatnonzero((folded == OPEN_FOLDED) | (folded == CLOSE_FOLDED))
    if (scan.backslashes_before and scan.inside_string) or b"\\" in chunk:
        quotes = _unescaped_quotes(arr, scan.backslashes_before if scan.inside_string else 0)
        quotes_before, quote_count = np.searchsorted(quotes, candidates), quotes.size
    else:  # no escaped quotes: every quote counts
        quotes_before, quote_count = quotes_before_each(arr == QUOTE, candidates)
    # a bracket is inside a string when an odd number of quotes precede it
    in_string = (quotes_before + int(scan.inside_string)) & 1
    brackets = candidates[in_string == 0]
    delta = np.where(folded[brackets] == OPEN_FOLDED, 1, -1).astype(np.int32)
    after = scan.depth + np.cumsum(delta, dtype=np.int64)
    before = after - delta
    if after.size and int(after.min()) < 0:
        raise InvalidInput("a closing bracket without its opening one")
    for event in np.flatnonzero((before <= 1) | ((delta < 0) & (before == 2))):
        position = int(brackets[event])
        absolute = offset + position
        level, opens = int(before[event]), bool(delta[event] > 0)
        if scan.finished:
            raise InvalidInput("there is more after the end of the list")
        if level == 0:
            if chunk[position] != ord("[") or scan.started:
                raise InvalidInput("expected a list of tasks")
            scan.started = True
            scan.boundary = absolute + 1
        elif level == 1 and opens:
            for value in scan.scalars(absolute, chunk, offset, last=False):
                scan.elements += 1
                yield ArrayElement(scalar=value, is_scalar=True)
            scan.element_start = absolute
        elif level == 2:
            scan.elements += 1
            yield ArrayElement(scan.element_start, absolute + 1 - scan.element_start)
            scan.boundary = absolute + 1
        else:  # the array's closing bracket
            if chunk[position] != ord("]"):
                raise InvalidInput("the list ends with a mismatched bracket")
            for value in scan.scalars(absolute, chunk, offset, last=True):
                scan.elements += 1
                yield ArrayElement(scalar=value, is_scalar=True)
            scan.finished = True
            if chunk[position + 1 :].strip(WHITESPACE):
                raise InvalidInput("there is more after the end of the list")
    if after.size:
        scan.depth = int(after[-1])
    scan.inside_string ^= bool(quote_count % 2)
    tail = len(chunk) - len(chunk.rstrip(b"\\"))
    scan.backslashes_before = tail + scan.backslashes_before if tail == len(chunk) else tail


def read_span(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(length)
