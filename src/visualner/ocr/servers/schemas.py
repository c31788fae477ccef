"""Bodies of the OCR server registry API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class OcrServerIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    url: str = Field(min_length=1, max_length=500)
    is_default: bool = False


class OcrServerOut(BaseModel):
    """What the UI needs of a server, from its last health check (never a live request);
    ``url`` and ``error`` (which names the URL) only for admins."""

    id: int
    name: str
    url: str | None = Field(None, description="Admins only.")
    is_builtin: bool
    is_default: bool
    created_at: datetime
    health: str = Field(description='"ok", "down" or "unknown" (not checked yet).')
    engine: str = Field(description="Engine and version the server reported.")
    can_preannotate: bool = Field(description="Whether pre-annotation may run on it.")
    checked_at: datetime | None
    error: str | None = Field(None, description="Why it is down (admins only).")


class OcrServerAdded(OcrServerOut):
    warning: str | None = Field(
        None, description="Set when the new server did not answer its first check."
    )


class OcrRunIn(BaseModel):
    page: int | None = Field(None, ge=0, description="Only this page; all pages when absent.")
    ocr_servers: list[str] = Field(default_factory=list)


class RegionOcrIn(BaseModel):
    bbox: list[float] = Field(
        min_length=4,
        max_length=4,
        description="The box to read again: [x0, y0, x1, y1] in page pixels.",
    )
    ocr_server: str | None = Field(
        None, max_length=100, description="OCR server to use; the default server when absent."
    )
    scale: float = Field(
        2.0,
        ge=1.0,
        le=4.0,
        description="Enlargement of the crop before OCR (small print reads better).",
    )


class RegionOcrOut(BaseModel):
    words: list[dict[str, Any]]
    word_map: list[int | None] = Field(
        description="Per previous word of the page: its new index, or null when it was replaced."
    )
    replaced: int
    added: int
    engine: str
