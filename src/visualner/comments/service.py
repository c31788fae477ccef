"""Comments: anyone who sees a task may comment on it or on one of its regions; the author,
reviewers and managers resolve and reopen them. Open comments mark the task in the list."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.assignments.visibility import own_annotations_only, task_access
from visualner.auth.models import User
from visualner.comments.models import MAX_COMMENT_CHARS, Comment
from visualner.db import on_postgresql, one_of_ids, utcnow
from visualner.errors import InvalidInput, NotFound, PermissionDenied
from visualner.projects.access import Capability


def comments_of_task(session: Session, *, user: User, task_id: int) -> list[Comment]:
    """The task's comments; an annotator gets the task's own and those on regions of
    annotations they may read (not another annotator's, whose work they do not see)."""
    found = task_access(session, user=user, task_id=task_id)
    query = select(Comment).where(Comment.task_id == task_id).order_by(Comment.id)
    if not found.access.can(Capability.REVIEW):
        readable = select(Annotation.id).where(
            Annotation.task_id == task_id, Annotation.user_id == user.id
        )
        query = query.where(Comment.annotation_id.is_(None) | Comment.annotation_id.in_(readable))
    return list(session.scalars(query))


def add_comment(
    session: Session,
    *,
    user: User,
    task_id: int,
    body: str,
    annotation_id: int | None = None,
    region_id: str | None = None,
) -> Comment:
    """A comment on the task, or on region ``region_id`` of annotation ``annotation_id``
    (which must be the task's and hold that region)."""
    found = task_access(session, user=user, task_id=task_id)
    text = body.strip()
    if not text:
        raise InvalidInput("a comment needs some text", field="body")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"a comment holds at most {MAX_COMMENT_CHARS} characters", field="body")
    if (annotation_id is None) != (region_id is None):
        raise InvalidInput(
            "a region comment names both annotation_id and region_id", field="region_id"
        )
    if annotation_id is not None:
        annotation = session.get(Annotation, annotation_id)
        # An annotator may anchor only to an annotation they can read: another annotator's
        # is "not found", so its ids and region ids cannot be probed through comments.
        if (
            annotation is None
            or annotation.task_id != task_id
            or not own_annotations_only(found.access, [annotation])
        ):
            raise NotFound(f"task {task_id} has no annotation {annotation_id}")
        regions = (annotation.result or {}).get("regions", [])
        if not any(region.get("id") == region_id for region in regions):
            raise InvalidInput(
                f"annotation {annotation_id} has no region {region_id!r}", field="region_id"
            )
    comment = Comment(
        task_id=task_id,
        author_id=user.id,
        body=text,
        annotation_id=annotation_id,
        region_id=region_id,
    )
    session.add(comment)
    session.flush()
    return comment


def set_resolved(session: Session, *, user: User, comment_id: int, resolved: bool) -> Comment:
    """Resolve or reopen a comment (its author, reviewers and managers)."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
    found = task_access(session, user=user, task_id=comment.task_id)
    if comment.author_id != user.id and not found.access.can(Capability.REVIEW):
        raise PermissionDenied("only its author, a reviewer or a manager may resolve a comment")
    comment.resolved_at = utcnow() if resolved else None
    comment.resolved_by_id = user.id if resolved else None
    session.flush()
    return comment


def open_comment_counts(session: Session, task_ids: list[int]) -> Counter[int]:
    """How many open comments each listed task has (tasks without any are left out)."""
    if not task_ids:
        return Counter()
    return Counter(
        dict(
            session.execute(
                select(Comment.task_id, func.count())
                .where(
                    one_of_ids(Comment.task_id, task_ids, postgresql=on_postgresql(session)),
                    Comment.resolved_at.is_(None),
                )
                .group_by(Comment.task_id)
            ).all()
        )
    )
