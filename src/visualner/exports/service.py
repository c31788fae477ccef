"""Exporting a project: stream it in a format, to an HTTP response, a file or the blob store.

``stream_export`` is a generator of byte chunks. It reads tasks in id-ordered batches, hands
each to the format's writer, and yields what the writer produced once about a megabyte has
gathered; zip formats write a streamable archive (no seeking), so nothing waits for the end.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, cast

from sqlalchemy.orm import Session

from visualner.db import Database, session_scope
from visualner.documents.blobstore import BlobStore
from visualner.errors import NotFound
from visualner.exports.options import ExportOptions
from visualner.exports.reader import count_export_tasks, iter_export_tasks
from visualner.formats.records import ExportContext, ImageRef
from visualner.formats.registry import ExportFormat, export_format
from visualner.formats.sink import ChunkSink
from visualner.gc_pause import cyclic_gc_paused
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project
from visualner.settings import Settings
from visualner.tasks.selection import TaskSelection, selected_task_ids

FLUSH_BYTES = 1 << 20
ProgressCallback = Callable[[int, int], None]
"""``(tasks written, tasks in the export)``"""


def url_image_ref(base_url: str = "") -> ImageRef:
    """Page images as API URLs (``{base_url}/api/tasks/{id}/pages/{n}/image``)."""
    base = base_url.rstrip("/")

    def image_ref(task_id: int, page_index: int, _sha256: str | None) -> str:
        return f"{base}/api/tasks/{task_id}/pages/{page_index}/image"

    return image_ref


def blob_path_image_ref(blobs: BlobStore) -> ImageRef:
    """Page images where the blob store keeps them (exports made on the server side): a
    file path with local storage, an ``s3://`` URL with S3 storage."""

    def image_ref(task_id: int, page_index: int, sha256: str | None) -> str:
        return blobs.location(sha256) if sha256 else ""

    return image_ref


def export_context(
    project: Project, *, image_ref: ImageRef, include_predictions: bool
) -> ExportContext:
    config = parse_label_config(project.label_config)
    label_groups: dict[str, str] = {}
    for group in config.label_groups:
        for label in group.labels:
            label_groups.setdefault(label.value, group.name)
    text_area = next((t.name for t in config.text_areas if t.per_region), None)
    return ExportContext(
        project_id=project.id,
        project_title=project.title,
        label_values=tuple(config.label_values),
        label_groups=label_groups,
        image_name=config.image_name,
        image_data_key=config.image_data_key,
        text_area_name=text_area,
        image_ref=image_ref,
        include_predictions=include_predictions,
    )


def export_filename(project: Project, export: ExportFormat, *, images: bool = False) -> str:
    """``<title>-<id>-<format>-<stamp>.<ext>``; with page images, ``…-images.zip``."""
    title = re.sub(r"[^A-Za-z0-9_-]+", "-", project.title).strip("-")[:40] or "project"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if images:
        return f"{title}-{project.id}-{export.name}-{stamp}-images.zip"
    return f"{title}-{project.id}-{export.name}-{stamp}.{export.extension}"


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"no project {project_id}")
    return project


def stream_export(
    database: Database,
    *,
    project_id: int,
    options: ExportOptions,
    image_ref: ImageRef,
    on_progress: ProgressCallback | None = None,
    flush_bytes: int = FLUSH_BYTES,
) -> Iterator[bytes]:
    """The export's bytes, chunk by chunk, read in one read session (a consistent snapshot
    on PostgreSQL; on SQLite, WAL readers see one snapshot too)."""
    export = export_format(options.format)
    with session_scope(database.read) as session:
        project = get_project(session, project_id)
        ctx = export_context(project, image_ref=image_ref, include_predictions=options.predictions)
        total = count_export_tasks(session, project_id=project_id, options=options)
        sink = ChunkSink()
        writer = export.writer(cast(BinaryIO, sink), ctx)
        done = 0
        for task in iter_export_tasks(
            session,
            project_id=project_id,
            options=options,
            with_history=export.name == "json",
        ):
            with cyclic_gc_paused():
                writer.write_task(task)
                del task  # freed now, by reference counting, while collection is off
            done += 1
            if on_progress is not None and (done % 100 == 0 or done == total):
                on_progress(done, total)
            if sink.pending >= flush_bytes:
                yield sink.drain()
        for _ in writer.close():
            if sink.pending >= flush_bytes:
                yield sink.drain()
        if on_progress is not None:
            on_progress(done, total)
        if sink.pending:
            yield sink.drain()


@dataclass
class ExportedFile:
    path: Path
    size: int
    format: ExportFormat


def export_to_file(
    database: Database,
    *,
    project_id: int,
    options: ExportOptions,
    image_ref: ImageRef,
    destination: Path,
    on_progress: ProgressCallback | None = None,
) -> ExportedFile:
    """Write the export to ``destination``; a failed export leaves no partial file."""
    chunks = stream_export(
        database,
        project_id=project_id,
        options=options,
        image_ref=image_ref,
        on_progress=on_progress,
    )
    size = write_chunks(chunks, destination)
    return ExportedFile(path=destination, size=size, format=export_format(options.format))


def write_chunks(chunks: Iterator[bytes], destination: Path) -> int:
    """Write an export's chunks to ``destination`` through a ``.partial`` file, so a failed
    export leaves nothing behind; returns the size."""
    partial = destination.with_name(destination.name + ".partial")
    size = 0
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                size += len(chunk)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return size


@contextmanager
def scratch_export(
    database: Database,
    settings: Settings,
    *,
    project_id: int,
    options: ExportOptions,
    image_ref: ImageRef,
    name: str = "export",
    on_progress: ProgressCallback | None = None,
) -> Iterator[ExportedFile]:
    """The export written to a temp folder of the scratch space, removed after the block
    (an export job stores it in the blob store or a bucket meanwhile)."""
    scratch = settings.scratch_dir
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="export-") as folder:
        yield export_to_file(
            database,
            project_id=project_id,
            options=options,
            image_ref=image_ref,
            destination=Path(folder) / name,
            on_progress=on_progress,
        )


def check_selection(session: Session, *, project: Project, options: ExportOptions) -> None:
    """Refuse (before anything is streamed) a query that does not parse and task ids of
    other projects; both may be given, and then both apply."""
    if options.query is not None:
        selected_task_ids(session, project=project, selection=TaskSelection(query=options.query))
    if options.task_ids is not None:
        selected_task_ids(
            session, project=project, selection=TaskSelection(task_ids=options.task_ids)
        )
