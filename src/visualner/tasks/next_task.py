"""Which task an annotator should label next: the first one nobody has submitted yet."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.preannotation.next_task import next_task_by_uncertainty
from visualner.projects.models import Project
from visualner.tasks.models import Task


def next_task_to_label(
    session: Session, *, project_id: int, after_task_id: int | None = None
) -> int | None:
    """The id of the project's next task without a submitted annotation, or ``None``.

    With ``after_task_id`` (the task being skipped) the search starts after that task and
    wraps around to the project's first tasks, never answering the skipped task itself.
    """
    project = session.get(Project, project_id)
    if project is not None and (project.settings or {}).get("label_next_order") == "uncertainty":
        return next_task_by_uncertainty(session, project_id, after_task_id)
    submitted = exists().where(Annotation.task_id == Task.id, Annotation.status == "submitted")
    open_tasks = select(Task.id).where(Task.project_id == project_id, ~submitted)
    if after_task_id is None:
        return session.scalar(open_tasks.order_by(Task.id).limit(1))
    following = session.scalar(open_tasks.where(Task.id > after_task_id).order_by(Task.id).limit(1))
    if following is not None:
        return following
    return session.scalar(open_tasks.where(Task.id < after_task_id).order_by(Task.id).limit(1))
