"""A review's body and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from visualner.db import RowId
from visualner.review.models import ReviewAction
from visualner.review.service import MAX_COMMENT_CHARS


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ReviewAction = Field(description="accept, or reject (with a comment)")
    version: RowId = Field(description="The version of the annotation you reviewed.")
    comment: str = Field(
        "", max_length=MAX_COMMENT_CHARS, description="What to correct (needed to reject)."
    )


class ReviewOut(BaseModel):
    id: int
    annotation_id: int
    reviewer: str | None
    action: str
    comment: str
    version: int
    created_at: datetime


class ReviewedOut(BaseModel):
    annotation: dict[str, Any]
    review: ReviewOut
