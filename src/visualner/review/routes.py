"""Reviewing annotations: accept / reject, the ground truth, a task's reviews; the project's
agreement between annotators and their progress."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Response

from visualner.annotations.service import get_annotation
from visualner.assignments.visibility import annotation_access, task_access
from visualner.auth.usernames import usernames
from visualner.db import MAX_INTEGER
from visualner.deps import CurrentUser, IdPath, ServicesDep, SessionDep
from visualner.projects.access import Capability, project_access
from visualner.review import agreement, history, progress, service
from visualner.review.models import AnnotationReview
from visualner.review.schemas import ReviewedOut, ReviewIn, ReviewOut
from visualner.storages.targets import write_to_targets_if_any
from visualner.tasks.presenters import annotation_json, people_of_annotations

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
    names = usernames(session, [*people_of_annotations([reviewed.annotation]), user.id])
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
    return annotation_json(annotation, usernames(session, people_of_annotations([annotation])))


@router.get("/tasks/{task_id}/reviews", response_model=list[ReviewOut])
def list_reviews(task_id: IdPath, user: CurrentUser, session: SessionDep) -> list[ReviewOut]:
    """The reviews of the task's annotations, oldest first (anyone who sees the task)."""
    task_access(session, user=user, task_id=task_id)
    reviews = service.reviews_of_task(session, task_id=task_id)
    names = usernames(session, (r.reviewer_id for r in reviews))
    return [_review_out(review, names) for review in reviews]


@router.get("/projects/{project_id}/agreement", response_model=None)
def project_agreement(
    project_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    format: Literal["json", "csv"] = Query("json", description="json or csv"),
) -> dict[str, Any] | Response:
    """Entity-level F1 between annotators on the tasks they both submitted, per pair and per
    label, and each annotator against the model's predictions (reviewers and managers);
    ``format=csv`` downloads the same numbers."""
    project_access(session, user=user, project_id=project_id, capability=Capability.REVIEW)
    report = agreement.project_agreement(session, project_id=project_id)
    if format == "csv":
        return Response(
            agreement.agreement_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="agreement-{project_id}.csv"'},
        )
    return {
        "annotators": report.annotators,
        "pairs": [_agreement_json(pair) for pair in report.pairs],
        "labels": {label: _counts_json(c) for label, c in report.labels().items()},
        "vs_model": [_agreement_json(versus) for versus in report.vs_model],
    }


def _counts_json(counts: agreement.Counts) -> dict[str, Any]:
    return {
        "f1": counts.f1,
        "matched": counts.matched,
        "regions_a": counts.left,
        "regions_b": counts.right,
    }


def _agreement_json(pair: agreement.Agreement) -> dict[str, Any]:
    return {
        "a": pair.left,
        "b": pair.right,
        "tasks": pair.tasks,
        **_counts_json(pair.total),
        "labels": {label: _counts_json(c) for label, c in sorted(pair.by_label.items())},
    }


@router.get("/projects/{project_id}/progress")
def project_progress(
    project_id: IdPath, user: CurrentUser, session: SessionDep
) -> list[dict[str, Any]]:
    """Per annotator: tasks annotated, submitted, accepted, to correct, rejections received,
    regions per submitted task and the median active seconds spent on one (reviewers and
    managers)."""
    project_access(session, user=user, project_id=project_id, capability=Capability.REVIEW)
    return [
        {
            "annotator": row.annotator,
            "tasks": row.tasks,
            "submitted": row.submitted,
            "accepted": row.accepted,
            "to_correct": row.to_correct,
            "rejections": row.rejections,
            "regions_per_task": row.regions_per_task,
            "median_active_s": row.median_active_s,
        }
        for row in progress.project_progress(session, project_id=project_id)
    ]


@router.get("/annotations/{annotation_id}/diff")
def diff_versions(
    annotation_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    from_version: int = Query(..., alias="from", ge=1, le=MAX_INTEGER),
    to_version: int | None = Query(None, alias="to", ge=1, le=MAX_INTEGER),
) -> dict[str, Any]:
    """What changed from version ``from`` to version ``to`` (default: the current one):
    regions added, removed, relabelled, text edited, and moved (other words or box)."""
    annotation = get_annotation(session, annotation_id)
    annotation_access(session, user=user, annotation=annotation)
    to_version = to_version or annotation.version
    diff = history.diff_results(
        history.version_result(session, annotation, from_version),
        history.version_result(session, annotation, to_version),
    )
    return {"from": from_version, "to": to_version, **asdict(diff)}
