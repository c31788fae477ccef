"""Saving annotations with optimistic concurrency and a kept history.

``save_annotation`` is the one way an annotation is saved from outside (API, UI): it reads and
validates, then writes and versions in its own short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation, AnnotationVersion
from visualner.annotations.rules import check_annotation
from visualner.annotations.schemas import AnnotationBody
from visualner.assignments.visibility import task_access
from visualner.auth.models import User
from visualner.auth.usernames import usernames
from visualner.db import Database, on_postgresql, one_of_ids, session_scope, utcnow
from visualner.errors import Conflict, NotFound, PermissionDenied
from visualner.projects.access import Capability, ProjectAccess
from visualner.projects.config import LabelConfig, parse_label_config
from visualner.projects.models import Project
from visualner.storages.target_ids import has_target_storages
from visualner.tasks.models import Page, Task, TaskStatus


def validate_annotation(
    session: Session, *, task: Task, body: AnnotationBody, config: LabelConfig
) -> None:
    """Check ``body`` against the config and the task's stored pages (``rules``)."""
    word_counts = dict(
        session.execute(
            select(Page.page_index, Page.word_count).where(Page.task_id == task.id)
        ).all()
    )
    check_annotation(_result_of(body), config=config, word_counts=word_counts)


def _result_of(body: AnnotationBody) -> dict[str, Any]:
    return body.model_dump(include={"regions", "relations", "choices"}, mode="json")


def annotation_state(status: str, review_status: str) -> TaskStatus:
    """Where one annotation stands, in the task statuses' words (an annotator's own view)."""
    if review_status == "accepted":
        return TaskStatus.REVIEWED
    if status == "submitted":
        return TaskStatus.SUBMITTED
    if review_status == "rejected":
        return TaskStatus.TO_CORRECT
    return TaskStatus.IN_PROGRESS


def own_task_states(session: Session, *, user_id: int, task_ids: list[int]) -> dict[int, str]:
    """The status each task has for one annotator: their own annotation's ("new" without)."""
    states = {task_id: TaskStatus.NEW.value for task_id in task_ids}
    if task_ids:
        for task_id, status, review in session.execute(
            select(Annotation.task_id, Annotation.status, Annotation.review_status).where(
                Annotation.user_id == user_id,
                one_of_ids(Annotation.task_id, task_ids, postgresql=on_postgresql(session)),
            )
        ):
            states[task_id] = annotation_state(status, review).value
    return states


#: which annotation state speaks for the task, first match wins: an accepted annotation
#: makes it reviewed; one waiting for review, submitted; then one to correct.
TASK_STATE_ORDER = (
    TaskStatus.REVIEWED,
    TaskStatus.SUBMITTED,
    TaskStatus.TO_CORRECT,
    TaskStatus.IN_PROGRESS,
)


def refresh_task_status(session: Session, *, task_id: int) -> None:
    """Derive a task's status and annotation count from its annotations."""
    rows = session.execute(
        select(Annotation.status, Annotation.review_status).where(Annotation.task_id == task_id)
    ).all()
    states = {annotation_state(status, review) for status, review in rows}
    status = next((s for s in TASK_STATE_ORDER if s in states), TaskStatus.NEW)
    session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(status=status.value, annotation_count=len(rows))
    )


@dataclass(frozen=True, slots=True)
class SavedAnnotation:
    """A save's outcome: the stored annotation, its author's name, its task's project (as
    read before the write) and whether that project has target storages (asked only for a
    submitted save, the one that writes to them)."""

    annotation: Annotation
    usernames: dict[int, str]
    project: Project
    has_target_storages: bool = False

    @property
    def project_id(self) -> int:
        return self.project.id

    @property
    def submitted(self) -> bool:
        return self.annotation.status == "submitted"


