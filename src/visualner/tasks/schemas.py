"""Response bodies of the task API (the task detail is built directly, see ``task_detail``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from visualner.tasks.selection import TaskSelection


class TaskSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int | None = Field(
        None, description="The task's number in its project (its first task is 1)."
    )
    project_id: int
    title: str
    status: str
    page_count: int
    annotation_count: int
    prediction_count: int
    prediction_score: float | None = None
    annotators: str = Field("", description="usernames of its annotations' authors, sorted")
    created_at: datetime
    updated_at: datetime


class Snippet(BaseModel):
    """Text around a result's first hit; ``hits`` are ``[start, end)`` offsets to mark."""

    text: str
    hits: list[list[int]]
    page: int | None = Field(None, description="the page it comes from")
    label: str | None = Field(None, description="or the label whose region text it is")


class TaskListItem(TaskSummary):
    tags: list[str] = Field(default_factory=list)
    snippet: Snippet | None = Field(None, description="with a query that has words")
    title_hits: list[list[int]] = Field(default_factory=list)


class TaskList(BaseModel):
    items: list[TaskListItem]
    total: int
    page: int
    page_size: int
    sort: str


class TaskDataIn(BaseModel):
    """A task made from data alone (no file), e.g. by scripts."""

    title: str = Field("", max_length=500)
    data: dict[str, Any] = Field(default_factory=dict)


class SearchHits(BaseModel):
    pages: dict[str, list[int]] = Field(
        description="page index → the indices of its words that a query's text matches"
    )


class DeleteTasksIn(TaskSelection):
    confirm_count: int = Field(
        ...,
        ge=1,
        le=10**9,
        description="How many tasks the user agreed to delete; must still match.",
    )


class DeletedOut(BaseModel):
    deleted: int
    blobs_removed: int


class TagTasksIn(TaskSelection):
    add: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(default_factory=list, max_length=50)


class TaggedOut(BaseModel):
    added: int
    removed: int


class OcrTasksIn(TaskSelection):
    ocr_servers: list[str] = Field(
        default_factory=list, description="Servers to run on; empty: the default."
    )


class TagCount(BaseModel):
    name: str
    tasks: int
