"""Request and response bodies of the model and pre-annotation API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from visualner.db import MAX_INTEGER, RowId


class ModelVersionOut(BaseModel):
    """One trained model; ``scores`` are measured on the project's held-out tasks."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    name: str
    is_active: bool
    labels: list[str]
    scores: dict[str, Any]
    train_tasks: int
    train_pages: int
    held_out_tasks: int
    submitted_tasks: int
    train_seconds: float
    features_version: int
    artifact_sha256: str
    training_hash: str
    job_id: int | None
    created_at: datetime


class ModelList(BaseModel):
    items: list[ModelVersionOut]
    settings: dict[str, Any]
    missing_labels: dict[int, list[str]] = Field(
        default_factory=dict,
        description="Per version, the labels it predicts that the labeling config lacks.",
    )


class PreannotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_ids: list[RowId] | None = Field(
        None, description="Tasks to pre-annotate; omitted: every task without annotations."
    )
    query: str | None = Field(
        None, max_length=2000, description="Or every task matching this search query."
    )
    ocr_server: str | None = Field(
        None, description="OCR server that runs the model; omitted: this app's workers."
    )
    model_version: int | None = Field(
        None, ge=1, le=MAX_INTEGER, description="Omitted: the active model."
    )
