"""The sync job of a source storage: new and changed objects of the bucket become tasks
through the import pipeline; deleted ones are reported.

A sync is an import whose files come from the bucket. Planning lists the bucket (below the
prefix, matching the glob) and compares it with the storage's ``StorageObject`` rows:

- a key never seen, or seen with another ETag (the object was replaced), is downloaded into
  the job's staging folder and planned like an uploaded file (documents, ZIPs, JSON task
  lists; OCR and pre-annotation as the storage's import options say). A replaced object is
  imported again as new tasks; the tasks of its earlier version stay;
- a key whose ETag is unchanged is skipped without being read;
- a key imported before and now missing from the bucket is an item skipped with the reason
  "deleted from the bucket" (so it shows in the job's report) and is marked deleted; its
  tasks stay.

The objects are recorded (key, ETag) when the job finishes, in the same transaction that
marks it succeeded; a sync that fails or is cancelled records nothing, so the next one
retries. An object whose import failed is recorded too (its error is in that job's
report): it is retried when it changes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import obstore.exceptions
from obstore.store import S3Store
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from visualner.db import session_scope, utcnow
from visualner.errors import InvalidInput
from visualner.imports.job import ImportJob
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import ItemOutcome, PlannedItem
from visualner.jobs.models import Job, JobItem
from visualner.storages.buckets import (
    RemoteObject,
    bucket_error,
    download,
    list_objects,
    matches,
    open_store,
)
from visualner.storages.models import ObjectState, Storage, StorageObject
from visualner.storages.service import SYNC_KIND, bucket_access

DELETED = "deleted from the bucket since it was imported (its tasks are kept)"


class StorageSyncJob(ImportJob):
    """An import job whose plan first fetches the bucket's new objects."""

    kind = SYNC_KIND

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        with session_scope(ctx.database.read) as session:
            storage = session.get(Storage, job.params["storage_id"])
            if storage is None:
                raise InvalidInput(f"storage {job.params['storage_id']} no longer exists")
            access = bucket_access(ctx.settings, storage)
            glob = storage.glob
            known = {
                row.key: (row.etag, row.state)
                for row in session.scalars(
                    select(StorageObject).where(StorageObject.storage_id == storage.id)
                )
            }
        store = open_store(access)
        try:
            everything = list_objects(store)
        except obstore.exceptions.BaseError as exc:
            raise InvalidInput(f"the bucket cannot be listed: {bucket_error(exc)}") from exc
        if job.params.get("staging"):  # a plan interrupted earlier: start it over
            ctx.blobs.discard_staging(str(job.params["staging"]))
        staging = ctx.blobs.new_staging_folder()
        listed = [obj for obj in everything if matches(obj.key, glob)]
        candidates = [
            obj for obj in listed if known.get(obj.key) != (obj.etag, ObjectState.IMPORTED.value)
        ]
        cap_mb = ctx.settings.max_upload_mb
        too_large = [obj for obj in candidates if obj.size > cap_mb * 2**20]
        fitting = [obj for obj in candidates if obj.size <= cap_mb * 2**20]
        batch = fitting[: ctx.settings.storage_sync_max_objects]
        sources, failed = _fetch(store, batch, known, staging)
        failed += [
            PlannedItem(obj.key, error=f"{obj.key}: larger than the {cap_mb} MB upload cap")
            for obj in too_large
        ]
        listed_keys = {obj.key for obj in everything}  # a key the glob now leaves out is kept
        deleted = sorted(
            key
            for key, (_, state) in known.items()
            if state == ObjectState.IMPORTED.value and key not in listed_keys
        )
        ctx.blobs.publish_staging(staging, keep_local=True)
        job.params = {
            **job.params,
            "staging": staging.name,
            "sources": sources,
            "deleted": deleted,
            "unchanged": len(listed) - len(candidates),
            "remaining": len(fitting) - len(batch),
        }
        with session_scope(ctx.database.write) as session:
            session.execute(update(Job).where(Job.id == job.id).values(params=job.params))
        items = super().plan(ctx, job) if sources else []
        return [
            *items,
            *failed,
            *(PlannedItem(key, {"kind": "deleted", "key": key}) for key in deleted),
        ]

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        if item.payload.get("kind") == "deleted":
            return ItemOutcome(skipped_reason=DELETED)
        return super().process(ctx, job, item)

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        result = super().finish(ctx, job, session)
        storage_id = int(job.params["storage_id"])
        now = utcnow()
        sources = job.params.get("sources", [])
        deleted = job.params.get("deleted", [])
        _record(session, storage_id, sources, deleted, job.id, now)
        return {
            **result,
            "storage_id": storage_id,
            "objects_new": sum(1 for s in sources if not s["changed"]),
            "objects_changed": [s["name"] for s in sources if s["changed"]][:1000],
            "objects_unchanged": job.params.get("unchanged", 0),
            "objects_remaining": job.params.get("remaining", 0),
            "objects_deleted": deleted[:1000],
        }


def _fetch(
    store: S3Store,
    objects: list[RemoteObject],
    known: dict[str, tuple[str, str]],
    staging: Path,
) -> tuple[list[dict[str, Any]], list[PlannedItem]]:
    """Download the objects into the staging folder: the import's sources, and a failed
    item for each object that could not be read (not recorded: the next sync tries again)."""
    sources: list[dict[str, Any]] = []
    failed: list[PlannedItem] = []
    for obj in objects:
        path = staging / f"{len(sources):05d}"
        try:
            etag = download(store, obj.key, path) or obj.etag
        except obstore.exceptions.BaseError as exc:
            path.unlink(missing_ok=True)
            failed.append(PlannedItem(obj.key, error=f"{obj.key}: {bucket_error(exc)}"))
            continue
        sources.append(
            {
                "path": path.name,
                "name": obj.key,
                "size": obj.size,
                "etag": etag,
                "changed": obj.key in known,
            }
        )
    return sources, failed


def _record(
    session: Session,
    storage_id: int,
    sources: list[dict[str, Any]],
    deleted: list[str],
    job_id: int,
    now: datetime,
) -> None:
    """Remember what this sync imported (key and ETag) and what it found deleted."""
    if session.get(Storage, storage_id) is None:
        return  # deleted while it synced: nothing to remember
    rows = {
        row.key: row
        for row in session.scalars(
            select(StorageObject).where(StorageObject.storage_id == storage_id)
        )
    }
    for source in sources:
        row = rows.get(source["name"])
        if row is None:
            row = StorageObject(storage_id=storage_id, key=source["name"])
            session.add(row)
        row.etag = source["etag"]
        row.size = source["size"]
        row.state = ObjectState.IMPORTED.value
        row.job_id = job_id
        row.updated_at = now
    for key in deleted:
        if key in rows:
            rows[key].state = ObjectState.DELETED.value
            rows[key].job_id = job_id
            rows[key].updated_at = now
