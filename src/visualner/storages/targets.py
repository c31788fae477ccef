"""Target storages: annotations written to a bucket as they change, and whole exports.

After an annotation is saved as submitted or deleted, ``write_to_targets_if_any`` (a
background task of the response, so after the commit; the save never waits for a bucket)
starts a ``storage_export`` job when the project has target storages. The job writes the
task's export, in each target's format and filter, to ``<prefix>/task-<id>.<extension>``,
replacing the earlier file; a task left with nothing to write under a target's filter (its
submitted annotation deleted, or none accepted yet) has that file removed.

``write_file`` puts a finished export file into a target storage (the export job's
``target_storage_id`` option).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import obstore.exceptions
from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.db import Database, session_scope
from visualner.errors import InvalidInput, NotFound
from visualner.exports.options import ExportOptions
from visualner.exports.reader import annotation_conditions
from visualner.exports.service import scratch_export, url_image_ref
from visualner.formats.registry import export_format
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import ItemOutcome, PlannedItem
from visualner.jobs.models import Job, JobItem
from visualner.jobs.queue import JobQueue
from visualner.jobs.service import create_job, start_job
from visualner.settings import Settings
from visualner.storages.buckets import BucketAccess, bucket_error, open_store, upload
from visualner.storages.models import Storage, StorageRole
from visualner.storages.service import bucket_access
from visualner.storages.target_ids import target_storage_ids
from visualner.tasks.models import Task

TARGET_KIND = "storage_export"


def write_to_targets_if_any(queue: JobQueue, *, task_id: int) -> int | None:
    """Start writing a task's annotations to its project's target storages; the job's id,
    or None when there are none (decided in a read session: the common case)."""
    with session_scope(queue.ctx.database.read) as session:
        project_id = session.scalar(select(Task.project_id).where(Task.id == task_id))
        if project_id is None or not target_storage_ids(session, project_id=project_id):
            return None

    def create(session: Session) -> Job | None:
        if not target_storage_ids(session, project_id=project_id):
            return None
        return create_job(
            session,
            kind=TARGET_KIND,
            user=None,
            project_id=project_id,
            params={"task_ids": [task_id]},
        )

    return start_job(queue, create)


def _target(
    settings: Settings, database: Database, *, project_id: int, storage_id: int
) -> BucketAccess:
    """A target storage of the project, ready to reach (its endpoint checked again)."""
    with session_scope(database.read) as session:
        storage = session.get(Storage, storage_id)
        if (
            storage is None
            or storage.project_id != project_id
            or storage.role != StorageRole.TARGET.value
        ):
            raise NotFound(f"no target storage {storage_id}")
        return bucket_access(settings, storage)


def _full_key(access: BucketAccess, key: str) -> str:
    return f"{access.prefix}/{key}" if access.prefix else key


def write_file(
    settings: Settings,
    database: Database,
    *,
    project_id: int,
    storage_id: int,
    key: str,
    path: Path,
    media_type: str,
) -> str:
    """Put a file into a target storage of the project under ``key`` (below its prefix),
    replacing what was there; the full key."""
    access = _target(settings, database, project_id=project_id, storage_id=storage_id)
    try:
        upload(open_store(access), key, path, content_type=media_type)
    except obstore.exceptions.BaseError as exc:
        raise InvalidInput(f"{access.bucket}: cannot write {key}: {bucket_error(exc)}") from exc
    return _full_key(access, key)


def remove_file(
    settings: Settings, database: Database, *, project_id: int, storage_id: int, key: str
) -> str:
    """Remove ``key`` from a target storage (nothing happens when it is not there); the full
    key."""
    access = _target(settings, database, project_id=project_id, storage_id=storage_id)
    try:
        obstore.delete(open_store(access), key)
    except FileNotFoundError:
        pass
    except obstore.exceptions.BaseError as exc:
        raise InvalidInput(f"{access.bucket}: cannot remove {key}: {bucket_error(exc)}") from exc
    return _full_key(access, key)


class StorageExportJob:
    """Writes tasks' exports to the project's target storages, one item per task and target."""

    kind = TARGET_KIND

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        assert job.project_id is not None
        with session_scope(ctx.database.read) as session:
            targets = target_storage_ids(session, project_id=job.project_id)
        return [
            PlannedItem(
                f"task {task_id} → storage {storage_id}", {"task": task_id, "storage": storage_id}
            )
            for task_id in job.params["task_ids"]
            for storage_id in targets
        ]

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        assert job.project_id is not None
        task_id, storage_id = int(item.payload["task"]), int(item.payload["storage"])
        with session_scope(ctx.database.read) as session:
            storage = session.get(Storage, storage_id)
            if storage is None:
                return ItemOutcome(skipped_reason="the storage was removed")
            options = ExportOptions(
                format=storage.export_format,
                only=storage.export_only,
                task_ids=[task_id],
            )
            annotated = session.scalar(
                select(Annotation.id)
                .where(Annotation.task_id == task_id, *annotation_conditions(options))
                .limit(1)
            )
        export = export_format(options.format)
        key = f"task-{task_id}.{export.extension}"
        if annotated is None:  # no longer submitted (or accepted), or deleted: not there either
            removed = remove_file(
                ctx.settings,
                ctx.database,
                project_id=job.project_id,
                storage_id=storage_id,
                key=key,
            )
            return ItemOutcome(apply=lambda _session: {"removed": removed})
        with scratch_export(
            ctx.database,
            ctx.settings,
            project_id=job.project_id,
            options=options,
            image_ref=url_image_ref(""),
            name=key,
        ) as exported:
            written = write_file(
                ctx.settings,
                ctx.database,
                project_id=job.project_id,
                storage_id=storage_id,
                key=key,
                path=exported.path,
                media_type=export.media_type,
            )
        result = {"key": written, "size": exported.size}
        return ItemOutcome(apply=lambda _session: result)

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        written = session.scalars(
            select(JobItem.result).where(JobItem.job_id == job.id, JobItem.status == "done")
        ).all()
        return {
            "written": [r["key"] for r in written if "key" in r][:1000],
            "removed": [r["removed"] for r in written if "removed" in r][:1000],
        }
