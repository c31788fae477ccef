"""A project's cloud storages: creating, changing, listing and syncing them (managers only).

Routes, the CLI and the worker's schedule call these. Credentials are encrypted before they
are stored (``storages.crypto``) and answers are built by ``storage_json``, which has no
credential field to leak.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.db import session_scope, utcnow
from visualner.errors import InvalidInput, NotFound
from visualner.formats.registry import export_format
from visualner.imports.options import ImportOptions
from visualner.jobs.models import Job, JobStatus
from visualner.jobs.queue import JobQueue
from visualner.jobs.service import create_job, start_job
from visualner.projects.access import Capability, project_access
from visualner.projects.models import Project
from visualner.settings import Settings
from visualner.storages.buckets import BucketAccess, check_endpoint, endpoint_for
from visualner.storages.crypto import decrypt_credentials, encrypt_credentials
from visualner.storages.models import ObjectState, Storage, StorageObject, StorageRole
from visualner.storages.schemas import StorageCreate, StorageFields, StorageUpdate

SYNC_KIND = "storage_sync"
_PLAIN_FIELDS = ("title", "bucket", "prefix", "glob", "region", "sync_every_minutes")
_CREDENTIAL_FIELDS = ("access_key_id", "secret_access_key", "session_token")


def bucket_access(settings: Settings, storage: Storage) -> BucketAccess:
    """The storage's bucket with its credentials decrypted, after checking its endpoint
    again (a host name may resolve elsewhere than when it was saved)."""
    access = BucketAccess(
        bucket=storage.bucket,
        prefix=storage.prefix,
        endpoint_url=storage.endpoint_url,
        region=storage.region,
        credentials=decrypt_credentials(settings.resolved_secret_key(), storage.credentials),
    )
    _check_endpoint(settings, access.endpoint_url, access.region)
    return access


def _check_endpoint(settings: Settings, endpoint_url: str, region: str) -> None:
    check_endpoint(
        endpoint_for(endpoint_url, region), allowlist=settings.storage_endpoint_allowlist
    )


def storage_json(session: Session, storage: Storage) -> dict[str, Any]:
    """A storage as the API shows it: everything but its credentials."""
    imported = session.scalar(
        select(func.count())
        .select_from(StorageObject)
        .where(
            StorageObject.storage_id == storage.id,
            StorageObject.state == ObjectState.IMPORTED.value,
        )
    )
    return {
        "id": storage.id,
        "project_id": storage.project_id,
        "role": storage.role,
        "title": storage.title,
        "bucket": storage.bucket,
        "prefix": storage.prefix,
        "glob": storage.glob,
        "endpoint_url": storage.endpoint_url,
        "region": storage.region,
        "has_credentials": bool(storage.credentials),
        "sync_every_minutes": storage.sync_every_minutes,
        "import_options": storage.import_options or {},
        "export_format": storage.export_format,
        "export_only": storage.export_only,
        "last_sync_at": storage.last_sync_at,
        "last_sync_job_id": storage.last_sync_job_id,
        "objects_imported": int(imported or 0),
        "created_at": storage.created_at,
    }


def require_manager(session: Session, *, user: User | None, project_id: int) -> None:
    """Only the project's managers (and admins) handle its storages; ``user=None`` is the
    installation's operator at the command line, who may (the project must exist)."""
    if user is not None:
        project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    elif session.get(Project, project_id) is None:
        raise NotFound(f"no project {project_id}")


def managed_storage(
    session: Session, *, user: User | None, project_id: int, storage_id: int
) -> Storage:
    """A storage of the project, for one of its managers (others get 403/404 first)."""
    require_manager(session, user=user, project_id=project_id)
    storage = session.get(Storage, storage_id)
    if storage is None or storage.project_id != project_id:
        raise NotFound(f"no storage {storage_id} in project {project_id}")
    return storage


def list_storages(session: Session, *, user: User | None, project_id: int) -> list[Storage]:
    require_manager(session, user=user, project_id=project_id)
    return list(
        session.scalars(
            select(Storage).where(Storage.project_id == project_id).order_by(Storage.id)
        )
    )


def _apply_fields(settings: Settings, storage: Storage, fields: StorageFields) -> None:
    """Copy the fields that were sent, checking each: export format, credentials (encrypted
    as a whole: a new key id needs its secret). The endpoint was checked before."""
    sent = fields.model_fields_set
    for name in _PLAIN_FIELDS:
        if name in sent and getattr(fields, name) is not None:
            setattr(storage, name, getattr(fields, name))
    if "endpoint_url" in sent and fields.endpoint_url is not None:
        storage.endpoint_url = fields.endpoint_url.strip().rstrip("/")
    if fields.import_options is not None:
        storage.import_options = fields.import_options.model_dump(exclude_none=True)
    if fields.export_format is not None:
        storage.export_format = export_format(fields.export_format).name
    if fields.export_only is not None:
        if fields.export_only == "all":
            raise InvalidInput(
                "export_only: a target storage writes submitted or reviewed annotations",
                field="export_only",
            )
        storage.export_only = fields.export_only
    if any(getattr(fields, name) for name in _CREDENTIAL_FIELDS):
        if not (fields.access_key_id and fields.secret_access_key):
            raise InvalidInput(
                "credentials: send access_key_id and secret_access_key together",
                field="secret_access_key",
            )
        storage.credentials = encrypt_credentials(
            settings.resolved_secret_key(),
            {
                "access_key_id": fields.access_key_id,
                "secret_access_key": fields.secret_access_key,
                "session_token": fields.session_token or "",
            },
        )
    if storage.role == StorageRole.TARGET and storage.sync_every_minutes:
        raise InvalidInput(
            "sync_every_minutes: only source storages are synced", field="sync_every_minutes"
        )


