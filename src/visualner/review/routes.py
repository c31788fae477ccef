"""Reviewing annotations: accept / reject, the ground truth, and a task's reviews."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks

from visualner.assignments.visibility import task_access
from visualner.auth.usernames import usernames
from visualner.deps import CurrentUser, IdPath, ServicesDep, SessionDep
from visualner.review import service
from visualner.review.models import AnnotationReview
from visualner.review.schemas import ReviewedOut, ReviewIn, ReviewOut
from visualner.storages.targets import write_to_targets_if_any
from visualner.tasks.presenters import annotation_json

router = APIRouter(prefix="/api", tags=["review"])


def _review_out(review: AnnotationReview, names: dict[int, str]) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        annotation_id=review.annotation_id,
        reviewer=names.get(review.reviewer_id) if review.reviewer_id else None,
        action=review.action,
        comment=review.comment,
        version=review.version,
        created_at=review.created_at,
    )


@router.post("/annotations/{annotation_id}/review", response_model=ReviewedOut)
def review_annotation(
    annotation_id: IdPath,
    body: ReviewIn,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    background_tasks: BackgroundTasks,
) -> ReviewedOut:
    """Accept (→ reviewed, the task's ground truth) or reject with a comment (→ to correct,
    back to its annotator) the submitted ``version`` of an annotation (reviewers and
    managers); 409 when it is not submitted or was changed since. The task's file in the
    project's target storages is written again after the response."""
    reviewed = service.review_annotation(
        session,
        user=user,
        annotation_id=annotation_id,
        action=body.action,
        version=body.version,
        comment=body.comment,
    )
    names = usernames(session, [reviewed.annotation.user_id, user.id])
    background_tasks.add_task(
        write_to_targets_if_any, services.queue, task_id=reviewed.annotation.task_id
    )
    return ReviewedOut(
        annotation=annotation_json(reviewed.annotation, names),
        review=_review_out(reviewed.review, names),
    )


@router.post("/annotations/{annotation_id}/ground-truth")
def pick_ground_truth(
    annotation_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    background_tasks: BackgroundTasks,
) -> dict[str, Any]:
    """Make this submitted annotation its task's ground truth, the one exports take
    (managers; accepting one does the same)."""
    annotation = service.pick_ground_truth(session, user=user, annotation_id=annotation_id)
    background_tasks.add_task(write_to_targets_if_any, services.queue, task_id=annotation.task_id)
    return annotation_json(annotation, usernames(session, [annotation.user_id]))


@router.get("/tasks/{task_id}/reviews", response_model=list[ReviewOut])
def list_reviews(task_id: IdPath, user: CurrentUser, session: SessionDep) -> list[ReviewOut]:
    """The reviews of the task's annotations, oldest first (anyone who sees the task)."""
    task_access(session, user=user, task_id=task_id)
    reviews = service.reviews_of_task(session, task_id=task_id)
    names = usernames(session, (r.reviewer_id for r in reviews))
    return [_review_out(review, names) for review in reviews]