def save_annotation(
    database: Database,
    *,
    user: User,
    body: AnnotationBody,
    task_id: int | None = None,
    annotation_id: int | None = None,
    based_on_version: int | None = None,
    reads: Session | None = None,
) -> SavedAnnotation:
    """Save ``body`` as ``user``: a new annotation of ``task_id``, or a new version of
    ``annotation_id`` based on ``based_on_version``.

    Access and validation are checked in a read session (``reads``, the request's own when
    given, else a new one; closed here either way), so SQLite's write lock is held only for
    the short write that follows (the insert, or the versioned update that keeps the old
    version). A stale ``based_on_version``, or a second annotation of one task by one user,
    raises ``Conflict``; nothing is written when anything raises.
    """
    if (task_id is None) == (annotation_id is None):
        raise ValueError("save_annotation takes exactly one of task_id and annotation_id")
    if annotation_id is not None and based_on_version is None:
        raise ValueError("a new version needs the version it was based on")
    existing: Annotation | None = None
    reads = reads if reads is not None else database.read()
    try:
        if annotation_id is not None:
            existing = get_annotation(reads, annotation_id)
            task_id = existing.task_id
        assert task_id is not None  # one of the two was given (checked above)
        found = task_access(reads, user=user, task_id=task_id, capability=Capability.ANNOTATE)
        task, access = found.task, found.access
        config = parse_label_config(access.project.label_config)
        if existing is None:
            validate_annotation(reads, task=task, body=body, config=config)
            names = {user.id: user.username}
        else:
            check_update(
                reads, access=access, annotation=existing, task=task, body=body, config=config
            )
            author_id = existing.user_id or user.id
            names = (
                {user.id: user.username}
                if author_id == user.id
                else usernames(reads, [author_id, user.id])
            )
        targets = body.status == "submitted" and has_target_storages(
            reads, project_id=task.project_id
        )
    finally:
        reads.close()
    with session_scope(database.write) as session:
        if existing is None:
            annotation = store_new_annotation(session, task_id=task.id, user_id=user.id, body=body)
        else:
            assert based_on_version is not None  # checked above
            annotation = store_update(
                session,
                annotation=existing,
                body=body,
                based_on_version=based_on_version,
                editor_id=user.id,
            )
    return SavedAnnotation(
        annotation=annotation,
        usernames=names,
        project=access.project,
        has_target_storages=targets,
    )


def store_new_annotation(
    session: Session, *, task_id: int, user_id: int, body: AnnotationBody
) -> Annotation:
    """Insert an already validated annotation (the short write transaction of a save).

    A user has one annotation per task: when they already have one (saved from another tab,
    say), this save was made without seeing it, so it is a stale write and raises ``Conflict``
    (409) like any other. The unique rule on ``(task_id, user_id)`` decides, concurrent first
    saves included: the insert skips a row that exists (``ON CONFLICT DO NOTHING``, one
    statement, no savepoint) and the existing one is read only then, for the message.
    """
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    annotation = session.scalars(
        dialect.insert(Annotation)
        .values(
            task_id=task_id,
            user_id=user_id,
            edited_by_id=user_id,
            active_ms=body.active_ms,
            status=body.status,
            version=1,
            result=_result_of(body),
        )
        .on_conflict_do_nothing(index_elements=[Annotation.task_id, Annotation.user_id])
        .returning(Annotation)
    ).first()
    if annotation is None:
        existing = session.execute(
            select(Annotation.id, Annotation.version).where(
                Annotation.task_id == task_id, Annotation.user_id == user_id
            )
        ).one()
        raise _already_annotated(existing.id, existing.version)
    refresh_task_status(session, task_id=task_id)
    return annotation


def _already_annotated(annotation_id: int, version: int) -> Conflict:
    return Conflict(
        f"you already have an annotation of this task (annotation {annotation_id}, version "
        f"{version}), saved from another tab or window; reload the task to continue from it "
        "before saving again"
    )