def create_storage(
    session: Session,
    *,
    settings: Settings,
    user: User | None,
    project_id: int,
    body: StorageCreate,
) -> Storage:
    # the SSRF check resolves a host name: done before the first query takes the write lock
    _check_endpoint(settings, body.endpoint_url or "", body.region or "us-east-1")
    require_manager(session, user=user, project_id=project_id)
    storage = Storage(
        project_id=project_id,
        role=body.role,
        bucket=body.bucket,
        title="",
        prefix="",
        glob="",
        endpoint_url="",
        region="us-east-1",
        credentials="",
        sync_every_minutes=0,
        import_options={},
        export_format="json",
        export_only="submitted",
    )
    _apply_fields(settings, storage, body)
    session.add(storage)
    session.flush()
    return storage


def update_storage(
    session: Session,
    *,
    settings: Settings,
    user: User,
    project_id: int,
    storage_id: int,
    body: StorageUpdate,
) -> Storage:
    if body.endpoint_url:  # checked before the first query takes the write lock
        _check_endpoint(settings, body.endpoint_url, body.region or "us-east-1")
    storage = managed_storage(session, user=user, project_id=project_id, storage_id=storage_id)
    if not body.endpoint_url and {"endpoint_url", "region"} & body.model_fields_set:
        _check_endpoint(settings, "", body.region or storage.region)  # AWS S3 of a region
    if body.clear_credentials:
        storage.credentials = ""
    _apply_fields(settings, storage, body)
    session.flush()
    return storage


def delete_storage(session: Session, *, user: User, project_id: int, storage_id: int) -> None:
    """Forget a storage and its list of imported objects; its tasks stay."""
    storage = managed_storage(session, user=user, project_id=project_id, storage_id=storage_id)
    session.delete(storage)


def _create_sync_job(
    session: Session, *, settings: Settings, storage: Storage, user: User | None
) -> Job:
    """A queued sync of a source storage, its import options resolved now."""
    if storage.role != StorageRole.SOURCE:
        raise InvalidInput(f"storage {storage.id} is a target; only sources are synced")
    project = session.get(Project, storage.project_id)
    assert project is not None  # the storage's row references it
    options = ImportOptions.model_validate(storage.import_options or {})
    resolved = options.resolved(project.settings or {}, settings.pdf_dpi)
    job = create_job(
        session,
        kind=SYNC_KIND,
        user=user,
        project_id=project.id,
        params={"storage_id": storage.id, "options": resolved.model_dump()},
    )
    storage.last_sync_at = utcnow()
    storage.last_sync_job_id = job.id
    return job


def create_sync_job(
    session: Session, *, settings: Settings, user: User | None, project_id: int, storage_id: int
) -> Job:
    """A queued sync of a project's source storage (``start_job`` or the CLI runs it)."""
    storage = managed_storage(session, user=user, project_id=project_id, storage_id=storage_id)
    return _create_sync_job(session, settings=settings, storage=storage, user=user)


def start_sync(queue: JobQueue, *, user: User, project_id: int, storage_id: int) -> int:
    """Start syncing a source storage now (a job); its id."""
    settings = queue.ctx.settings

    def create(session: Session) -> Job:
        return create_sync_job(
            session, settings=settings, user=user, project_id=project_id, storage_id=storage_id
        )

    return start_job(queue, create)


def due_storage_ids(session: Session, *, now: datetime) -> list[int]:
    """Source storages with a schedule whose last sync started long enough ago."""
    candidates = session.execute(
        select(Storage.id, Storage.sync_every_minutes, Storage.last_sync_at).where(
            Storage.role == StorageRole.SOURCE.value, Storage.sync_every_minutes > 0
        )
    ).all()
    return [
        storage_id
        for storage_id, every, last in candidates
        if last is None or last <= now - timedelta(minutes=every)
    ]


def start_due_syncs(queue: JobQueue, *, now: datetime | None = None) -> list[int]:
    """Start the scheduled syncs that are due (the worker runs this every minute). Each
    storage is claimed by a conditional update of its ``last_sync_at``, so several workers
    running the schedule at once start one sync, and a sync still queued or running is
    not started again. Returns the jobs started."""
    now = now or utcnow()
    settings = queue.ctx.settings
    with session_scope(queue.ctx.database.read) as session:
        due = due_storage_ids(session, now=now)
    started: list[int] = []
    for storage_id in due:

        def create(session: Session, storage_id: int = storage_id) -> Job | None:
            storage = session.get(Storage, storage_id)
            if storage is None or not storage.sync_every_minutes:
                return None
            if storage.last_sync_job_id is not None and session.scalar(
                select(Job.id).where(
                    Job.id == storage.last_sync_job_id,
                    Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
                )
            ):
                return None
            cutoff = now - timedelta(minutes=storage.sync_every_minutes)
            claimed = session.execute(
                update(Storage)
                .where(
                    Storage.id == storage_id,
                    or_(Storage.last_sync_at.is_(None), Storage.last_sync_at <= cutoff),
                )
                .values(last_sync_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                return None
            session.refresh(storage)
            return _create_sync_job(session, settings=settings, storage=storage, user=None)

        job_id = start_job(queue, create)
        if job_id is not None:
            started.append(job_id)
    return started


def export_target(session: Session, *, user: User, project_id: int, storage_id: int) -> Storage:
    """A target storage of the project that an export job may write to (its managers)."""
    storage = managed_storage(session, user=user, project_id=project_id, storage_id=storage_id)
    if storage.role != StorageRole.TARGET:
        raise InvalidInput(
            f"target_storage_id: storage {storage_id} is a source; exports go to targets",
            field="target_storage_id",
        )
    return storage
