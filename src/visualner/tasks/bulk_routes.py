"""Bulk actions on a selection of tasks (ids, or every task matching a query).

Each action is the existing domain service applied to the resolved selection: deleting
(``tasks.deletion``), tagging (``tags.service``), OCR again (``ocr.rerun``); pre-annotation
and export take the same selection on their own endpoints.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from visualner.deps import CurrentUser, ServicesDep, SessionDep
from visualner.errors import InvalidInput
from visualner.jobs.models import Job
from visualner.jobs.service import start_job
from visualner.ocr.rerun import create_tasks_ocr_job
from visualner.projects.access import Capability, project_access
from visualner.tags.service import add_tags, project_tags, remove_tags
from visualner.tasks.deletion import delete_tasks
from visualner.tasks.selection import TaskSelection, selected_task_ids

router = APIRouter(prefix="/api", tags=["tasks"])


class DeleteTasksIn(TaskSelection):
    confirm_count: int = Field(
        ...,
        ge=1,
        le=10**9,
        description="How many tasks the user agreed to delete; must still match.",
    )


class DeletedOut(BaseModel):
    deleted: int
    blobs_removed: int


class TagTasksIn(TaskSelection):
    add: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(default_factory=list, max_length=50)


class TaggedOut(BaseModel):
    added: int
    removed: int


class OcrTasksIn(TaskSelection):
    ocr_servers: list[str] = Field(
        default_factory=list, description="Servers to run on; empty: the default."
    )


class TagCount(BaseModel):
    name: str
    tasks: int


class JobStartedOut(BaseModel):
    job_id: int


@router.post("/projects/{project_id}/tasks/delete", response_model=DeletedOut)
def delete_selected_tasks(
    project_id: int,
    body: DeleteTasksIn,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
) -> DeletedOut:
    """Delete the selected tasks (managers) with everything they hold; their page images are
    removed from storage when no other task uses them. ``confirm_count`` must equal the
    number selected (409 otherwise)."""
    access = project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    deleted = delete_tasks(
        session,
        project=access.project,
        task_ids=selected_task_ids(session, project=access.project, selection=body),
        confirm_count=body.confirm_count,
        blobs=services.blobs,
        blob_grace_s=services.settings.blob_delete_grace_s,
    )
    return DeletedOut(deleted=deleted.tasks, blobs_removed=deleted.blobs_removed)


@router.post("/projects/{project_id}/tasks/tags", response_model=TaggedOut)
def tag_selected_tasks(
    project_id: int, body: TagTasksIn, user: CurrentUser, session: SessionDep
) -> TaggedOut:
    """Add and remove tags on the selected tasks (managers and reviewers)."""
    access = project_access(session, user=user, project_id=project_id, capability=Capability.REVIEW)
    selected = selected_task_ids(session, project=access.project, selection=body)
    added = removed = 0
    if body.add:
        added = add_tags(session, project_id=project_id, task_ids=selected, names=body.add)
    if body.remove:
        removed = remove_tags(session, project_id=project_id, task_ids=selected, names=body.remove)
    return TaggedOut(added=added, removed=removed)


@router.get("/projects/{project_id}/tags", response_model=list[TagCount])
def list_project_tags(project_id: int, user: CurrentUser, session: SessionDep) -> list[TagCount]:
    """The project's tags and how many tasks carry each."""
    project_access(session, user=user, project_id=project_id)
    return [TagCount(name=n, tasks=c) for n, c in project_tags(session, project_id=project_id)]


@router.post(
    "/projects/{project_id}/tasks/ocr",
    response_model=JobStartedOut,
    status_code=status.HTTP_202_ACCEPTED,
)
async def ocr_selected_tasks(
    project_id: int, body: OcrTasksIn, user: CurrentUser, services: ServicesDep
) -> JobStartedOut:
    """Run OCR again on every page of the selected tasks, on the chosen server (managers);
    follow the job at ``/api/jobs/{id}``."""

    def create(session: Session) -> Job:
        access = project_access(
            session, user=user, project_id=project_id, capability=Capability.MANAGE
        )
        ids = list(
            session.scalars(selected_task_ids(session, project=access.project, selection=body))
        )
        if not ids:
            raise InvalidInput("no task matches the query", field="query")
        return create_tasks_ocr_job(
            session, project_id=project_id, task_ids=ids, user=user, ocr_servers=body.ocr_servers
        )

    job_id = await run_in_threadpool(start_job, services.queue, create)
    return JobStartedOut(job_id=job_id)
