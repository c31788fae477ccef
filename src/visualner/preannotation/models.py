"""Model versions: every trained tagger of a project, its artifact and held-out scores."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey


class ModelVersion(Base):
    """One trained model of a project; ``artifact_sha256`` names its file in the blob store.

    At most one version per project is active: the one pre-annotation uses by default.
    """

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[IntPrimaryKey]
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    artifact_sha256: Mapped[str] = mapped_column(String(64), index=True)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    features_version: Mapped[int] = mapped_column(Integer)
    training_hash: Mapped[str] = mapped_column(String(64), default="")
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    train_tasks: Mapped[int] = mapped_column(Integer, default=0)
    train_pages: Mapped[int] = mapped_column(Integer, default=0)
    held_out_tasks: Mapped[int] = mapped_column(Integer, default=0)
    submitted_tasks: Mapped[int] = mapped_column(Integer, default=0)
    train_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[CreatedAt]
