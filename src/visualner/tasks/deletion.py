"""Deleting tasks: one, a selection, or every task matching a query.

The count the user confirmed must still be the count selected, so "delete the 1,204 tasks
matching …" never deletes 1,300 because an import added some meanwhile. Rows go by the
database's cascades (pages, annotations, predictions, tags, search index); the page images
become blob-deletion candidates, removed once no task of any project uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session

from visualner.documents.blobstore import BlobStore
from visualner.errors import Conflict
from visualner.projects.models import Project
from visualner.tasks.blob_cleanup import queue_blob_deletions, sweep_blob_deletions
from visualner.tasks.models import Page, Task

DELETED_AT_ONCE = 500


@dataclass(frozen=True)
class DeletedTasks:
    tasks: int
    blobs_removed: int


def delete_tasks(
    session: Session,
    *,
    project: Project,
    task_ids: Select[int],
    confirm_count: int,
    blobs: BlobStore,
    blob_grace_s: float,
) -> DeletedTasks:
    ids = list(session.scalars(task_ids))
    if len(ids) != confirm_count:
        raise Conflict(
            f"the selection holds {len(ids)} task(s), not the {confirm_count} confirmed; "
            "look at the list again before deleting"
        )
    for start in range(0, len(ids), DELETED_AT_ONCE):
        chunk = ids[start : start + DELETED_AT_ONCE]
        images = session.scalars(
            select(Page.image_sha256)
            .where(Page.task_id.in_(chunk), Page.image_sha256.is_not(None))
            .distinct()
        )
        queue_blob_deletions(session, [sha for sha in images if sha])
        session.execute(
            delete(Task)
            .where(Task.id.in_(chunk), Task.project_id == project.id)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(task_count=Project.task_count - len(ids))
        .execution_options(synchronize_session=False)
    )
    removed = sweep_blob_deletions(session, blobs, grace_s=blob_grace_s)
    return DeletedTasks(tasks=len(ids), blobs_removed=len(removed))
