"""Blobs waiting to be removed once nothing refers to them (see ``blob_cleanup``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, UTCDateTime


class BlobDeletion(Base):
    __tablename__ = "blob_deletions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
