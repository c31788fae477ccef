"""What the storage API accepts and answers. Credentials go in, never out: an answer says
only whether a storage has them (``has_credentials``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from visualner.exports.options import AnnotationFilter
from visualner.imports.options import ImportOptions

BUCKET_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"


def _clean_prefix(value: str) -> str:
    """Keys are relative to the prefix: no slashes at its ends (NUL is refused app-wide)."""
    return value.strip().strip("/")


class StorageFields(BaseModel):
    """The fields a manager may set (all optional: an update changes what it names)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    bucket: str | None = Field(None, pattern=BUCKET_PATTERN, description="Bucket name.")
    prefix: str | None = Field(
        None,
        max_length=1000,
        description="Only keys below this folder (sources), or the folder written to (targets).",
    )
    glob: str | None = Field(
        None,
        max_length=255,
        description="Sources: only keys (below the prefix) matching this "
        "pattern, e.g. *.pdf; * also crosses folders.",
    )
    endpoint_url: str | None = Field(
        None, max_length=2000, description="S3-compatible endpoint; empty: AWS S3 of the region."
    )
    region: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    access_key_id: str | None = Field(None, max_length=256)
    secret_access_key: str | None = Field(None, max_length=512)
    session_token: str | None = Field(None, max_length=4096)
    sync_every_minutes: int | None = Field(
        None, ge=0, le=10080, description="Sources: sync every N minutes; 0: on demand only."
    )
    import_options: ImportOptions | None = Field(
        None, description="Sources: options of the imports (ocr, preannotate, …)."
    )
    export_format: str | None = Field(None, description="Targets: a name from /api/export-formats.")
    export_only: AnnotationFilter | None = Field(
        None, description="Targets: which annotations are written (submitted or reviewed)."
    )

    @field_validator("prefix", "glob")
    @classmethod
    def _no_end_slashes(cls, value: str | None) -> str | None:
        return None if value is None else _clean_prefix(value)


class StorageCreate(StorageFields):
    role: Literal["source", "target"]
    bucket: str = Field(..., pattern=BUCKET_PATTERN, description="Bucket name.")


class StorageUpdate(StorageFields):
    clear_credentials: bool = Field(
        False, description="Forget the stored credentials (anonymous access from now on)."
    )


class StorageOut(BaseModel):
    id: int
    project_id: int
    role: str
    title: str
    bucket: str
    prefix: str
    glob: str
    endpoint_url: str
    region: str
    has_credentials: bool
    sync_every_minutes: int
    import_options: dict[str, object]
    export_format: str
    export_only: str
    last_sync_at: datetime | None
    last_sync_job_id: int | None
    objects_imported: int
    created_at: datetime
