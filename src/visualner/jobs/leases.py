"""Leases on a job's items, so several workers (threads, processes, machines) share one job.

A worker takes the next pending items of a job by writing its name and an expiry on them in
one short transaction (PostgreSQL skips rows another worker is taking at that moment; SQLite
runs one writer at a time). Nobody else takes an item before its lease expires; an expired
lease (a dead worker's) is taken by the next worker that asks. The transaction that stores
items first confirms that its worker still holds them (``confirm_leases``), which locks them
until it commits: an item is stored once, by its holder, even when a worker that was thought
dead wakes up with an item another worker has since taken and stored.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, and_, exists, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from visualner.db import Database, session_scope, utcnow
from visualner.jobs.models import ItemStatus, Job, JobItem, JobStatus

_ITEMS = cast(Table, JobItem.__table__)
OWNER_CHARS = 100


def new_lease_owner() -> str:
    """A name no other worker has (host, process, and a random part for each run)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"[:OWNER_CHARS]


def _leasable(now: object) -> ColumnElement[bool]:
    """A pending item nobody holds: never leased, or its holder's lease ran out."""
    return (JobItem.status == ItemStatus.PENDING.value) & (
        JobItem.lease_expires_at.is_(None) | (JobItem.lease_expires_at < now)
    )


def lease_items(
    database: Database, *, job_id: int, owner: str, limit: int, ttl: timedelta
) -> list[JobItem]:
    """Take up to ``limit`` of the job's next leasable items, in their order; [] when none
    is left to take (others may still hold some: see ``unfinished_items``).

    Two statements in one transaction: the ids, locked (PostgreSQL skips rows another
    worker is taking), then the lease on exactly those. Written as one ``UPDATE … WHERE id
    IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``, PostgreSQL 15 leased all 75 pending
    items of a test's job instead of 25."""
    now = utcnow()
    with session_scope(database.write) as session:
        next_ids = list(
            session.scalars(
                select(JobItem.id)
                .where(JobItem.job_id == job_id, _leasable(now))
                .order_by(JobItem.position)
                .limit(limit)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer
            )
        )
        if not next_ids:
            return []
        items = list(
            session.scalars(
                update(JobItem)
                .where(JobItem.id.in_(next_ids))
                .values(lease_owner=owner, lease_expires_at=now + ttl)
                .returning(JobItem),
                execution_options={"synchronize_session": False},
            )
        )
        session.expunge_all()
    return sorted(items, key=lambda item: item.position)


def confirm_leases(session: Session, *, item_ids: Iterable[int], owner: str) -> set[int]:
    """Of ``item_ids``, the pending ones ``owner`` still holds (expired or not: nobody took
    them), locked until the caller's transaction ends; only those may be stored."""
    ids = list(item_ids)
    if not ids:
        return set()
    held = session.scalars(
        update(JobItem)
        .where(
            JobItem.id.in_(ids),
            JobItem.lease_owner == owner,
            JobItem.status == ItemStatus.PENDING.value,
        )
        .values(lease_expires_at=JobItem.lease_expires_at)
        .returning(JobItem.id),
        execution_options={"synchronize_session": False},
    )
    return set(held)


def renew_leases(session: Session, *, job_id: int, owner: str, ttl: timedelta) -> None:
    """Push back the expiry of what ``owner`` holds in the job (its heartbeat does, while
    a slow item runs)."""
    session.execute(
        update(_ITEMS).where(_held_by(job_id, owner)).values(lease_expires_at=utcnow() + ttl)
    )


def release_leases(database: Database, *, job_id: int, owner: str) -> None:
    """Give back what ``owner`` holds and will not store (it is stopping), so another
    worker takes it at once instead of after the lease's expiry."""
    with session_scope(database.write) as session:
        session.execute(
            update(_ITEMS)
            .where(_held_by(job_id, owner))
            .values(lease_owner=None, lease_expires_at=None)
        )


def _held_by(job_id: int, owner: str) -> ColumnElement[bool]:
    """The job's items ``owner`` holds and has not stored yet."""
    return and_(
        _ITEMS.c.job_id == job_id,
        _ITEMS.c.status == ItemStatus.PENDING.value,
        _ITEMS.c.lease_owner == owner,
    )


def unfinished_items(session: Session, *, job_id: int) -> int:
    """The job's pending items, held by a worker or not."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(JobItem)
            .where(JobItem.job_id == job_id, JobItem.status == ItemStatus.PENDING.value)
        )
        or 0
    )


def jobs_with_leasable_items(database: Database, *, kinds: Iterable[str]) -> list[int]:
    """Running jobs of these kinds that have items nobody holds, oldest first: what a helper
    process may join (a job is running once claimed, and has items once planned)."""
    kinds = list(kinds)
    if not kinds:
        return []
    now = utcnow()
    has_free_item = exists().where(JobItem.job_id == Job.id, _leasable(now))
    with session_scope(database.read) as session:
        return list(
            session.scalars(
                select(Job.id)
                .where(Job.status == JobStatus.RUNNING.value, Job.kind.in_(kinds), has_free_item)
                .order_by(Job.id)
            )
        )
