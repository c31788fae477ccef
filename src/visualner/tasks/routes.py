"""Task listing and search, task detail with pages and words, page images, and the bulk
actions on a selection of tasks (each the existing domain service applied to the selection:
``tasks.deletion``, ``tags.service``, ``ocr.rerun``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from visualner.annotations.models import Prediction
from visualner.annotations.service import annotations_of_task, own_task_states
from visualner.assignments.service import TaskPeople, people_of_tasks
from visualner.assignments.visibility import (
    own_annotations_only,
    task_access,
    visible_tasks_condition,
)
from visualner.auth.usernames import usernames
from visualner.blob_responses import blob_response, page_media_type
from visualner.comments.service import open_comment_counts
from visualner.deps import CurrentUser, IdPath, IndexPath, PagingDep, ServicesDep, SessionDep
from visualner.errors import InvalidInput, NotFound
from visualner.imports.first_view import SETTING as FIRST_VIEW_SETTING
from visualner.imports.first_view import fetch_on_first_view
from visualner.jobs.models import Job
from visualner.jobs.schemas import JobStarted
from visualner.jobs.service import start_job
from visualner.ocr.rerun import create_tasks_ocr_job
from visualner.projects.access import Capability, ProjectAccess, project_access
from visualner.responses import FastJSONResponse
from visualner.runtime import Services
from visualner.search import service as search
from visualner.search.highlights import page_word_hits
from visualner.tags.service import add_tags, project_tags, remove_tags, tags_of_tasks
from visualner.tasks import service
from visualner.tasks.deletion import delete_tasks
from visualner.tasks.models import Task
from visualner.tasks.presenters import (
    page_json,
    people_of_annotations,
    task_json,
    task_summary,
)
from visualner.tasks.schemas import (
    DeletedOut,
    DeleteTasksIn,
    OcrTasksIn,
    SearchHits,
    TagCount,
    TaggedOut,
    TagTasksIn,
    TaskDataIn,
    TaskList,
    TaskSummary,
)
from visualner.tasks.selection import selected_task_ids

router = APIRouter(prefix="/api", tags=["tasks"])

WORDS_INLINE_MAX_PAGES = 20


@router.get(
    "/projects/{project_id}/tasks",
    response_class=FastJSONResponse,
    responses={200: {"model": TaskList}},
)
def list_tasks(
    project_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    paging: PagingDep,
    q: str = Query("", description="a search query (docs/search.md), e.g. label:ANSWER -tag:done"),
    status: str | None = Query(None, description="new, in_progress, submitted or reviewed"),
    sort: str | None = Query(
        None,
        description="relevance (the default with words to search), id (otherwise), title, "
        "updated, pages, status, annotator, annotations, score, uncertainty; prefix - to reverse",
    ),
) -> FastJSONResponse:
    """One page of the project's tasks matching the query ``q``, and their total. Rows of a
    query with words carry a ``snippet`` of their first hit and the hits in their title."""
    access = project_access(session, user=user, project_id=project_id)
    found = search.list_tasks(
        session,
        project=access.project,
        visible=visible_tasks_condition(session, access),
        q=q,
        status=status,
        sort=sort,
        page=paging.page,
        page_size=paging.page_size,
    )
    tags = tags_of_tasks(session, [t.id for t in found.tasks])
    people = people_of_tasks(session, [t.id for t in found.tasks])
    own = _own_states(session, access, [t.id for t in found.tasks])
    open_comments = open_comment_counts(session, [t.id for t in found.tasks])
    items = []
    for task in found.tasks:
        item = task_summary(task)
        item["tags"] = tags.get(task.id, [])
        item.update(_people_json(people.get(task.id)))
        if own is not None:
            item["status"] = own[task.id]
        item["open_comments"] = open_comments[task.id]
        if task.id in found.highlights:
            item.update(found.highlights[task.id].to_json())
        items.append(item)
    return FastJSONResponse(
        {
            "items": items,
            "total": found.total,
            "page": paging.page,
            "page_size": paging.page_size,
            "sort": found.sort,
        }
    )


def _own_states(
    session: Session, access: ProjectAccess, task_ids: list[int]
) -> dict[int, str] | None:
    """For an annotator, each task's status is their own annotation's (team workflow)."""
    if access.can(Capability.REVIEW):
        return None
    return own_task_states(session, user_id=access.user.id, task_ids=task_ids)


def _people_json(people: TaskPeople | None) -> dict[str, Any]:
    return {
        "assignees": people.assignees if people else [],
        "reviewer": people.reviewer if people else None,
    }


@router.post(
    "/projects/{project_id}/tasks", response_model=TaskSummary, status_code=status.HTTP_201_CREATED
)
def create_task(
    project_id: IdPath, body: TaskDataIn, user: CurrentUser, session: SessionDep
) -> TaskSummary:
    """Create a task from data alone (no file to import; managers)."""
    project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    task = service.create_task(
        session, project_id=project_id, title=body.title, data=body.data, pages=[]
    )
    return TaskSummary.model_validate(task)


@router.get("/tasks/{task_id}", response_class=FastJSONResponse)
def get_task(
    task_id: IdPath, user: CurrentUser, session: SessionDep, services: ServicesDep
) -> FastJSONResponse:
    """A task with its pages (size, image URL, words in reading order), annotations and
    predictions. Documents with more than 20 pages list pages without words: fetch them
    one at a time from ``/api/tasks/{id}/pages/{n}``. In a project that fetches images on
    first view, the first request stores the task's document (a page whose fetch failed has
    no ``image_url`` and says why in ``image_error``)."""
    found = task_access(session, user=user, task_id=task_id)
    task, access = found.task, found.access
    fetch_error = _first_view(session, services, access.project.settings, task_id)
    pages = service.pages_of_task(session, task_id=task_id)
    annotations = own_annotations_only(access, annotations_of_task(session, task_id=task_id))
    predictions = list(
        session.scalars(
            select(Prediction).where(Prediction.task_id == task_id).order_by(Prediction.id)
        )
    )
    payload = task_json(
        task,
        pages,
        annotations,
        predictions,
        usernames(session, people_of_annotations(annotations)),
        words_inline_limit=WORDS_INLINE_MAX_PAGES,
    )
    payload["tags"] = tags_of_tasks(session, [task_id]).get(task_id, [])
    payload.update(_people_json(people_of_tasks(session, [task_id]).get(task_id)))
    own = _own_states(session, access, [task_id])
    if own is not None:
        payload["status"] = own[task_id]
    if fetch_error is not None:
        for page in payload["pages"]:
            if page["image_url"] is None:
                page["image_error"] = fetch_error
    return FastJSONResponse(payload)


def _first_view(
    session: SessionDep, services: Services, project_settings: dict[str, Any], task_id: int
) -> str | None:
    """Fetch a lazily imported task's document (see ``imports.first_view``); why not, or None."""
    if not (project_settings or {}).get(FIRST_VIEW_SETTING):
        return None
    session.rollback()  # no snapshot held across the download; what follows reads afresh
    return fetch_on_first_view(
        database=services.database,
        settings=services.settings,
        blobs=services.blobs,
        task_id=task_id,
    )


