"""The import page of a project and the OCR servers admin page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from visualner.deps import SessionDep
from visualner.errors import NotFound, PermissionDenied
from visualner.projects import service
from visualner.projects.access import Capability, project_access
from visualner.web.page_auth import PageAdminDep, PageError, PageLoginDep
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/import", response_class=HTMLResponse)
def import_page(
    request: Request, project_id: int, login: PageLoginDep, session: SessionDep
) -> HTMLResponse:
    try:
        access = project_access(session, user=login.user, project_id=project_id)
    except (NotFound, PermissionDenied) as exc:
        raise PageError(404, exc.message) from None
    if not access.can(Capability.MANAGE):
        raise PageError(403, "only the project's managers may import documents")
    context = {
        "login": login,
        "nav": "projects",
        "tab": "import",
        "project": access.project,
        "role": access.role.value,
        "can_manage": True,
        "task_count": service.task_counts(session, [project_id]).get(project_id, 0),
        "ocr_enabled": (access.project.settings or {}).get("ocr_enabled", True),
    }
    return render(request, "project_import.html", context)


@router.get("/admin/ocr-servers", response_class=HTMLResponse)
def ocr_servers_page(request: Request, login: PageAdminDep) -> HTMLResponse:
    return render(request, "admin_ocr_servers.html", {"login": login, "nav": "admin"})
