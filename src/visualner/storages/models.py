"""Cloud storages of a project: buckets it imports from (sources) and writes to (targets).

A storage's credentials are stored encrypted (``storages.crypto``) and never leave the server.
``StorageObject`` is what a source storage has brought in: one row per object key with the
ETag it had, so a sync skips what it already imported and notices what was deleted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey, UTCDateTime, utcnow


class StorageRole(StrEnum):
    SOURCE = "source"
    TARGET = "target"


class ObjectState(StrEnum):
    IMPORTED = "imported"
    DELETED = "deleted"


class Storage(Base):
    __tablename__ = "storages"

    id: Mapped[IntPrimaryKey]
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200), default="")
    bucket: Mapped[str] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(1024), default="")
    glob: Mapped[str] = mapped_column(String(255), default="")
    endpoint_url: Mapped[str] = mapped_column(String(2000), default="")
    region: Mapped[str] = mapped_column(String(64), default="us-east-1")
    #: Fernet token of the credentials' JSON; "" for anonymous access
    credentials: Mapped[str] = mapped_column(Text, default="")
    #: sources: minutes between automatic syncs (0: on demand only)
    sync_every_minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: sources: the import options of synced objects (``ImportOptions``)
    import_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: targets: the export format and which annotations are written
    export_format: Mapped[str] = mapped_column(String(50), default="json")
    export_only: Mapped[str] = mapped_column(String(20), default="submitted")
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_sync_job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[CreatedAt]


class StorageObject(Base):
    __tablename__ = "storage_objects"
    __table_args__ = (UniqueConstraint("storage_id", "key"),)

    id: Mapped[IntPrimaryKey]
    storage_id: Mapped[int] = mapped_column(ForeignKey("storages.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(1024))
    etag: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(10), default=ObjectState.IMPORTED.value)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
