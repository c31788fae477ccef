"""A batch of leased items: each item's slow work, then one transaction that stores their
effects and marks them done, if (and only if) this worker still holds their leases."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from visualner.db import session_scope, utcnow
from visualner.errors import VisualnerError
from visualner.gc_pause import cyclic_gc_paused
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import BatchPolicy, ItemOutcome, JobHandler, SkipItem
from visualner.jobs.leases import confirm_leases
from visualner.jobs.models import ItemStatus, Job, JobItem
from visualner.jobs.run_seconds import RunSeconds

log = logging.getLogger(__name__)

_ITEMS = cast(Table, JobItem.__table__)
#: PostgreSQL's deadlock_detected and serialization_failure
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
STORE_ATTEMPTS = 3
#: one executemany marks a batch's items (a Core statement: no ORM bulk machinery per batch)
RECORD_ITEM = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item_id"))
    .values(
        status=bindparam("item_status"),
        error=bindparam("item_error"),
        result=bindparam("item_result", type_=_ITEMS.c.result.type),
        updated_at=bindparam("item_updated_at", type_=_ITEMS.c.updated_at.type),
        lease_expires_at=None,
    )
)


#: what ``process`` gave for an item: an outcome to store, or the message of its failure
Processed = tuple[JobItem, ItemOutcome | str]


def unexpected_error(job: Job, item: JobItem | None = None) -> str:
    """What a job's report says of an error that is not a domain error (a bug, a database
    failure): where the log has it, never its text (it may hold code, SQL or data)."""
    where = f"job {job.id}, item {item.position}" if item is not None else f"job {job.id}"
    return f"an unexpected error on the server stopped this (logged as {where})"


def _process(ctx: JobContext, handler: JobHandler, job: Job, item: JobItem) -> Processed:
    try:
        return item, handler.process(ctx, job, item)
    except VisualnerError as exc:
        return item, exc.message
    except Exception:
        log.exception("job %s item %s (%s) crashed", job.id, item.position, item.name)
        return item, unexpected_error(job, item)


def _apply(
    session: Session, job: Job, item: JobItem, outcome: ItemOutcome | str
) -> tuple[ItemStatus, str, dict[str, Any]]:
    """Store one item's effect in its own savepoint: a failing ``apply`` is rolled back
    alone and the item recorded as failed, in the same transaction as the others."""
    if isinstance(outcome, str):
        return ItemStatus.FAILED, outcome, {}
    if outcome.apply is None:
        return ItemStatus.SKIPPED, outcome.skipped_reason, {}
    savepoint = session.begin_nested()
    try:
        result = outcome.apply(session)
        session.flush()
        savepoint.commit()
        return ItemStatus.DONE, "", result
    except SkipItem as exc:
        savepoint.rollback()
        return ItemStatus.SKIPPED, exc.reason, {}
    except VisualnerError as exc:
        savepoint.rollback()
        return ItemStatus.FAILED, exc.message, {}
    except Exception:
        log.exception("job %s item %s (%s) could not be stored", job.id, item.position, item.name)
        savepoint.rollback()
        return ItemStatus.FAILED, unexpected_error(job, item), {}


def _store(
    ctx: JobContext, handler: JobHandler, job: Job, processed: list[Processed], owner: str
) -> None:
    """One transaction: every item's effect, its status, and the job's counters, for the
    items ``owner`` still holds (an item whose lease another worker took is theirs now)."""
    now = utcnow()
    with session_scope(ctx.database.write) as session:
        held = confirm_leases(session, item_ids=[item.id for item, _ in processed], owner=owner)
        if len(held) < len(processed):
            log.warning(
                "job %s: %d items were taken over by another worker; not storing them",
                job.id,
                len(processed) - len(held),
            )
            processed = [each for each in processed if each[0].id in held]
            if not processed:
                return
        rows = []
        failed = 0
        for item, outcome in processed:
            status, error, result = _apply(session, job, item, outcome)
            failed += status == ItemStatus.FAILED
            rows.append(
                {
                    "item_id": item.id,
                    "item_status": status.value,
                    "item_error": error[:4000],
                    "item_result": result,
                    "item_updated_at": now,
                }
            )
        session.execute(RECORD_ITEM, rows)
        before_commit = getattr(handler, "before_batch_commit", None)
        if callable(before_commit):
            before_commit(session, job)
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(
                done=Job.done + (len(rows) - failed), failed=Job.failed + failed, heartbeat_at=now
            )
            .execution_options(synchronize_session=False)
        )


def _transient(exc: Exception) -> bool:
    """A failure of the transaction, not of its items: PostgreSQL broke a deadlock or a
    serialization conflict between workers by aborting this one; trying again works."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, DBAPIError) and sqlstate in TRANSIENT_SQLSTATES


def _store_batch(
    ctx: JobContext, handler: JobHandler, job: Job, processed: list[Processed], owner: str
) -> None:
    """Store a batch (again, when the database aborted it to break a conflict with another
    worker); if its transaction itself fails (not one item's ``apply``), store the items one
    by one so the failure stays with the item that caused it."""
    failure: Exception | None = None
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            _store(ctx, handler, job, processed, owner)
            return
        except Exception as exc:
            failure = exc
            if not (_transient(exc) and attempt < STORE_ATTEMPTS):
                break
            log.warning("job %s: storing a batch again (%s)", job.id, type(exc).__name__)
    if len(processed) == 1:
        item = processed[0][0]
        log.error(
            "job %s item %s (%s) could not be stored",
            job.id,
            item.position,
            item.name,
            exc_info=failure,
        )
        _store(ctx, handler, job, [(item, unexpected_error(job, item))], owner)
        return
    for each in processed:
        _store_batch(ctx, handler, job, [each], owner)


def run_items(
    ctx: JobContext,
    handler: JobHandler,
    job: Job,
    items: list[JobItem],
    *,
    policy: BatchPolicy,
    seconds: RunSeconds,
    owner: str,
) -> None:
    """Process a batch of items ``owner`` leased and store them (sooner when they took
    ``policy.max_seconds``)."""
    with cyclic_gc_paused(policy.pause_cyclic_gc):
        processed: list[Processed] = []
        started, started_cpu = time.monotonic(), time.thread_time()
        for item in items:
            processed.append(_process(ctx, handler, job, item))
            if time.monotonic() - started >= policy.max_seconds:
                seconds.processing += time.monotonic() - started
                seconds.processing_cpu += time.thread_time() - started_cpu
                _store_timed(ctx, handler, job, processed, seconds, owner)
                processed, started, started_cpu = [], time.monotonic(), time.thread_time()
        seconds.processing += time.monotonic() - started
        seconds.processing_cpu += time.thread_time() - started_cpu
        if processed:
            _store_timed(ctx, handler, job, processed, seconds, owner)


def _store_timed(
    ctx: JobContext,
    handler: JobHandler,
    job: Job,
    processed: list[Processed],
    seconds: RunSeconds,
    owner: str,
) -> None:
    started, started_cpu = time.monotonic(), time.thread_time()
    _store_batch(ctx, handler, job, processed, owner)
    seconds.storing += time.monotonic() - started
    seconds.storing_cpu += time.thread_time() - started_cpu
