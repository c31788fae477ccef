"""Reviews of annotations: a reviewer accepted or rejected (with a comment) one version."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey


class ReviewAction(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


class AnnotationReview(Base):
    __tablename__ = "annotation_reviews"

    id: Mapped[IntPrimaryKey]
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    #: the version of the annotation that was reviewed
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]
