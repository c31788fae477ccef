"""The registry of OCR servers the app can send pages to, with their last health check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey, UTCDateTime


class OcrServer(Base):
    """``health`` and the fields after it are the last check's answer (at registration and
    then in the background), so listing servers never waits on a remote machine."""

    __tablename__ = "ocr_servers"

    id: Mapped[IntPrimaryKey]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(500), default="")
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]
    health: Mapped[str] = mapped_column(String(10), default="unknown", server_default="unknown")
    health_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    engine: Mapped[str] = mapped_column(String(200), default="", server_default="")
    can_preannotate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
