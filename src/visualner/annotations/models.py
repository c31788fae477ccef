"""Annotations (versioned) and model predictions.

Every save of an annotation writes the new state to ``annotations`` and keeps the previous
state as a row of ``annotation_versions``; ``version`` is the optimistic-concurrency token
a client sends back so a stale save is refused instead of overwriting someone's work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey, UTCDateTime, utcnow


class Annotation(Base):
    """One user's annotation of a task: at most one per user and task (a second tab's save
    is a stale write, refused with 409, not a second annotation)."""

    __tablename__ = "annotations"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[IntPrimaryKey]
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    version: Mapped[int] = mapped_column(Integer, default=1)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review_status: Mapped[str] = mapped_column(String(20), default="")
    #: the task's ground truth, the one annotation exports take (review/service.py)
    ground_truth: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: who saved the current version (the author, or a reviewer who edited it); no foreign
    #: key, so the column is added without rebuilding the table and its triggers
    edited_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: milliseconds of active work on it, summed over its saves (the labeling page measures)
    active_ms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: the author an imported annotation's JSON named (metadata: it names no account here)
    imported_from: Mapped[str] = mapped_column(String(150), default="", server_default="")
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnotationVersion(Base):
    __tablename__ = "annotation_versions"
    __table_args__ = (UniqueConstraint("annotation_id", "version"),)

    id: Mapped[IntPrimaryKey]
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[CreatedAt]


class Prediction(Base):
    __tablename__ = "predictions"

    id: Mapped[IntPrimaryKey]
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[CreatedAt]
