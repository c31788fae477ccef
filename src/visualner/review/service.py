"""Reviewing annotations: accept, reject with a comment, pick the ground truth, and the
reviewer's queue.

An annotator submits; a reviewer (or manager) accepts the submitted version — it becomes the
task's ground truth and the task is reviewed — or rejects it with a comment: the annotation
goes back to draft, the task is "to correct" and returns to its annotator's queue with the
comment on their page. A new submitted version waits for review again. A review names the
version it looked at, so a version saved meanwhile is never accepted unseen (409).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.annotations.service import get_annotation, refresh_task_status
from visualner.assignments.models import AssignmentRole, TaskAssignment
from visualner.assignments.visibility import task_access
from visualner.auth.models import User
from visualner.errors import Conflict, InvalidInput
from visualner.projects.access import Capability, ProjectAccess
from visualner.review.models import AnnotationReview, ReviewAction
from visualner.tasks.models import Task

MAX_COMMENT_CHARS = 5000


@dataclass(frozen=True)
class Reviewed:
    annotation: Annotation
    review: AnnotationReview


def review_annotation(
    session: Session,
    *,
    user: User,
    annotation_id: int,
    action: ReviewAction,
    version: int,
    comment: str = "",
) -> Reviewed:
    """Accept or reject ``version`` of a submitted annotation (reviewers and managers)."""
    annotation = get_annotation(session, annotation_id)
    task_access(session, user=user, task_id=annotation.task_id, capability=Capability.REVIEW)
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(
            f"a comment holds at most {MAX_COMMENT_CHARS} characters", field="comment"
        )
    if action is ReviewAction.REJECT and not comment:
        raise InvalidInput("say what to correct: a rejection needs a comment", field="comment")
    values: dict[str, object]
    if action is ReviewAction.ACCEPT:
        values = {"review_status": "accepted"}
    else:
        values = {"review_status": "rejected", "status": "draft", "ground_truth": False}
    changed = session.execute(  # type: ignore[attr-defined]
        update(Annotation)
        .where(
            Annotation.id == annotation_id,
            Annotation.version == version,
            Annotation.status == "submitted",
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.refresh(annotation)
        if annotation.status != "submitted":
            raise Conflict(
                f"annotation {annotation_id} is not submitted (it is a {annotation.status}); "
                "only submitted annotations are reviewed"
            )
        raise Conflict(
            f"annotation {annotation_id} is at version {annotation.version}, not the version "
            f"{version} you reviewed; look at it again before reviewing"
        )
    if action is ReviewAction.ACCEPT:
        _make_ground_truth(session, task_id=annotation.task_id, annotation_id=annotation_id)
    review = AnnotationReview(
        annotation_id=annotation_id,
        task_id=annotation.task_id,
        reviewer_id=user.id,
        action=action.value,
        comment=comment,
        version=version,
    )
    session.add(review)
    session.flush()
    refresh_task_status(session, task_id=annotation.task_id)
    session.refresh(annotation)
    return Reviewed(annotation=annotation, review=review)


def _make_ground_truth(session: Session, *, task_id: int, annotation_id: int) -> None:
    session.execute(
        update(Annotation)
        .where(Annotation.task_id == task_id)
        .values(ground_truth=Annotation.id == annotation_id)
        .execution_options(synchronize_session=False)
    )


def pick_ground_truth(session: Session, *, user: User, annotation_id: int) -> Annotation:
    """A manager's pick of the task's ground truth among its submitted annotations."""
    annotation = get_annotation(session, annotation_id)
    task_access(session, user=user, task_id=annotation.task_id, capability=Capability.MANAGE)
    if annotation.status != "submitted":
        raise Conflict(
            f"annotation {annotation_id} is a {annotation.status}; the ground truth is picked "
            "among submitted annotations"
        )
    _make_ground_truth(session, task_id=annotation.task_id, annotation_id=annotation_id)
    session.flush()
    session.refresh(annotation)
    return annotation


def reviews_of_task(session: Session, *, task_id: int) -> list[AnnotationReview]:
    """Every review of the task's annotations, oldest first."""
    return list(
        session.scalars(
            select(AnnotationReview)
            .where(AnnotationReview.task_id == task_id)
            .order_by(AnnotationReview.id)
        )
    )


def awaiting_review() -> ColumnElement[bool]:
    """An annotation submitted and not reviewed since."""
    return (Annotation.status == "submitted") & (Annotation.review_status == "")


def next_annotation_to_review(
    session: Session, *, access: ProjectAccess, after_task_id: int | None = None
) -> tuple[int, int] | None:
    """(task id, annotation id) of the next annotation waiting for review by this member:
    a reviewer reviews the tasks whose reviewer they are and those without a reviewer; a
    manager any. In task order, after ``after_task_id`` (wrapping around)."""
    conditions: list[ColumnElement[bool]] = [
        Task.project_id == access.project.id,
        awaiting_review(),
    ]
    if not access.can(Capability.MANAGE):
        reviewer_of = select(TaskAssignment.user_id).where(
            TaskAssignment.task_id == Task.id,
            TaskAssignment.role == AssignmentRole.REVIEWER.value,
        )
        conditions.append(
            or_(
                ~exists(reviewer_of),
                exists(reviewer_of.where(TaskAssignment.user_id == access.user.id)),
            )
        )
    waiting = (
        select(Annotation.task_id, Annotation.id)
        .join(Task, Task.id == Annotation.task_id)
        .where(*conditions)
        .order_by(Annotation.task_id, Annotation.id)
        .limit(1)
    )
    if after_task_id is not None:
        following = session.execute(waiting.where(Annotation.task_id > after_task_id)).first()
        if following is not None:
            return following[0], following[1]
        row = session.execute(waiting.where(Annotation.task_id < after_task_id)).first()
    else:
        row = session.execute(waiting).first()
    return (row[0], row[1]) if row is not None else None
