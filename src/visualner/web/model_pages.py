"""The Model tab of a project: versions with held-out scores, training, pre-annotation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from visualner.deps import SessionDep
from visualner.errors import NotFound, PermissionDenied
from visualner.ocr import registry
from visualner.preannotation.service import model_settings
from visualner.projects import service
from visualner.projects.access import Capability, project_access
from visualner.web.page_auth import PageError, PageLoginDep
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/model", response_class=HTMLResponse)
def project_model_page(
    request: Request, project_id: int, login: PageLoginDep, session: SessionDep
) -> HTMLResponse:
    try:
        access = project_access(session, user=login.user, project_id=project_id)
    except (NotFound, PermissionDenied) as exc:
        raise PageError(404, exc.message) from None
    context = {
        "login": login,
        "nav": "projects",
        "tab": "model",
        "project": access.project,
        "role": access.role.value,
        "can_manage": access.can(Capability.MANAGE),
        "task_count": service.task_counts(session, [project_id]).get(project_id, 0),
        "model_settings": model_settings(access.project),
        "ocr_servers": [server.name for server in registry.list_servers(session)],
    }
    return render(request, "project_model.html", context)
