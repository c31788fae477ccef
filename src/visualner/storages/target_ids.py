"""Which target storages a project has. Every submitted save asks, so this is a module of
its own that the save reads through without importing the export machinery of ``targets``."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from visualner.storages.models import Storage, StorageRole


def _targets_of(project_id: int) -> Select[int]:
    return select(Storage.id).where(
        Storage.project_id == project_id, Storage.role == StorageRole.TARGET.value
    )


def target_storage_ids(session: Session, *, project_id: int) -> list[int]:
    return list(session.scalars(_targets_of(project_id)))


def has_target_storages(session: Session, *, project_id: int) -> bool:
    return session.scalar(_targets_of(project_id).limit(1)) is not None
