"""All runtime configuration, read from ``VISUALNER_*`` environment variables or ``.env``.

One class so the README, the docs test and ``create_app`` agree on what exists. Nothing is
created at import time: callers build a ``Settings`` and pass it down.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MAX_DEFAULT_JOB_PROCESSES = 4
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev"}


class Settings(BaseSettings):
    """Settings of a visualner installation (every field is listed in the README's Settings
    table; ``tests/test_docs.py`` fails when one is missing)."""

    model_config = SettingsConfigDict(
        env_prefix="VISUALNER_", env_file=".env", extra="ignore", validate_default=True
    )

    environment: Literal["development", "production", "test"] = Field(
        "development",
        description="development allows a generated secret key; production refuses it.",
    )
    data_dir: Path = Field(
        Path("./visualner-data"),
        description="Where the SQLite database, the blob store and the queue live.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means SQLite at <data_dir>/visualner.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    queue_url: str = Field(
        "",
        description="Task queue storage: empty means SQLite at <data_dir>/queue.db; "
        "redis://host:6379/0 for a distributed queue shared by several workers.",
    )
    queue_name: str = Field("visualner", description="Queue name (one per installation).")
    run_worker_in_process: bool = Field(
        True, description="Run queue consumers inside `visualner serve`."
    )
    job_stale_after_s: float = Field(
        30.0,
        gt=0,
        description="A running job whose worker sent no heartbeat for this long "
        "is taken over by another worker (or by the next start).",
    )
    worker_threads: int = Field(2, ge=1, le=64, description="Consumer threads per process.")
    job_processes: int = Field(
        0,
        ge=0,
        le=64,
        description="Processes that share one job's items (an import) on each machine that "
        "runs jobs: the worker host and job_processes - 1 helper processes it starts and "
        "stops. 0 means one per CPU, at most 4; 1 runs every job in the host alone.",
    )
    database_pool_size: int = Field(
        48,
        ge=1,
        le=1000,
        description="Database connections each process keeps open for its request threads "
        "(40) and job consumers (a smaller pool reconnects on every burst of requests); "
        "on PostgreSQL, processes × (this + 16) must stay below the server's max_connections.",
    )
    ocr_health_check_interval_s: float = Field(
        60.0,
        ge=0,
        description="How often each app process checks the registered OCR servers' health "
        "in the background (listing servers reads the last answer); 0 turns it off.",
    )
    secret_key: str = Field(
        "",
        description="Signs session cookies. Empty in development: a random key is stored "
        "in <data_dir>/secret_key. Required in production.",
    )
    host: str = Field("127.0.0.1", description="Address `visualner serve` listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port `visualner serve` listens on.")
    session_max_age_days: int = Field(14, ge=1, description="Lifetime of a login session.")
    secure_cookies: bool = Field(
        False,
        description="Mark cookies Secure (sent over HTTPS only). Unset: on when "
        "VISUALNER_ENVIRONMENT=production, off otherwise (set false for plain HTTP).",
    )
    login_max_failures_per_account: int = Field(
        10,
        ge=1,
        description="Failed logins one account may have within the login failure window; "
        "more are answered 429 with Retry-After (counted in the database, shared by every "
        "process).",
    )
    login_max_failures_per_address: int = Field(
        100,
        ge=1,
        description="Failed logins one client address may have within the login failure "
        "window (an office behind one address shares it).",
    )
    login_failure_window_s: int = Field(
        900,
        ge=1,
        description="The sliding window failed logins are counted in; a throttled account or "
        "address may try again once its oldest counted failure is this old.",
    )
    max_upload_mb: int = Field(200, ge=1, description="Largest accepted upload, per file.")
    max_request_mb: int = Field(1024, ge=1, description="Largest accepted request body.")
    max_image_pixels: int = Field(
        120_000_000, ge=1, description="Decompression-bomb cap: pixels per decoded page."
    )
    max_pdf_pages: int = Field(2000, ge=1, description="Pages accepted per PDF.")
    max_page_decode_mb: int = Field(
        320,
        ge=1,
        description="Memory one decoded page image may take (width × height × bytes per "
        "pixel as the decoder holds it: 4 for colour, 1 for grey); a larger page is refused "
        "before decoding, however small its file.",
    )
    max_pdf_page_objects: int = Field(
        1_000_000,
        ge=1,
        description="Drawing objects and path segments a PDF page may hold; a page with more "
        "(a small file whose content expands to millions of operations) is refused before "
        "rendering.",
    )
    blob_delete_grace_s: float = Field(
        600.0,
        ge=0,
        description="A page image no task uses any more is removed from storage once it was "
        "last stored this long ago (an import may be about to use it again).",
    )
    max_archive_members: int = Field(10_000, ge=1, description="Files accepted per ZIP.")
    max_archive_ratio: int = Field(
        200,
        ge=1,
        description="Zip-bomb cap: largest accepted uncompressed/compressed ratio, of each "
        "member and of the archive as a whole.",
    )
    max_import_inflated_mb: int = Field(
        2048,
        ge=1,
        description="Bytes all ZIP archives of one import may inflate to together; members "
        "past it are skipped, each with its reason in the job's report.",
    )
    pdf_dpi: int = Field(150, ge=36, le=600, description="Resolution PDF pages render at.")
    url_fetch_timeout_s: float = Field(30.0, gt=0, description="Timeout per URL download.")
    url_fetch_max_mb: int = Field(200, ge=1, description="Largest accepted URL download.")
    url_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts or CIDR ranges that URL imports may reach even though they are "
        "loopback/private (comma-separated).",
    )
    storage_endpoint_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="S3 endpoints (host or host:port, comma-separated) that project cloud "
        "storages may use even though they are loopback/private; others must be public.",
    )
    storage_sync_max_objects: int = Field(
        1000,
        ge=1,
        description="New or changed objects one cloud-storage sync downloads and imports at "
        "most; the rest wait for the next sync.",
    )
    ocr_engine: Literal["tesseract", "rapidocr"] = Field(
        "rapidocr", description="Engine of the built-in OCR server (rapidocr or tesseract)."
    )
    ocr_languages: str = Field("eng", description="OCR languages, e.g. eng or eng+deu.")
    ocr_low_confidence: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description="The labeling page marks OCR words read with a confidence below this "
        "(0 turns the marks off).",
    )
    storage_url: str = Field(
        "",
        description="Where page images, uploads, models and exports are stored: empty means "
        "<data_dir>/blobs; s3://bucket/prefix for an S3-compatible bucket.",
    )
    s3_endpoint_url: str = Field(
        "",
        description="S3 endpoint, e.g. http://127.0.0.1:8333 for SeaweedFS or MinIO; empty: AWS.",
    )
    s3_region: str = Field("us-east-1", description="S3 region (signing; AWS buckets' region).")
    s3_access_key_id: str = Field(
        "", description="S3 access key; empty: AWS_ACCESS_KEY_ID and the usual AWS sources."
    )
    s3_secret_access_key: str = Field(
        "", description="S3 secret key; empty: AWS_SECRET_ACCESS_KEY and the usual AWS sources."
    )
    s3_anonymous: bool = Field(
        False, description="Send unsigned S3 requests (a bucket that allows anonymous access)."
    )
    serve_blobs: Literal["app", "presigned"] = Field(
        "app",
        description="How browsers get page images and downloads from S3 storage: streamed by "
        "the app, or redirected to a short-lived presigned URL of the bucket.",
    )
    presigned_url_expiry_s: int = Field(
        300, ge=10, le=604800, description="Lifetime of a presigned URL (serve_blobs=presigned)."
    )
    temp_dir: Path | None = Field(
        None,
        description="Local scratch space (staged uploads, exports being written) when storage "
        "is S3; empty: the system's temp folder. Cleaned up after each job.",
    )
    admin_username: str = Field("admin", description="Admin created on first start.")
    admin_password: str = Field(
        "", description="Password of that admin; empty: a random one, printed once."
    )

    @field_validator("url_allowlist", "storage_endpoint_allowlist", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key.strip() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "VISUALNER_SECRET_KEY must be set to a long random value in production"
            )
        return self

    @model_validator(mode="after")
    def _secure_cookies_by_default_in_production(self) -> Settings:
        # Production is served over HTTPS; a session cookie that also travels over plain
        # HTTP would leak to anyone on the path. An explicit setting still wins.
        if "secure_cookies" not in self.model_fields_set:
            self.secure_cookies = self.environment == "production"
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'visualner.db').resolve()}"

    @property
    def effective_job_processes(self) -> int:
        """``job_processes``, with 0 resolved to the CPUs this process may use (at most 4:
        each process holds its own copy of the code and a job's caches)."""
        if self.job_processes:
            return self.job_processes
        cpus = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else (os.cpu_count() or 1)
        )
        return max(1, min(cpus, MAX_DEFAULT_JOB_PROCESSES))

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def scratch_dir(self) -> Path:
        """Local space for files on their way into storage: the data directory with local
        storage, the temp folder with S3 (nothing persistent under the data directory)."""
        if not self.storage_url:
            return self.data_dir
        return (self.temp_dir or Path(tempfile.gettempdir())) / "visualner"

    def resolved_secret_key(self) -> str:
        """The configured key, or a per-installation key kept in the data directory.

        A generated key survives restarts so sessions are not all invalidated on every start.
        """
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
