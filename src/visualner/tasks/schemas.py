"""Response bodies of the task API (the task detail is built directly, see ``task_detail``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TaskSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    title: str
    status: str
    page_count: int
    annotation_count: int
    prediction_count: int
    created_at: datetime
    updated_at: datetime


class TaskList(BaseModel):
    items: list[TaskSummary]
    total: int
    page: int
    page_size: int


class TaskDataIn(BaseModel):
    """A task made from data alone (no file), e.g. by scripts."""

    title: str = Field("", max_length=500)
    data: dict[str, Any] = Field(default_factory=dict)
