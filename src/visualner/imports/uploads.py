"""Streaming multipart uploads to a staging folder, with caps enforced while reading.

Starlette's form parser would buffer whole files before we could refuse them; this reads the
request body chunk by chunk, writes each ``files`` part straight to disk under a safe name,
and stops with 413 the moment a file or the request passes its cap.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from visualner.documents.blobstore import BlobStore
from visualner.errors import InvalidInput, TooLarge
from visualner.imports.json.split_ahead import ListSplitter

SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]+")
#: all non-file form fields of one request together (the import has one: its options)
MAX_FORM_FIELD_BYTES = 1 << 20


def safe_filename(raw: str, fallback: str) -> str:
    """A display name without folders or odd characters; never used as a path by itself."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = SAFE_NAME.sub("_", name).strip(" .")[:200]
    return name or fallback


@contextmanager
def new_staging(blobs: BlobStore) -> Iterator[Path]:
    """A fresh local staging folder, discarded everywhere if the block fails (on success the
    import job owns it and discards it when it finishes)."""
    folder = blobs.new_staging_folder()
    try:
        yield folder
    except BaseException:
        blobs.discard_staging(folder.name)
        raise


@dataclass
class StagedFile:
    """An uploaded file on disk: ``path`` is ours (numbered), ``name`` is what the user sent."""

    path: Path
    name: str
    size: int


@dataclass
class StagedUpload:
    files: list[StagedFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


class _PartCollector:
    def __init__(self, folder: Path, *, max_file_bytes: int, max_total_bytes: int) -> None:
        self.folder = folder
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self.upload = StagedUpload()
        self.total = 0
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[str, bytes] = {}
        self._file: IO[bytes] | None = None
        self._current: StagedFile | None = None
        self._splitter: ListSplitter | None = None
        self.splitters: list[ListSplitter] = []
        self._field_name = ""
        self._field_value = bytearray()
        self._field_bytes = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        self._field_name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None:
            number = len(self.upload.files)
            name = safe_filename(filename.decode("utf-8", "replace"), f"file-{number + 1}")
            path = self.folder / f"{number:05d}"
            self._current = StagedFile(path=path, name=name, size=0)
            self._file = path.open("wb")
            self._splitter = ListSplitter(path) if self._field_name == "files" else None
            if self._splitter is not None:
                self.splitters.append(self._splitter)
        else:
            self._field_value = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None and self._current is not None:
            self._current.size += len(chunk)
            self.total += len(chunk)
            if self._current.size > self.max_file_bytes:
                raise TooLarge(
                    f"{self._current.name}: larger than the {self.max_file_bytes // 2**20} MB "
                    "upload cap (VISUALNER_MAX_UPLOAD_MB)"
                )
            if self.total > self.max_total_bytes:
                raise TooLarge(
                    f"the upload is larger than the {self.max_total_bytes // 2**20} MB request "
                    "cap (VISUALNER_MAX_REQUEST_MB)"
                )
            self._file.write(chunk)
            if self._splitter is not None:
                self._splitter.wrote(chunk, self._file)
        else:
            self._field_bytes += len(chunk)
            if self._field_bytes > MAX_FORM_FIELD_BYTES:
                raise TooLarge(
                    f"the form fields besides 'files' (at {self._field_name!r}) are larger "
                    "than 1 MB together"
                )
            self._field_value += chunk

    def on_part_end(self) -> None:
        if self._file is not None and self._current is not None:
            self._file.close()
            if self._field_name == "files":
                self.upload.files.append(self._current)
            else:
                self._current.path.unlink(missing_ok=True)
            if self._splitter is not None:
                self._splitter.close(complete=True)
            self._file = None
            self._current = None
            self._splitter = None
        else:
            self.upload.fields[self._field_name] = self._field_value.decode("utf-8", "replace")

    def close(self, *, complete: bool) -> None:
        if self._file is not None:
            self._file.close()
        if not complete:  # the upload stopped: no file's ranges are saved
            for splitter in self.splitters:
                splitter.close(complete=False)


async def receive_multipart(
    content_type: str,
    body: AsyncIterator[bytes],
    folder: Path,
    *,
    max_file_bytes: int,
    max_total_bytes: int,
) -> StagedUpload:
    """Stream a multipart body into ``folder``; files must come in fields named ``files``."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise InvalidInput("multipart upload without a boundary")
    collector = _PartCollector(
        folder, max_file_bytes=max_file_bytes, max_total_bytes=max_total_bytes
    )
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    complete = False
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)  # every byte: parts, headers, boundaries, preamble
            if received > max_total_bytes:
                raise TooLarge(
                    f"the upload is larger than the {max_total_bytes // 2**20} MB request "
                    "cap (VISUALNER_MAX_REQUEST_MB)"
                )
            parser.write(chunk)
        parser.finalize()
        complete = True
    except MultipartParseError as exc:  # e.g. a part's headers (its file name) past 8 kB
        raise InvalidInput(f"the upload is not valid multipart form data: {exc}") from exc
    finally:
        collector.close(complete=complete)
        for splitter in collector.splitters:  # a list's ranges, found while it uploaded
            await splitter.wait()
    return collector.upload
