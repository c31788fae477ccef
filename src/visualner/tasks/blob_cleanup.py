"""Removing the blobs that deleted tasks leave unused.

Blobs are content-addressed and shared: two tasks (of any projects) with the same page image
point at one file, and model artifacts and exports live in the same store. A deleted task's
images are therefore only *candidates*: they are queued in ``blob_deletions`` in the deleting
transaction, and a file is removed only when no row of ``BLOB_REFERENCES`` names it any more.

An import that found a blob already stored does not write it again (it touches it), and its
task is committed a little later; so a file touched within ``grace_s`` stays queued and is
looked at again by the next sweep (the next delete, or the next start of the app).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from visualner.db import utcnow
from visualner.documents.blobstore import BlobStore
from visualner.preannotation.models import ModelVersion
from visualner.tasks.models import BlobDeletion, Page

logger = logging.getLogger(__name__)

#: Every column that names a blob of the store. A new one must be added here.
BLOB_REFERENCES: tuple[InstrumentedAttribute[Any], ...] = (
    Page.image_sha256,
    ModelVersion.artifact_sha256,
)
CHECKED_AT_ONCE = 500


def queue_blob_deletions(session: Session, shas: Iterable[str]) -> None:
    queued = set(session.scalars(select(BlobDeletion.sha256)))
    for sha in set(shas) - queued:
        session.add(BlobDeletion(sha256=sha, queued_at=utcnow()))
    session.flush()


def _referenced(session: Session, shas: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(shas), CHECKED_AT_ONCE):
        chunk = shas[start : start + CHECKED_AT_ONCE]
        for column in BLOB_REFERENCES:
            found.update(session.scalars(select(column).where(column.in_(chunk)).distinct()))
    return found


def sweep_blob_deletions(
    session: Session, blobs: BlobStore, *, grace_s: float, limit: int = 10_000
) -> list[str]:
    """Decide in this transaction which queued blobs go; their files are removed once it
    commits (nothing is removed if it rolls back). Answers the blobs to be removed."""
    queued = list(session.scalars(select(BlobDeletion.sha256).limit(limit)))
    if not queued:
        return []
    still_used = _referenced(session, queued)
    now = time.time()
    removable: list[str] = []
    settled: list[str] = list(still_used)
    for sha in queued:
        if sha in still_used:
            continue
        touched = blobs.stored_at(sha)
        if touched is None:
            settled.append(sha)
            continue
        if now - touched >= grace_s:
            removable.append(sha)
            settled.append(sha)
    if settled:
        session.execute(delete(BlobDeletion).where(BlobDeletion.sha256.in_(settled)))

    rolled_back: list[bool] = []

    def remove_files(_session: Session) -> None:
        if rolled_back:
            return
        for sha in removable:
            blobs.delete(sha)
        if removable:
            logger.info("removed %d blobs no task uses any more", len(removable))

    if removable:
        event.listen(session, "after_commit", remove_files, once=True)
        event.listen(session, "after_rollback", lambda _s: rolled_back.append(True), once=True)
    return removable
