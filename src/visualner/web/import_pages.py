"""The import page of a project and the OCR servers admin page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from visualner.web.page_auth import PageAdminDep, PageError
from visualner.web.project_pages import project_tab
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/import", response_class=HTMLResponse)
def import_page(
    request: Request, context: Annotated[dict[str, Any], project_tab("import")]
) -> HTMLResponse:
    if not context["can_manage"]:
        raise PageError(403, "only the project's managers may import documents")
    context["ocr_enabled"] = (context["project"].settings or {}).get("ocr_enabled", True)
    return render(request, "project_import.html", context)


@router.get("/admin/ocr-servers", response_class=HTMLResponse)
def ocr_servers_page(request: Request, login: PageAdminDep) -> HTMLResponse:
    return render(request, "admin_ocr_servers.html", {"login": login, "nav": "admin"})
