"""Comments on a task, or on one region of one of its annotations (anchored by its id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey, UTCDateTime

MAX_COMMENT_CHARS = 5000
MAX_REGION_ID_CHARS = 100


class Comment(Base):
    __tablename__ = "comments"
    # "does this task have an open comment?" is one index probe (task list, has:comments)
    __table_args__ = (Index("ix_comments_task_id_resolved_at", "task_id", "resolved_at"),)

    id: Mapped[IntPrimaryKey]
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    #: the annotation and region the comment is about (both None: the task as a whole)
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), nullable=True
    )
    region_id: Mapped[str | None] = mapped_column(String(MAX_REGION_ID_CHARS), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[CreatedAt]
