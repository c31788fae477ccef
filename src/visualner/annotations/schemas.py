"""The annotation JSON (documented in docs/annotation-format.md).

A region is either a run of OCR words (``tokens`` = word indices on its page) or a free box;
``bbox`` is in page pixels ``[x0, y0, x1, y1]``; ``origin`` says who made it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from visualner.db import MAX_INTEGER

#: The limits of the annotation JSON: the schema below and the import's fast path
#: (``imports/annotation_check.py``) both read them from here.
MAX_ID = 64
MAX_LABEL = 200
MAX_ORIGIN = 200
MAX_TEXT = 100_000
MAX_TOKENS = 100_000
MAX_ITEMS = 20_000
#: a day: more active time between two saves is not a measurement
MAX_ACTIVE_MS_PER_SAVE = 86_400_000


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=MAX_ID)
    page: int = Field(0, ge=0)
    label: str = Field(min_length=1, max_length=MAX_LABEL)
    tokens: list[int] = Field(default_factory=list, max_length=MAX_TOKENS)
    bbox: list[float] | None = None
    text: str = Field("", max_length=MAX_TEXT)
    origin: str = Field("manual", max_length=MAX_ORIGIN)
    score: float | None = None

    @field_validator("tokens")
    @classmethod
    def _tokens_are_indices(cls, tokens: list[int]) -> list[int]:
        if any(t < 0 for t in tokens):
            raise ValueError("token indices must be ≥ 0")
        if len(set(tokens)) != len(tokens):
            raise ValueError("token indices must not repeat")
        return tokens

    @field_validator("bbox")
    @classmethod
    def _bbox_is_a_box(cls, bbox: list[float] | None) -> list[float] | None:
        if bbox is None:
            return None
        if len(bbox) != 4:
            raise ValueError("bbox must be [x0, y0, x1, y1]")
        x0, y0, x1, y1 = bbox
        if x1 < x0 or y1 < y0:
            raise ValueError("bbox must have x0 ≤ x1 and y0 ≤ y1")
        return bbox


class Relation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_id: str = Field(min_length=1, max_length=MAX_ID)
    to_id: str = Field(min_length=1, max_length=MAX_ID)
    label: str = Field("", max_length=MAX_LABEL)


class AnnotationBody(BaseModel):
    """What a client saves."""

    model_config = ConfigDict(extra="forbid")

    regions: list[Region] = Field(default_factory=list, max_length=MAX_ITEMS)
    relations: list[Relation] = Field(default_factory=list, max_length=MAX_ITEMS)
    choices: dict[str, list[str]] = Field(default_factory=dict)
    status: Literal["draft", "submitted"] = "submitted"
    active_ms: int = Field(
        0,
        ge=0,
        le=MAX_ACTIVE_MS_PER_SAVE,
        description="Milliseconds of active work since the last save (the labeling page "
        "measures it; the annotation sums them).",
    )


class AnnotationUpdate(AnnotationBody):
    # a save stores version + 1, which must still fit the column
    version: int = Field(
        ge=1, le=MAX_INTEGER - 1, description="The version this edit was based on."
    )


class AnnotationOut(BaseModel):
    id: int
    task_id: int
    user: str | None
    status: str
    version: int
    review_status: str
    imported_from: str = Field(
        "", description="For an imported annotation, the author its JSON named (metadata)."
    )
    regions: list[Region]
    relations: list[Relation]
    choices: dict[str, list[str]]
    created_at: datetime
    updated_at: datetime
    edited_by: str | None = Field(
        None, description="Who saved the current version (its author, or a reviewer)."
    )


class AnnotationVersionOut(BaseModel):
    version: int
    status: str
    user: str | None
    created_at: datetime
    region_count: int
