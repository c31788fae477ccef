"""Which tasks are still open for an annotator: what "Label next" serves, in either order.

The project setting ``annotations_per_task`` (1 by default) is the overlap: a task stays open
until that many annotators submitted it, and never for someone who already submitted it, so
each of them makes their own annotation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, select

from visualner.annotations.models import Annotation
from visualner.tasks.models import Task

OVERLAP_SETTING = "annotations_per_task"
MAX_OVERLAP = 50


def annotations_per_task(settings: dict[str, Any] | None) -> int:
    value = (settings or {}).get(OVERLAP_SETTING, 1)
    return value if isinstance(value, int) and value >= 1 else 1


def open_task_conditions(
    *,
    project_id: int,
    settings: dict[str, Any] | None,
    user_id: int | None = None,
    visible: ColumnElement[bool] | None = None,
) -> list[ColumnElement[bool]]:
    """Conditions on ``tasks`` for the project's tasks open to ``user_id`` (to anyone when
    ``None``) within the member's view ``visible``."""
    submitted = (Annotation.task_id == Task.id, Annotation.status == "submitted")
    overlap = annotations_per_task(settings)
    conditions: list[ColumnElement[bool]] = [Task.project_id == project_id]
    if overlap == 1:
        conditions.append(~exists().where(*submitted))
    else:
        submissions = select(func.count()).where(*submitted).correlate(Task).scalar_subquery()
        conditions.append(submissions < overlap)
        if user_id is not None:
            conditions.append(~exists().where(*submitted, Annotation.user_id == user_id))
    if visible is not None:
        conditions.append(visible)
    return conditions
