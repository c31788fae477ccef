"""Comment bodies and answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from visualner.comments.models import MAX_COMMENT_CHARS, MAX_REGION_ID_CHARS
from visualner.db import RowId


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=MAX_COMMENT_CHARS, description="The comment's text.")
    annotation_id: RowId | None = Field(None, description="With region_id: the annotation.")
    region_id: str | None = Field(
        None, min_length=1, max_length=MAX_REGION_ID_CHARS, description="The region commented on."
    )


class CommentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolved: bool


class CommentOut(BaseModel):
    id: int
    task_id: int
    author: str | None
    body: str
    annotation_id: int | None
    region_id: str | None
    resolved: bool
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime
