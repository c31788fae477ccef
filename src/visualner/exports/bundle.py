"""An export with its page images: one zip holding the format's file(s) and ``images/``.

Image URLs inside a plain export need a login to open (docs/export-formats.md); a training
script on another machine wants the pictures themselves. For the formats that refer to page
images (coco, funsd, layoutlm, voc), the export is written first with each image referred to
by its path inside the zip (``images/task-12_page-0.png``); then the zip is streamed: the
format's file (or, for a zip format, its members) followed by every referred image, read
from the blob store one at a time.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO, cast

from visualner.db import Database
from visualner.documents.blobstore import BlobStore
from visualner.errors import InvalidInput
from visualner.exports.options import ExportOptions
from visualner.exports.service import (
    FLUSH_BYTES,
    ProgressCallback,
    scratch_export,
    write_chunks,
)
from visualner.formats.registry import EXPORT_FORMATS, export_format
from visualner.formats.sink import ZIP_EPOCH, ZIP_LEVEL, ChunkSink
from visualner.settings import Settings

COPY_CHUNK = 1 << 20


def check_images_option(options: ExportOptions) -> None:
    """``images`` is refused for formats that do not refer to page images (json and
    labelstudio carry image URLs for re-import; csv and conll none)."""
    if options.images and not export_format(options.format).refers_to_images:
        image_formats = ", ".join(f.name for f in EXPORT_FORMATS if f.refers_to_images)
        raise InvalidInput(
            f"page images can be included only with {image_formats}, not {options.format}",
            field="images",
        )


class BundledImages:
    """An ``ImageRef`` naming each page image by its path in the zip, remembering each one
    so it is added after the export."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self.members: dict[str, str] = {}

    def __call__(self, task_id: int, page_index: int, sha256: str | None) -> str:
        if not sha256:
            return ""
        name = f"images/task-{task_id}_page-{page_index}.{self._extension(sha256)}"
        self.members[name] = sha256
        return name

    def _extension(self, sha256: str) -> str:
        """Stored page images are PNG or JPEG (documents/image_validation.py)."""
        with self.blobs.open(sha256) as handle:
            return "jpg" if handle.read(3) == b"\xff\xd8\xff" else "png"


def _member(name: str, *, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    return info


def _copy(
    archive: zipfile.ZipFile, sink: ChunkSink, info: zipfile.ZipInfo, source: IO[bytes]
) -> Iterator[bytes]:
    """Copy ``source`` into a new member chunk by chunk, yielding what is ready to send."""
    with archive.open(info, "w", force_zip64=True) as member:
        while chunk := source.read(COPY_CHUNK):
            member.write(chunk)
            if sink.pending >= FLUSH_BYTES:
                yield sink.drain()


def stream_export_with_images(
    database: Database,
    settings: Settings,
    blobs: BlobStore,
    *,
    project_id: int,
    options: ExportOptions,
    on_progress: ProgressCallback | None = None,
) -> Iterator[bytes]:
    """The zip's bytes, chunk by chunk (images are stored, not deflated: PNG and JPEG are
    compressed already)."""
    check_images_option(options)
    export = export_format(options.format)
    images = BundledImages(blobs)
    with scratch_export(
        database,
        settings,
        project_id=project_id,
        options=options,
        image_ref=images,
        name=f"{export.name}.{export.extension}",
        on_progress=on_progress,
    ) as exported:
        sink = ChunkSink()
        archive = zipfile.ZipFile(cast(BinaryIO, sink), "w", compresslevel=ZIP_LEVEL)
        if export.extension == "zip":
            with zipfile.ZipFile(exported.path) as inner:
                for inner_info in inner.infolist():
                    with inner.open(inner_info) as source:
                        yield from _copy(
                            archive, sink, _member(inner_info.filename, compress=True), source
                        )
        else:
            with exported.path.open("rb") as source:
                yield from _copy(archive, sink, _member(exported.path.name, compress=True), source)
        for name, sha256 in images.members.items():
            with blobs.open(sha256) as source:
                yield from _copy(archive, sink, _member(name, compress=False), source)
        archive.close()
        yield sink.drain()


def export_with_images_to_file(
    database: Database,
    settings: Settings,
    blobs: BlobStore,
    *,
    project_id: int,
    options: ExportOptions,
    destination: Path,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Write the zip to ``destination`` (no partial file on failure); returns its size."""
    chunks = stream_export_with_images(
        database, settings, blobs, project_id=project_id, options=options, on_progress=on_progress
    )
    return write_chunks(chunks, destination)
