"""Which tasks of a project a member sees: the one rule every task route, the task list,
"Label next" and the labeling page apply.

Reviewers and managers see every task. An annotator sees every task too, unless the project
shows annotators only their own tasks — the project setting ``annotators_see_assigned_only``:
``true``, ``false``, or ``null`` (the default) meaning "on once any task has an assigned
annotator". An annotator's own tasks are those assigned to them and those they annotated.
A task someone may not see answers 404, like a task that does not exist. Annotators read
only their own annotations of a task (``own_annotations_only``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, union
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.assignments.models import AssignmentRole, TaskAssignment
from visualner.auth.models import User
from visualner.errors import NotFound
from visualner.projects.access import Capability, ProjectAccess, access_to, member_role_of
from visualner.projects.models import Project
from visualner.tasks.models import Task

SETTING = "annotators_see_assigned_only"


def assigned_only(session: Session, project: Project) -> bool:
    """Does the project show annotators only their own tasks?"""
    value = (project.settings or {}).get(SETTING)
    if isinstance(value, bool):
        return value
    return (
        session.scalar(
            select(TaskAssignment.id)
            .where(
                TaskAssignment.project_id == project.id,
                TaskAssignment.role == AssignmentRole.ANNOTATOR.value,
            )
            .limit(1)
        )
        is not None
    )


def visible_tasks_condition(session: Session, access: ProjectAccess) -> ColumnElement[bool] | None:
    """The condition on ``tasks`` this member's view adds, or ``None`` when they see all."""
    if access.can(Capability.REVIEW) or not assigned_only(session, access.project):
        return None
    own = union(
        select(TaskAssignment.task_id).where(
            TaskAssignment.project_id == access.project.id,
            TaskAssignment.role == AssignmentRole.ANNOTATOR.value,
            TaskAssignment.user_id == access.user.id,
        ),
        select(Annotation.task_id).where(Annotation.user_id == access.user.id),
    )
    return Task.id.in_(own)


def own_annotations_only(access: ProjectAccess, annotations: list[Annotation]) -> list[Annotation]:
    """The annotations this member may read: all for reviewers and managers, their own for
    annotators (several annotators label a task blind to each other's work)."""
    if access.can(Capability.REVIEW):
        return annotations
    return [a for a in annotations if a.user_id == access.user.id]


def annotation_access(session: Session, *, user: User, annotation: Annotation) -> TaskAccess:
    """``task_access`` for the annotation's task, and ``NotFound`` for an annotator reading
    another annotator's annotation."""
    found = task_access(session, user=user, task_id=annotation.task_id)
    if not own_annotations_only(found.access, [annotation]):
        raise NotFound(f"no annotation {annotation.id}")
    return found


@dataclass(frozen=True)
class TaskAccess:
    task: Task
    access: ProjectAccess


def task_access(
    session: Session, *, user: User, task_id: int, capability: Capability = Capability.VIEW
) -> TaskAccess:
    """The task and the user's role in its project, after checking ``capability`` and that
    the task is in the user's view (``NotFound`` otherwise, as for a missing task)."""
    # The project and the user's role come with the task (one round trip).
    found = session.execute(
        select(Task, Project, member_role_of(user))
        .join(Project, Project.id == Task.project_id)
        .where(Task.id == task_id)
    ).first()
    if found is None:
        raise NotFound(f"no task {task_id}")
    task, project, role = found
    access = access_to(project, role, user=user, project_id=task.project_id)
    condition = visible_tasks_condition(session, access)
    if (
        condition is not None
        and session.scalar(select(Task.id).where(Task.id == task_id, condition)) is None
    ):
        raise NotFound(f"no task {task_id}")
    access.require(capability)  # after the view: a task out of sight is 404, never 403
    return TaskAccess(task=task, access=access)
