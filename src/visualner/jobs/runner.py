"""Runs a job's items with persisted progress, and finds jobs a dead worker left behind."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from visualner.db import session_scope, utcnow
from visualner.errors import VisualnerError
from visualner.gc_pause import cyclic_gc_paused
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import (
    BatchPolicy,
    ItemOutcome,
    JobHandler,
    JobRegistry,
    SkipItem,
    batch_policy_of,
    release_job,
)
from visualner.jobs.models import ItemStatus, Job, JobItem, JobStatus
from visualner.jobs.run_seconds import RunSeconds

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 2.0
PLAN_INSERT_ROWS = 2000
_ITEMS = cast(Table, JobItem.__table__)
#: one executemany marks a batch's items (a Core statement: no ORM bulk machinery per batch)
RECORD_ITEM = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item_id"))
    .values(
        status=bindparam("item_status"),
        error=bindparam("item_error"),
        result=bindparam("item_result", type_=_ITEMS.c.result.type),
        updated_at=bindparam("item_updated_at", type_=_ITEMS.c.updated_at.type),
    )
)


def claim_job(ctx: JobContext, job_id: int, *, stale_after: timedelta) -> bool:
    """Atomically take a queued job, or a running one whose worker stopped beating.

    The conditional UPDATE makes duplicate deliveries of "run job N" harmless: only one
    worker can win the claim.
    """
    now = utcnow()
    with session_scope(ctx.database.write) as session:
        claimed = session.execute(  # type: ignore[attr-defined]
            update(Job)
            .where(
                Job.id == job_id,
                or_(
                    Job.status == JobStatus.QUEUED.value,
                    (Job.status == JobStatus.RUNNING.value)
                    & or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - stale_after),
                ),
            )
            .values(
                status=JobStatus.RUNNING.value,
                heartbeat_at=now,
                started_at=now,
                attempts=Job.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    return claimed == 1


class _Heartbeat:
    """Refreshes ``heartbeat_at`` from a side thread while an item's slow work runs."""

    def __init__(self, ctx: JobContext, job_id: int) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"job-{job_id}-hb")

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY_S):
            try:
                with session_scope(self.ctx.database.write) as session:
                    session.execute(
                        update(Job)
                        .where(Job.id == self.job_id)
                        .values(heartbeat_at=utcnow())
                        .execution_options(synchronize_session=False)
                    )
            except Exception:  # a missed beat only delays nothing; log and carry on
                log.exception("heartbeat of job %s failed", self.job_id)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _plan_items(ctx: JobContext, handler: JobHandler, job: Job) -> None:
    with session_scope(ctx.database.read) as session:
        existing = session.scalar(select(JobItem.id).where(JobItem.job_id == job.id).limit(1))
    if existing is not None:
        return
    planned = handler.plan(ctx, job)
    now = utcnow()
    with session_scope(ctx.database.write) as session:
        if session.scalar(select(JobItem.id).where(JobItem.job_id == job.id).limit(1)):
            return
        rows = [
            {
                "job_id": job.id,
                "position": i,
                "name": p.name[:1000],
                "payload": p.payload,
                "status": (ItemStatus.FAILED if p.error else ItemStatus.PENDING).value,
                "error": p.error[:4000],
                "result": {},
                "updated_at": now,
            }
            for i, p in enumerate(planned)
        ]
        for start in range(0, len(rows), PLAN_INSERT_ROWS):  # one executemany per slice
            session.execute(insert(JobItem), rows[start : start + PLAN_INSERT_ROWS])
        failed = sum(1 for p in planned if p.error)
        session.execute(
            update(Job).where(Job.id == job.id).values(total=len(planned), failed=failed)
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


def _store(ctx: JobContext, job: Job, processed: list[Processed]) -> None:
    """One transaction: every item's effect, its status, and the job's counters."""
    now = utcnow()
    with session_scope(ctx.database.write) as session:
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
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(
                done=Job.done + (len(rows) - failed), failed=Job.failed + failed, heartbeat_at=now
            )
            .execution_options(synchronize_session=False)
        )


def _store_batch(ctx: JobContext, job: Job, processed: list[Processed]) -> None:
    """Store a batch; if its transaction itself fails (not one item's ``apply``), store the
    items one by one so the failure stays with the item that caused it."""
    try:
        _store(ctx, job, processed)
        return
    except Exception:
        if len(processed) == 1:
            item = processed[0][0]
            log.exception(
                "job %s item %s (%s) could not be stored", job.id, item.position, item.name
            )
            _store(ctx, job, [(item, unexpected_error(job, item))])
            return
    for each in processed:
        _store_batch(ctx, job, [each])


def _pending_items(ctx: JobContext, job_id: int, limit: int, after: int) -> list[JobItem]:
    """The next pending items after position ``after``: a range on the (job, position)
    index, so a 10,000-item job does not rescan its finished items for every batch."""
    with session_scope(ctx.database.read) as session:
        items = list(
            session.scalars(
                select(JobItem)
                .where(
                    JobItem.job_id == job_id,
                    JobItem.position > after,
                    JobItem.status == ItemStatus.PENDING.value,
                )
                .order_by(JobItem.position)
                .limit(limit)
            )
        )
        session.expunge_all()
    return items


def _prepare(ctx: JobContext, handler: JobHandler, job: Job, items: list[JobItem]) -> None:
    prepare = getattr(handler, "prepare", None)
    if prepare is None or not items:
        return
    try:
        prepare(ctx, job, items)
    except Exception:  # only a head start (downloads): the items run without it
        log.exception("job %s: preparing items failed", job.id)


