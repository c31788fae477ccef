"""Which task an annotator should label next: the first one still open to them (see
``assignments.queue``: overlap, and only their own tasks where the project says so)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from visualner.assignments.queue import open_task_conditions
from visualner.preannotation.next_task import next_task_by_uncertainty
from visualner.projects.models import Project
from visualner.tasks.models import Task


def next_task_to_label(
    session: Session,
    *,
    project_id: int,
    after_task_id: int | None = None,
    user_id: int | None = None,
    visible: ColumnElement[bool] | None = None,
) -> int | None:
    """The id of the project's next task open to ``user_id``, or ``None``.

    With ``after_task_id`` (the task being skipped) the search starts after that task and
    wraps around to the project's first tasks, never answering the skipped task itself.
    """
    project = session.get(Project, project_id)
    settings = project.settings if project is not None else None
    open_conditions = open_task_conditions(
        project_id=project_id, settings=settings, user_id=user_id, visible=visible
    )
    if (settings or {}).get("label_next_order") == "uncertainty":
        return next_task_by_uncertainty(
            session, project_id, after_task_id, open_conditions=open_conditions
        )
    open_tasks = select(Task.id).where(*open_conditions)
    if after_task_id is None:
        return session.scalar(open_tasks.order_by(Task.id).limit(1))
    following = session.scalar(open_tasks.where(Task.id > after_task_id).order_by(Task.id).limit(1))
    if following is not None:
        return following
    return session.scalar(open_tasks.where(Task.id < after_task_id).order_by(Task.id).limit(1))
