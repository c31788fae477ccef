"""Active learning: serve the open task the model is least sure about first.

A task's confidence is the ``score`` of its prediction by the project's model (1 − the
model's word-weighted uncertainty, from the latest pre-annotation run). Open tasks (no
submitted annotation) are ordered by confidence, lowest first, then by id; tasks never
pre-annotated come last, by id. The project setting ``label_next_order: "uncertainty"``
turns this order on for "Label next".
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from visualner.annotations.models import Prediction
from visualner.assignments.queue import open_task_conditions
from visualner.preannotation.service import MODEL_NAME
from visualner.tasks.models import Task

NOT_PREDICTED = 2.0  # above every confidence in [0, 1]


def _confidence_of_task() -> object:
    return (
        select(func.min(Prediction.score))
        .where(Prediction.task_id == Task.id, Prediction.model_version.like(f"{MODEL_NAME}@%"))
        .correlate(Task)
        .scalar_subquery()
    )


def next_task_by_uncertainty(
    session: Session,
    project_id: int,
    after: int | None = None,
    *,
    open_conditions: list[ColumnElement[bool]] | None = None,
) -> int | None:
    """The id of the open task with the lowest model confidence, or ``None``.

    With ``after`` (the task being skipped) the answer is the task that follows it in this
    order, wrapping around to the start, never ``after`` itself. ``open_conditions`` say
    which tasks are open (``assignments.queue``; by default: nobody submitted them).
    """
    confidence = func.coalesce(_confidence_of_task(), NOT_PREDICTED)
    if open_conditions is None:
        open_conditions = open_task_conditions(project_id=project_id, settings=None)
    open_tasks = select(Task.id).where(*open_conditions)
    ordered = open_tasks.order_by(confidence, Task.id).limit(1)
    if after is None:
        return session.scalar(ordered)
    skipped_key = session.scalar(
        select(confidence).where(Task.id == after, Task.project_id == project_id)
    )
    if skipped_key is None:
        return session.scalar(ordered)
    following = session.scalar(
        ordered.where(
            or_(confidence > skipped_key, and_(confidence == skipped_key, Task.id > after))
        )
    )
    if following is not None:
        return following
    return session.scalar(
        ordered.where(
            or_(confidence < skipped_key, and_(confidence == skipped_key, Task.id < after))
        )
    )
