"""The Model tab of a project: versions with held-out scores, training, pre-annotation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from visualner.deps import SessionDep
from visualner.ocr.servers import store
from visualner.preannotation.service import model_settings
from visualner.web.project_pages import project_tab
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/model", response_class=HTMLResponse)
def project_model_page(
    request: Request, context: Annotated[dict[str, Any], project_tab("model")], session: SessionDep
) -> HTMLResponse:
    context["model_settings"] = model_settings(context["project"])
    context["ocr_servers"] = [
        server.name
        for server in store.list_servers(session)
        if not server.is_builtin and server.can_preannotate and server.health != "down"
    ]
    return render(request, "project_model.html", context)
