"""The project's Team tab: agreement between annotators and their progress (reviewers and
managers); the page's script reads both from the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from visualner.web.page_auth import PageError
from visualner.web.project_pages import project_tab
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/team", response_class=HTMLResponse)
def project_team_page(
    request: Request, context: Annotated[dict[str, Any], project_tab("team")]
) -> HTMLResponse:
    if context["role"] == "annotator":
        raise PageError(404, "the Team tab is for reviewers and managers")
    return render(request, "project_team.html", context)
