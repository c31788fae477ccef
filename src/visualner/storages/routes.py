"""``/api/projects/{id}/storages``: a project's cloud storages (managers only) and syncing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from visualner.deps import CurrentUser, IdPath, ServicesDep, SessionDep
from visualner.storages import service
from visualner.storages.schemas import StorageCreate, StorageOut, StorageUpdate

router = APIRouter(prefix="/api", tags=["storages"])


@router.get("/projects/{project_id}/storages", response_model=list[StorageOut])
def list_storages(
    project_id: IdPath, user: CurrentUser, session: SessionDep
) -> list[dict[str, Any]]:
    """The project's source and target storages (never their credentials)."""
    storages = service.list_storages(session, user=user, project_id=project_id)
    return [service.storage_json(session, s) for s in storages]


@router.post(
    "/projects/{project_id}/storages",
    response_model=StorageOut,
    status_code=status.HTTP_201_CREATED,
)
def create_storage(
    project_id: IdPath,
    body: StorageCreate,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
) -> dict[str, Any]:
    """Add a source (``role: source``: imported from) or target (``role: target``: written
    to) storage: ``bucket``, ``prefix``, ``glob``, ``endpoint_url``, ``region``,
    ``access_key_id`` + ``secret_access_key`` (stored encrypted), ``sync_every_minutes``,
    ``import_options``; targets: ``export_format``, ``export_only``."""
    storage = service.create_storage(
        session, settings=services.settings, user=user, project_id=project_id, body=body
    )
    return service.storage_json(session, storage)


@router.get("/projects/{project_id}/storages/{storage_id}", response_model=StorageOut)
def get_storage(
    project_id: IdPath, storage_id: IdPath, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    storage = service.managed_storage(
        session, user=user, project_id=project_id, storage_id=storage_id
    )
    return service.storage_json(session, storage)


@router.patch("/projects/{project_id}/storages/{storage_id}", response_model=StorageOut)
def update_storage(
    project_id: IdPath,
    storage_id: IdPath,
    body: StorageUpdate,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
) -> dict[str, Any]:
    """Change the fields sent; new credentials replace the stored ones,
    ``clear_credentials: true`` forgets them."""
    storage = service.update_storage(
        session,
        settings=services.settings,
        user=user,
        project_id=project_id,
        storage_id=storage_id,
        body=body,
    )
    return service.storage_json(session, storage)


@router.delete(
    "/projects/{project_id}/storages/{storage_id}", status_code=status.HTTP_204_NO_CONTENT
)
def delete_storage(
    project_id: IdPath, storage_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    """Remove the storage (its imported tasks stay)."""
    service.delete_storage(session, user=user, project_id=project_id, storage_id=storage_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/projects/{project_id}/storages/{storage_id}/sync", status_code=status.HTTP_202_ACCEPTED
)
def sync_storage(
    project_id: IdPath, storage_id: IdPath, user: CurrentUser, services: ServicesDep
) -> dict[str, int]:
    """Scan a source storage now: new and changed objects are imported, deleted ones
    reported. Answers ``{"job_id"}``; the job's result counts the objects."""
    job_id = service.start_sync(
        services.queue, user=user, project_id=project_id, storage_id=storage_id
    )
    return {"job_id": job_id}
