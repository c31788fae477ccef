"""What to export: the format and which tasks, annotations and predictions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from visualner.db import RowId
from visualner.tasks.models import TaskStatus

AnnotationFilter = Literal["ground_truth", "submitted", "reviewed", "all"]


class ExportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = Field("json", description="A name from GET /api/export-formats.")
    only: AnnotationFilter = Field(
        "ground_truth",
        description="ground_truth: each task's ground truth (accepted or picked; where none "
        "is, its submitted annotations); submitted: submitted annotations; reviewed: accepted "
        "by a reviewer; all: drafts too.",
    )
    predictions: bool = Field(False, description="Also export model predictions.")
    status: TaskStatus | None = Field(None, description="Only tasks with this status.")
    query: str | None = Field(
        None, max_length=2000, description="Only tasks matching this search query."
    )
    task_ids: list[RowId] | None = Field(
        None, max_length=10_000, description="Only these tasks (a selection of the list)."
    )
    images: bool = Field(
        False,
        description="Include the page images: a zip of the export, its image references "
        "pointing at images/… inside it (coco, funsd, layoutlm and voc only).",
    )
    target_storage_id: RowId | None = Field(
        None,
        description="Export jobs: also write the file to this target storage of the project "
        "(managers).",
    )
