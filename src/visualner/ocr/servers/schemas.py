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
    id: int
    name: str
    url: str
    is_builtin: bool
    is_default: bool
    created_at: datetime
    health: str
    info: dict[str, Any] | None = None
    error: str | None = None


class OcrRunIn(BaseModel):
    page: int | None = Field(None, ge=0, description="Only this page; all pages when absent.")
    ocr_servers: list[str] = Field(default_factory=list)
