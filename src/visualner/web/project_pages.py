"""Project pages: the list, the new-project form, and a project's Tasks/Settings/Members tabs.

Pages render what the server already knows (titles, roles); everything that changes data
is done by the page's script through the JSON API, so there is one code path for writes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from visualner.deps import IdPath, SessionDep
from visualner.errors import NotFound, PermissionDenied
from visualner.projects import service
from visualner.projects.access import Capability, ProjectAccess, project_access
from visualner.projects.models import Role
from visualner.tasks.models import TaskStatus
from visualner.web.page_auth import PageError, PageLogin, PageLoginDep
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)

PROJECTS_SHOWN = 500
TASK_STATUSES = tuple(status.value for status in TaskStatus)
ROLES = tuple(role.value for role in Role)


def _page_access(session: SessionDep, login: PageLogin, project_id: int) -> ProjectAccess:
    try:
        return project_access(session, user=login.user, project_id=project_id)
    except (NotFound, PermissionDenied) as exc:
        raise PageError(404, exc.message) from None


def project_page_context(
    session: SessionDep, login: PageLogin, project_id: int, tab: str
) -> dict[str, Any]:
    access = _page_access(session, login, project_id)
    counts = service.task_counts(session, [project_id])
    return {
        "login": login,
        "nav": "projects",
        "tab": tab,
        "project": access.project,
        "role": access.role.value,
        "can_manage": access.can(Capability.MANAGE),
        "task_count": counts.get(project_id, 0),
    }


def project_tab(tab: str) -> Any:
    """A dependency: the page context of the project's ``tab`` (a 404 page for a non-member)."""

    def tab_context(project_id: IdPath, login: PageLoginDep, session: SessionDep) -> dict[str, Any]:
        return project_page_context(session, login, project_id, tab)

    return Depends(tab_context)


@router.get("/", response_class=HTMLResponse)
def projects_page(request: Request, login: PageLoginDep, session: SessionDep) -> HTMLResponse:
    rows, total = service.visible_projects(session, user=login.user, limit=PROJECTS_SHOWN)
    counts = service.task_counts(session, [project.id for project, _ in rows])
    cards = [
        {"project": project, "role": role.value, "task_count": counts.get(project.id, 0)}
        for project, role in rows
    ]
    return render(
        request,
        "projects.html",
        {"login": login, "nav": "projects", "cards": cards, "total": total},
    )


@router.get("/projects/new", response_class=HTMLResponse)
def new_project_page(request: Request, login: PageLoginDep) -> HTMLResponse:
    return render(request, "project_new.html", {"login": login, "nav": "projects"})


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_tasks_page(
    request: Request, context: Annotated[dict[str, Any], project_tab("tasks")]
) -> HTMLResponse:
    context["statuses"] = TASK_STATUSES
    return render(request, "project_tasks.html", context)


@router.get("/projects/{project_id}/settings", response_class=HTMLResponse)
def project_settings_page(
    request: Request, context: Annotated[dict[str, Any], project_tab("settings")]
) -> HTMLResponse:
    return render(request, "project_settings.html", context)


@router.get("/projects/{project_id}/members", response_class=HTMLResponse)
def project_members_page(
    request: Request, context: Annotated[dict[str, Any], project_tab("members")]
) -> HTMLResponse:
    context["roles"] = ROLES
    return render(request, "project_members.html", context)
