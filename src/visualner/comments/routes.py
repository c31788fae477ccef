"""Comments on tasks and regions."""

from __future__ import annotations

from fastapi import APIRouter, status

from visualner.auth.usernames import usernames
from visualner.comments import service
from visualner.comments.models import Comment
from visualner.comments.schemas import CommentIn, CommentOut, CommentUpdate
from visualner.deps import CurrentUser, IdPath, SessionDep

router = APIRouter(prefix="/api", tags=["comments"])


def _out(comment: Comment, names: dict[int, str]) -> CommentOut:
    return CommentOut(
        id=comment.id,
        task_id=comment.task_id,
        author=names.get(comment.author_id) if comment.author_id else None,
        body=comment.body,
        annotation_id=comment.annotation_id,
        region_id=comment.region_id,
        resolved=comment.resolved_at is not None,
        resolved_by=names.get(comment.resolved_by_id) if comment.resolved_by_id else None,
        resolved_at=comment.resolved_at,
        created_at=comment.created_at,
    )


def _names(session: SessionDep, comments: list[Comment]) -> dict[int, str]:
    return usernames(
        session, [c.author_id for c in comments] + [c.resolved_by_id for c in comments]
    )


@router.get("/tasks/{task_id}/comments", response_model=list[CommentOut])
def list_comments(task_id: IdPath, user: CurrentUser, session: SessionDep) -> list[CommentOut]:
    """The task's comments, oldest first (anyone who sees the task)."""
    comments = service.comments_of_task(session, user=user, task_id=task_id)
    names = _names(session, comments)
    return [_out(c, names) for c in comments]


@router.post(
    "/tasks/{task_id}/comments", response_model=CommentOut, status_code=status.HTTP_201_CREATED
)
def add_comment(
    task_id: IdPath, body: CommentIn, user: CurrentUser, session: SessionDep
) -> CommentOut:
    """Comment on the task, or on a region (``annotation_id`` + ``region_id``); anyone who
    sees the task."""
    comment = service.add_comment(
        session,
        user=user,
        task_id=task_id,
        body=body.body,
        annotation_id=body.annotation_id,
        region_id=body.region_id,
    )
    return _out(comment, _names(session, [comment]))


@router.patch("/comments/{comment_id}", response_model=CommentOut)
def update_comment(
    comment_id: IdPath, body: CommentUpdate, user: CurrentUser, session: SessionDep
) -> CommentOut:
    """Resolve (``{"resolved": true}``) or reopen a comment: its author, reviewers, managers."""
    comment = service.set_resolved(
        session, user=user, comment_id=comment_id, resolved=body.resolved
    )
    return _out(comment, _names(session, [comment]))
