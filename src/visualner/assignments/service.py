"""Assigning tasks to annotators and a reviewer (managers), and reading who works on which.

Assigning sets the selected tasks' annotators (replacing the ones they had) and/or their
reviewer. Distributing spreads the selection's tasks that have no annotator yet evenly over
the given annotators, ``annotations_per_task`` distinct annotators per task (the overlap).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, delete, exists, insert, select
from sqlalchemy.orm import Session

from visualner.assignments.models import AssignmentRole, TaskAssignment
from visualner.assignments.queue import annotations_per_task
from visualner.auth.models import User
from visualner.db import on_postgresql, one_of_ids
from visualner.errors import InvalidInput
from visualner.projects.access import CAPABILITIES, Capability
from visualner.projects.models import Project, ProjectMember, Role
from visualner.tasks.models import Task

MAX_ASSIGNEES = 50
WRITTEN_AT_ONCE = 500


@dataclass(frozen=True)
class AssignmentOutcome:
    """How many tasks were changed, and how many of them each annotator now has from this call."""

    tasks: int
    annotators: dict[str, int]
    reviewer: str | None


@dataclass
class TaskPeople:
    """Who works on one task."""

    assignees: list[str] = field(default_factory=list)
    reviewer: str | None = None


def _members_who_can(
    session: Session, *, project_id: int, names: list[str], capability: Capability, what: str
) -> dict[str, int]:
    """username → user id for project members whose role has ``capability``; any other
    name is refused, naming it."""
    if len(names) > MAX_ASSIGNEES:
        raise InvalidInput(f"at most {MAX_ASSIGNEES} {what}s at once", field=what + "s")
    found = {
        username: (user_id, Role(role))
        for username, user_id, role in session.execute(
            select(User.username, User.id, ProjectMember.role)
            .join(ProjectMember, ProjectMember.user_id == User.id)
            .where(ProjectMember.project_id == project_id, User.username.in_(names))
        )
    }
    for name in names:
        if name not in found:
            raise InvalidInput(
                f"{name!r} is not a member of project {project_id}; add them on the Members "
                "tab first",
                field=what + "s",
            )
        if capability not in CAPABILITIES[found[name][1]]:
            raise InvalidInput(
                f"{name!r} is {found[name][1].value} in project {project_id} and cannot be a "
                f"{what}",
                field=what + "s",
            )
    return {name: found[name][0] for name in names}


def _write(
    session: Session,
    *,
    project_id: int,
    role: AssignmentRole,
    plan: list[tuple[int, list[int]]],
) -> None:
    """Replace the ``role`` people of each planned task with the planned user ids."""
    for start in range(0, len(plan), WRITTEN_AT_ONCE):
        chunk = plan[start : start + WRITTEN_AT_ONCE]
        session.execute(
            delete(TaskAssignment)
            .where(
                TaskAssignment.task_id.in_([task_id for task_id, _ in chunk]),
                TaskAssignment.role == role.value,
            )
            .execution_options(synchronize_session=False)
        )
        rows = [
            {"project_id": project_id, "task_id": task_id, "user_id": user_id, "role": role.value}
            for task_id, user_ids in chunk
            for user_id in user_ids
        ]
        if rows:
            session.execute(insert(TaskAssignment), rows)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(name.strip() for name in names if name.strip()))


def assign_tasks(
    session: Session,
    *,
    project: Project,
    task_ids: Select[int],
    annotators: list[str] | None,
    reviewer: str | None,
    set_reviewer: bool,
) -> AssignmentOutcome:
    """Give every selected task these annotators (``None``: leave them) and, when
    ``set_reviewer``, this reviewer (``None`` removes it)."""
    project_id = project.id
    if annotators is None and not set_reviewer:
        raise InvalidInput("send annotators, a reviewer, or both", field="annotators")
    annotator_ids = (
        _members_who_can(
            session,
            project_id=project_id,
            names=_unique(annotators),
            capability=Capability.ANNOTATE,
            what="annotator",
        )
        if annotators is not None
        else {}
    )
    reviewer_ids = _reviewer_ids(session, project_id, reviewer) if set_reviewer else []
    ids = list(session.scalars(task_ids))
    if annotators is not None:
        people = list(annotator_ids.values())
        _write(
            session,
            project_id=project_id,
            role=AssignmentRole.ANNOTATOR,
            plan=[(t, people) for t in ids],
        )
    if set_reviewer:
        _write(
            session,
            project_id=project_id,
            role=AssignmentRole.REVIEWER,
            plan=[(t, reviewer_ids) for t in ids],
        )
    return AssignmentOutcome(
        tasks=len(ids),
        annotators={name: len(ids) for name in annotator_ids},
        reviewer=reviewer if set_reviewer else None,
    )


def _reviewer_ids(session: Session, project_id: int, reviewer: str | None) -> list[int]:
    if reviewer is None:
        return []
    found = _members_who_can(
        session,
        project_id=project_id,
        names=[reviewer.strip()],
        capability=Capability.REVIEW,
        what="reviewer",
    )
    return list(found.values())


def distribute_tasks(
    session: Session,
    *,
    project: Project,
    task_ids: Select[int],
    annotators: list[str],
    reviewer: str | None = None,
    limit: int | None = None,
) -> AssignmentOutcome:
    """Spread the selected tasks without an annotator (the first ``limit`` of them by id)
    round-robin over ``annotators``, ``annotations_per_task`` of them per task."""
    project_id = project.id
    names = _unique(annotators)
    if not names:
        raise InvalidInput("name the annotators to distribute the tasks among", field="annotators")
    per_task = annotations_per_task(project.settings)
    if per_task > len(names):
        raise InvalidInput(
            f"the project wants {per_task} annotations per task: name at least {per_task} "
            "annotators",
            field="annotators",
        )
    user_ids = _members_who_can(
        session,
        project_id=project_id,
        names=names,
        capability=Capability.ANNOTATE,
        what="annotator",
    )
    reviewer_ids = _reviewer_ids(session, project_id, reviewer)
    selected = task_ids.subquery()
    unassigned = (
        select(Task.id)
        .where(
            Task.id.in_(select(selected.c[0])),
            ~exists().where(
                TaskAssignment.task_id == Task.id,
                TaskAssignment.role == AssignmentRole.ANNOTATOR.value,
            ),
        )
        .order_by(Task.id)
    )
    ids = list(session.scalars(unassigned.limit(limit) if limit else unassigned))
    order = [user_ids[name] for name in names]
    plan = [
        (task_id, [order[(i * per_task + j) % len(order)] for j in range(per_task)])
        for i, task_id in enumerate(ids)
    ]
    _write(session, project_id=project_id, role=AssignmentRole.ANNOTATOR, plan=plan)
    if reviewer is not None:
        _write(
            session,
            project_id=project_id,
            role=AssignmentRole.REVIEWER,
            plan=[(t, reviewer_ids) for t in ids],
        )
    counts = Counter(user_id for _, people in plan for user_id in people)
    return AssignmentOutcome(
        tasks=len(ids),
        annotators={name: counts[user_ids[name]] for name in names},
        reviewer=reviewer,
    )


def people_of_tasks(session: Session, task_ids: list[int]) -> dict[int, TaskPeople]:
    """Each listed task's assigned annotators (by name) and reviewer, in one query."""
    found: dict[int, TaskPeople] = defaultdict(TaskPeople)
    if not task_ids:
        return {}
    for task_id, role, username in session.execute(
        select(TaskAssignment.task_id, TaskAssignment.role, User.username)
        .join(User, User.id == TaskAssignment.user_id)
        .where(one_of_ids(TaskAssignment.task_id, task_ids, postgresql=on_postgresql(session)))
        .order_by(User.username)
    ):
        if role == AssignmentRole.REVIEWER.value:
            found[task_id].reviewer = username
        else:
            found[task_id].assignees.append(username)
    return dict(found)