def _run_items(
    ctx: JobContext,
    handler: JobHandler,
    job: Job,
    items: list[JobItem],
    policy: BatchPolicy,
    seconds: RunSeconds,
) -> None:
    """Process a batch's items and store them (sooner when they took
    ``policy.max_seconds``)."""
    with cyclic_gc_paused(policy.pause_cyclic_gc):
        processed: list[Processed] = []
        started, started_cpu = time.monotonic(), time.thread_time()
        for item in items:
            processed.append(_process(ctx, handler, job, item))
            if time.monotonic() - started >= policy.max_seconds:
                seconds.processing += time.monotonic() - started
                seconds.processing_cpu += time.thread_time() - started_cpu
                _store_timed(ctx, job, processed, seconds)
                processed, started, started_cpu = [], time.monotonic(), time.thread_time()
        seconds.processing += time.monotonic() - started
        seconds.processing_cpu += time.thread_time() - started_cpu
        if processed:
            _store_timed(ctx, job, processed, seconds)


def _store_timed(
    ctx: JobContext, job: Job, processed: list[Processed], seconds: RunSeconds
) -> None:
    started, started_cpu = time.monotonic(), time.thread_time()
    _store_batch(ctx, job, processed)
    seconds.storing += time.monotonic() - started
    seconds.storing_cpu += time.thread_time() - started_cpu


def _run_batches(
    ctx: JobContext, handler: JobHandler, job: Job, policy: BatchPolicy, seconds: RunSeconds
) -> bool:
    """Every pending item, batch after batch; False when the job was cancelled."""
    after = -1
    while True:
        if _is_cancelled(ctx, job.id):
            return False
        items = _pending_items(ctx, job.id, policy.max_items, after)
        if not items:
            return True
        # a batch's slow work (downloads) starts as the batch does: started a batch ahead,
        # the tasks' wait for downloads went but the import was no faster
        # (docs/importing-json.md#where-a-distinct-page-import-spends-its-time)
        started = time.monotonic()
        _prepare(ctx, handler, job, items)
        seconds.preparing += time.monotonic() - started
        _run_items(ctx, handler, job, items, policy, seconds)
        after = items[-1].position


def run_job(ctx: JobContext, registry: JobRegistry, job_id: int, *, stale_after: timedelta) -> None:
    """Run (or resume) one job to the end. Safe to call twice for the same id."""
    if not claim_job(ctx, job_id, stale_after=stale_after):
        log.info("job %s is taken or finished; nothing to do", job_id)
        return
    with session_scope(ctx.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
    handler: JobHandler | None = None
    try:
        handler = registry.get(job.kind)
        policy = batch_policy_of(handler)
        with _Heartbeat(ctx, job.id):
            _plan_items(ctx, handler, job)
            seconds = RunSeconds()
            if not _run_batches(ctx, handler, job, policy, seconds):
                return
            with session_scope(ctx.database.write) as session:
                fresh = session.get(Job, job.id)
                assert fresh is not None
                result = handler.finish(ctx, fresh, session)
                if getattr(handler, "report_seconds", False):
                    result["seconds"] = {**seconds.as_result(), **result.get("seconds", {})}
                fresh.result = result
                fresh.status = JobStatus.SUCCEEDED.value
                fresh.finished_at = utcnow()
                _fail_if_every_item_failed(session, fresh)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        error = exc.message if isinstance(exc, VisualnerError) else unexpected_error(job)
        with session_scope(ctx.database.write) as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status=JobStatus.FAILED.value,
                    error=error[:4000],
                    finished_at=utcnow(),
                )
            )
    finally:
        if handler is not None:
            release_job(handler, job_id)


def _fail_if_every_item_failed(session: Session, job: Job) -> None:
    """A job none of whose items worked did not succeed: it is recorded as failed, with the
    first item's reason as its error, so no page can show "0 tasks done" in green."""
    if not job.total or job.failed < job.total:
        return
    first = session.scalar(
        select(JobItem)
        .where(JobItem.job_id == job.id, JobItem.status == ItemStatus.FAILED.value)
        .order_by(JobItem.position)
        .limit(1)
    )
    reason = f": {first.name}: {first.error}" if first is not None else ""
    job.status = JobStatus.FAILED.value
    every = "the only item" if job.total == 1 else f"all {job.total} items"
    job.error = f"{every} failed{reason}"[:4000]


def _is_cancelled(ctx: JobContext, job_id: int) -> bool:
    with session_scope(ctx.database.read) as session:
        return session.scalar(select(Job.status).where(Job.id == job_id)) == JobStatus.CANCELLED


def jobs_to_resume(
    ctx: JobContext, *, stale_after: timedelta, include_queued: bool = False
) -> list[int]:
    """Jobs running without a recent heartbeat (their worker is gone) and, at start-up,
    queued jobs (a queue without persistence, such as Redis without AOF, may have lost them).
    """
    cutoff = utcnow() - stale_after
    condition: ColumnElement[bool] = (Job.status == JobStatus.RUNNING.value) & or_(
        Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff
    )
    if include_queued:
        condition = or_(condition, Job.status == JobStatus.QUEUED.value)
    with session_scope(ctx.database.read) as session:
        return list(session.scalars(select(Job.id).where(condition).order_by(Job.id)))