@router.get("/tasks/{task_id}/search-hits", response_model=SearchHits)
def get_search_hits(
    task_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    q: str = Query(..., description="the search query the task was found with"),
) -> SearchHits:
    """The words of each page that the query's words or phrases match (the labeling page
    marks them); pages without a hit are left out."""
    access = task_access(session, user=user, task_id=task_id).access
    patterns = search.compile_task_query(session, project=access.project, q=q).patterns
    hits = page_word_hits(session, task_id=task_id, patterns=patterns) if patterns else {}
    return SearchHits(pages={str(index): words for index, words in hits.items()})


@router.get("/tasks/{task_id}/pages/{page_index}", response_class=FastJSONResponse)
def get_page(
    task_id: IdPath, page_index: IndexPath, user: CurrentUser, session: SessionDep
) -> FastJSONResponse:
    """One page of a task with its words (pages count from 0)."""
    task_access(session, user=user, task_id=task_id)
    return FastJSONResponse(
        page_json(service.get_page(session, task_id=task_id, page_index=page_index))
    )


@router.get("/tasks/{task_id}/pages/{page_index}/image")
def get_page_image(
    task_id: IdPath,
    page_index: IndexPath,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
) -> Response:
    """The rendered page image; immutable for a given ``v`` so browsers cache it. With S3
    storage and ``serve_blobs=presigned``, a redirect to a short-lived URL of the bucket."""
    task_access(session, user=user, task_id=task_id)
    page = service.get_page(session, task_id=task_id, page_index=page_index)
    if page.image_sha256 is None:
        raise NotFound(f"page {page_index} of task {task_id} has no image")
    return blob_response(
        request,
        blobs=services.blobs,
        settings=services.settings,
        sha256=page.image_sha256,
        media_type=page_media_type(page.image_mime),
        missing=f"the image of page {page_index} of task {task_id} is missing",
        allow_presigned=True,
    )


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(
    task_id: IdPath, user: CurrentUser, session: SessionDep, services: ServicesDep
) -> None:
    """Delete a task (managers), as the bulk delete does for one task."""
    task = service.get_task(session, task_id)
    access = project_access(
        session, user=user, project_id=task.project_id, capability=Capability.MANAGE
    )
    delete_tasks(
        session,
        project=access.project,
        task_ids=select(Task.id).where(Task.id == task_id),
        confirm_count=1,
        blobs=services.blobs,
        blob_grace_s=services.settings.blob_delete_grace_s,
    )


@router.post("/projects/{project_id}/tasks/delete", response_model=DeletedOut)
def delete_selected_tasks(
    project_id: IdPath,
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
    project_id: IdPath, body: TagTasksIn, user: CurrentUser, session: SessionDep
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
def list_project_tags(project_id: IdPath, user: CurrentUser, session: SessionDep) -> list[TagCount]:
    """The project's tags and how many tasks carry each."""
    project_access(session, user=user, project_id=project_id)
    return [TagCount(name=n, tasks=c) for n, c in project_tags(session, project_id=project_id)]


@router.post(
    "/projects/{project_id}/tasks/ocr",
    response_model=JobStarted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def ocr_selected_tasks(
    project_id: IdPath, body: OcrTasksIn, user: CurrentUser, services: ServicesDep
) -> JobStarted:
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
    return JobStarted(job_id=job_id)
