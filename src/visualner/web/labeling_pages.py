"""The labeling page of a task and the "Label next" redirect.

The page renders what the server already knows (task title, the parsed labeling config, who
is looking); the page's scripts fetch the task JSON and save annotations through the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from visualner.assignments.visibility import task_access, visible_tasks_condition
from visualner.db import MAX_INTEGER
from visualner.deps import IdPath, ServicesDep, SessionDep
from visualner.errors import NotFound, PermissionDenied
from visualner.projects.access import Capability, ProjectAccess, project_access
from visualner.projects.config import parse_label_config
from visualner.tags.service import tags_of_tasks
from visualner.tasks.next_task import next_task_to_label
from visualner.web.page_auth import PageError, PageLogin, PageLoginDep
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


def _page_access(session: SessionDep, login: PageLogin, project_id: int) -> ProjectAccess:
    try:
        return project_access(session, user=login.user, project_id=project_id)
    except (NotFound, PermissionDenied) as exc:
        raise PageError(404, exc.message) from None


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def labeling_page(
    request: Request,
    task_id: IdPath,
    login: PageLoginDep,
    session: SessionDep,
    services: ServicesDep,
) -> HTMLResponse:
    try:
        found = task_access(session, user=login.user, task_id=task_id)
    except (NotFound, PermissionDenied) as exc:
        raise PageError(404, exc.message) from None
    task, access = found.task, found.access
    config = parse_label_config(access.project.label_config)
    page_data: dict[str, Any] = {
        "task_id": task.id,
        "project_id": access.project.id,
        "username": login.user.username,
        "can_annotate": access.can(Capability.ANNOTATE),
        "can_review": access.can(Capability.REVIEW),
        "can_manage": access.can(Capability.MANAGE),
        "config": config.to_json(),
        "low_confidence": services.settings.ocr_low_confidence,
    }
    return render(
        request,
        "labeling.html",
        {
            "login": login,
            "nav": "projects",
            "task": task,
            "project": access.project,
            "page_data": page_data,
            "tags": tags_of_tasks(session, [task.id]).get(task.id, []),
            "can_tag": access.can(Capability.REVIEW),
        },
    )


@router.get("/projects/{project_id}/next")
def label_next(
    project_id: IdPath,
    login: PageLoginDep,
    session: SessionDep,
    after: int | None = Query(None, ge=1, le=MAX_INTEGER, description="the task being skipped"),
) -> RedirectResponse:
    """Open the next task still open to this user (``assignments.queue``); the tasks list
    when every task is done."""
    access = _page_access(session, login, project_id)
    task_id = next_task_to_label(
        session,
        project_id=project_id,
        after_task_id=after,
        user_id=login.user.id,
        visible=visible_tasks_condition(session, access),
    )
    if task_id is None:
        return RedirectResponse(f"/projects/{project_id}?status=new", status_code=303)
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)
