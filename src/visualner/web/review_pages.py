"""The "Review next" redirect: the next annotation waiting for this reviewer."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from visualner.db import MAX_INTEGER
from visualner.deps import IdPath, SessionDep
from visualner.errors import NotFound, PermissionDenied
from visualner.projects.access import Capability, project_access
from visualner.review.service import next_annotation_to_review
from visualner.web.page_auth import PageError, PageLoginDep

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/review-next")
def review_next(
    project_id: IdPath,
    login: PageLoginDep,
    session: SessionDep,
    after: int | None = Query(None, ge=1, le=MAX_INTEGER, description="the task just reviewed"),
) -> RedirectResponse:
    """Open the next submitted annotation waiting for review; the submitted tasks when none."""
    try:
        access = project_access(
            session, user=login.user, project_id=project_id, capability=Capability.REVIEW
        )
    except (NotFound, PermissionDenied) as exc:
        raise PageError(404, exc.message) from None
    found = next_annotation_to_review(session, access=access, after_task_id=after)
    if found is None:
        return RedirectResponse(f"/projects/{project_id}?status=submitted", status_code=303)
    task_id, annotation_id = found
    return RedirectResponse(f"/tasks/{task_id}?annotation={annotation_id}", status_code=303)
