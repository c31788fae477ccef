"""The project's Team tab: agreement between annotators and their progress (reviewers and
managers); the page's script reads both from the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from visualner.deps import IdPath, SessionDep
from visualner.web.page_auth import PageError, PageLoginDep
from visualner.web.project_pages import project_page_context
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/team", response_class=HTMLResponse)
def project_team_page(
    request: Request, project_id: IdPath, login: PageLoginDep, session: SessionDep
) -> HTMLResponse:
    context = project_page_context(session, login, project_id, "team")
    if context["role"] == "annotator":
        raise PageError(404, "the Team tab is for reviewers and managers")
    return render(request, "project_team.html", context)