def check_update(
    session: Session,
    *,
    access: ProjectAccess,
    annotation: Annotation,
    task: Task,
    body: AnnotationBody,
    config: LabelConfig,
) -> None:
    """May this user save this edit, and is it valid? (Reads only.)"""
    if annotation.user_id != access.user.id and not access.can(Capability.REVIEW):
        raise PermissionDenied("only its author, a reviewer or a manager may edit this annotation")
    validate_annotation(session, task=task, body=body, config=config)


def store_update(
    session: Session,
    *,
    annotation: Annotation,
    body: AnnotationBody,
    based_on_version: int,
    editor_id: int,
) -> Annotation:
    """Write the new version if ``based_on_version`` is still current, keeping the old one.

    ``annotation`` may come from another (read) session: only its values are used.
    """
    written = write_next_version(
        session,
        annotation=annotation,
        based_on_version=based_on_version,
        status=body.status,
        result=_result_of(body),
        user_id=annotation.user_id or editor_id,
        edited_by_id=editor_id,
        reset_review=body.status == "submitted",
        add_active_ms=body.active_ms,
    )
    if written is None:
        current = session.scalar(select(Annotation.version).where(Annotation.id == annotation.id))
        raise Conflict(
            f"annotation {annotation.id} was changed by someone else (now version {current}, "
            f"your edit was based on version {based_on_version}); reload it to see their "
            "changes before saving again"
        )
    refresh_task_status(session, task_id=annotation.task_id)
    return written


def write_next_version(
    session: Session,
    *,
    annotation: Annotation,
    based_on_version: int,
    status: str,
    result: dict[str, Any],
    user_id: int | None,
    edited_by_id: int | None = None,
    reset_review: bool = False,
    add_active_ms: int = 0,
) -> Annotation | None:
    """Make ``status``/``result`` the annotation's next version and keep its current state as
    a row of ``annotation_versions``, if ``based_on_version`` is still the current one: the
    annotation as stored (read back by the update itself), or None (nothing written) when
    someone saved in between. Saves and label renames both write
    versions this way. ``annotation`` may come from another session: only its values are used.
    ``edited_by_id`` is who saved the new version; ``reset_review`` makes it wait for review
    again (a new submission), while a draft or a rename keeps what the review said;
    ``add_active_ms`` is the active time spent on this version.
    """
    # Taken before the update, which refreshes ``annotation`` when this session holds it.
    previous = {
        "annotation_id": annotation.id,
        "version": annotation.version,
        "status": annotation.status,
        "result": annotation.result,
        "user_id": annotation.edited_by_id or annotation.user_id,
        "created_at": annotation.updated_at,
    }
    review = {"review_status": "", "ground_truth": False} if reset_review else {}
    editor = {"edited_by_id": edited_by_id} if edited_by_id is not None else {}
    written = session.scalars(
        update(Annotation)
        .where(Annotation.id == annotation.id, Annotation.version == based_on_version)
        .values(
            version=based_on_version + 1,
            status=status,
            result=result,
            user_id=user_id,
            updated_at=utcnow(),
            **review,
            **editor,
            active_ms=Annotation.active_ms + add_active_ms,
        )
        .returning(Annotation)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).first()
    if written is None:
        return None
    session.execute(insert(AnnotationVersion).values(previous))
    return written


def get_annotation(session: Session, annotation_id: int) -> Annotation:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(f"no annotation {annotation_id}")
    return annotation


def annotations_of_task(session: Session, *, task_id: int) -> list[Annotation]:
    return list(
        session.scalars(
            select(Annotation).where(Annotation.task_id == task_id).order_by(Annotation.id)
        )
    )


def annotation_versions(session: Session, *, annotation_id: int) -> list[AnnotationVersion]:
    return list(
        session.scalars(
            select(AnnotationVersion)
            .where(AnnotationVersion.annotation_id == annotation_id)
            .order_by(AnnotationVersion.version.desc())
        )
    )
