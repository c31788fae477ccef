"""Tasks (one per imported document) and their pages.

A page's words are stored compactly in one row (see ``word_codec.py``): projects reach
100k pages × 500 words, and one row per word would be 50M rows to scan and join.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey, UpdatedAt, UTCDateTime


class TaskStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    #: a reviewer rejected its annotation: back with its annotator (review/service.py)
    TO_CORRECT = "to_correct"
    REVIEWED = "reviewed"


class OcrStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_project_id_id", "project_id", "id"),
        Index("ix_tasks_project_id_status_id", "project_id", "status", "id"),
        # One per sort of the task list, so a deep page of 100k tasks sorted by title, date or
        # size is an index walk, not a sort of the whole project.
        Index("ix_tasks_project_id_title_id", "project_id", "title", "id"),
        Index("ix_tasks_project_id_updated_at_id", "project_id", "updated_at", "id"),
        Index("ix_tasks_project_id_page_count_id", "project_id", "page_count", "id"),
        Index("ix_tasks_project_id_annotation_count_id", "project_id", "annotation_count", "id"),
        Index("ix_tasks_project_id_prediction_score_id", "project_id", "prediction_score", "id"),
        Index("ix_tasks_project_id_annotators_id", "project_id", "annotators", "id"),
        Index("ix_tasks_project_id_number", "project_id", "number"),
    )

    id: Mapped[IntPrimaryKey]
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    #: its number in its project (the first task is 1), shown instead of the global id
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.NEW.value)
    source_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    annotation_count: Mapped[int] = mapped_column(Integer, default=0)
    prediction_count: Mapped[int] = mapped_column(Integer, default=0)
    #: the lowest score of the task's predictions (``None`` without); kept by triggers
    prediction_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: the authors of its annotations, sorted and joined by ", "; kept by triggers
    annotators: Mapped[str] = mapped_column(Text, default="", server_default="")
    import_job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("task_id", "page_index"),)

    id: Mapped[IntPrimaryKey]
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    page_index: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # indexed: deleting a task asks whether another page still uses an image
    image_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    image_mime: Mapped[str] = mapped_column(String(50), default="image/png")
    words_blob: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    page_text: Mapped[str] = mapped_column(Text, default="")
    words_source: Mapped[str] = mapped_column(String(20), default="")
    ocr_status: Mapped[str] = mapped_column(String(20), default=OcrStatus.PENDING.value)
    ocr_engine: Mapped[str] = mapped_column(String(100), default="")
    ocr_error: Mapped[str] = mapped_column(Text, default="")
    ocr_attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[UpdatedAt]


class BlobDeletion(Base):
    """A page image a delete left unused, waiting to be removed (see ``blob_cleanup``)."""

    __tablename__ = "blob_deletions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
