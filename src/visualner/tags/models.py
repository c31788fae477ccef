"""Tags: a project's vocabulary of free-form task labels (``to check``, ``batch 7``).

A tag is stored once per project and matched case-insensitively through ``key``, so
``Urgent`` and ``urgent`` are one tag shown as first typed.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, IntPrimaryKey

MAX_TAG_CHARS = 100


def tag_key(name: str) -> str:
    """What makes two tag names the same tag: case and runs of spaces do not count."""
    return " ".join(name.split()).casefold()[:MAX_TAG_CHARS]


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[IntPrimaryKey]
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))


class TaskTag(Base):
    __tablename__ = "task_tags"
    __table_args__ = (Index("ix_task_tags_tag_id_task_id", "tag_id", "task_id"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
