"""Runs a job's items with persisted progress, and finds jobs a dead worker left behind.

One worker claims a job (``run_job``): it plans the items and sees the job through. Other
workers — helper processes, ``visualner worker`` machines — may join a running job whose
handler runs items in parallel (``join_job``); every worker leases the next items
(``jobs.leases``), so each item is stored once. The worker that finds no item pending any
more finishes the job, once (``_finish_if_done``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from visualner.db import session_scope, utcnow
from visualner.errors import VisualnerError
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import (
    BatchPolicy,
    JobHandler,
    JobRegistry,
    batch_policy_of,
    release_job,
    runs_items_in_parallel,
)
from visualner.jobs.items import run_items, unexpected_error
from visualner.jobs.leases import (
    lease_items,
    new_lease_owner,
    release_leases,
    renew_leases,
    unfinished_items,
)
from visualner.jobs.models import ItemStatus, Job, JobItem, JobStatus
from visualner.jobs.run_seconds import RunSeconds

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 2.0
PLAN_INSERT_ROWS = 2000
#: how often the claimer looks again while other workers hold a job's last items
WAIT_FOR_OTHERS_S = 0.1


@dataclass
class _Worker:
    """One worker's part in a job: the name on its leases, how long they last without a
    heartbeat (the job's stale time: a worker silent that long is taken for dead), and where
    its time went."""

    owner: str
    lease_ttl: timedelta
    seconds: RunSeconds = field(default_factory=RunSeconds)


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
    """Refreshes the job's ``heartbeat_at`` and this worker's leases from a side thread while
    items' slow work runs."""

    def __init__(self, ctx: JobContext, job_id: int, worker: _Worker) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self.worker = worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"job-{job_id}-hb")

    def beat(self) -> None:
        """One beat: this worker's leases pushed back, then the job's heartbeat."""
        with session_scope(self.ctx.database.write) as session:
            # items first, the job's row last, in the order a batch's transaction takes
            # them: the other order deadlocked against this worker's own batch on
            # PostgreSQL (the batch held its items and wanted the job, the beat the reverse)
            renew_leases(
                session, job_id=self.job_id, owner=self.worker.owner, ttl=self.worker.lease_ttl
            )
            session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY_S):
            try:
                self.beat()
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


def _prepare(ctx: JobContext, handler: JobHandler, job: Job, items: list[JobItem]) -> None:
    prepare = getattr(handler, "prepare", None)
    if prepare is None or not items:
        return
    try:
        prepare(ctx, job, items)
    except Exception:  # only a head start (downloads): the items run without it
        log.exception("job %s: preparing items failed", job.id)


def _run_batches(
    ctx: JobContext,
    handler: JobHandler,
    job: Job,
    *,
    worker: _Worker,
    policy: BatchPolicy,
    wait_for_others: bool,
    stop: Callable[[], bool] = lambda: False,
) -> bool:
    """Lease, process and store the job's items batch after batch until none is left to
    take; False when the job stopped (cancelled, failed, or finished by another worker).

    With ``wait_for_others`` it returns only once no item is pending: it waits while other
    workers hold the last items, and takes over those whose leases expire (their worker
    died), so the job's claimer always sees it through. Helpers leave as soon as nothing is
    left to take, or when ``stop()`` (their host stops), giving back what they hold."""
    while True:
        if stop():
            release_leases(ctx.database, job_id=job.id, owner=worker.owner)
            return False
        if _stopped(ctx, job.id):
            return False
        items = lease_items(
            ctx.database,
            job_id=job.id,
            owner=worker.owner,
            limit=policy.max_items,
            ttl=worker.lease_ttl,
        )
        if not items:
            if not wait_for_others:
                return True
            with session_scope(ctx.database.read) as session:
                if not unfinished_items(session, job_id=job.id):
                    return True
            time.sleep(WAIT_FOR_OTHERS_S)
            continue
        # a batch's slow work (downloads) starts as the batch does: started a batch ahead,
        # the tasks' wait for downloads went but the import was no faster
        # (docs/importing-json.md#where-a-distinct-page-import-spends-its-time)
        started = time.monotonic()
        _prepare(ctx, handler, job, items)
        worker.seconds.preparing += time.monotonic() - started
        run_items(
            ctx, handler, job, items, policy=policy, seconds=worker.seconds, owner=worker.owner
        )


def _work_on(
    ctx: JobContext,
    handler: JobHandler,
    job: Job,
    worker: _Worker,
    *,
    claimer: bool,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """One worker's part of a job, under its heartbeat: the claimer plans the items and
    waits out the others' last batches; any worker that stores the last item finishes it."""
    with _Heartbeat(ctx, job.id, worker):
        if claimer:
            _plan_items(ctx, handler, job)
        _run_batches(
            ctx,
            handler,
            job,
            worker=worker,
            policy=batch_policy_of(handler),
            wait_for_others=claimer,
            stop=stop,
        )
        _finish_if_done(ctx, handler, job, worker)


def run_job(ctx: JobContext, registry: JobRegistry, job_id: int, *, stale_after: timedelta) -> None:
    """Run (or resume) one job to the end. Safe to call twice for the same id."""
    if not claim_job(ctx, job_id, stale_after=stale_after):
        log.info("job %s is taken or finished; nothing to do", job_id)
        return
    job = _load(ctx, job_id)
    assert job is not None
    worker = _Worker(owner=new_lease_owner(), lease_ttl=stale_after)
    handler: JobHandler | None = None
    try:
        handler = registry.get(job.kind)
        _work_on(ctx, handler, job, worker, claimer=True)
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


def join_job(
    ctx: JobContext,
    registry: JobRegistry,
    job_id: int,
    *,
    stale_after: timedelta,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Work on items of a job another worker claimed and planned, while any is left to take
    (a helper process does, for a handler that runs items in parallel). The job's claimer
    sees it through; whichever worker stores the last item finishes it. A failure here is
    logged and the items this worker held are given back: the claimer decides the job's
    fate."""
    job = _load(ctx, job_id)
    if job is None or job.status != JobStatus.RUNNING:
        return
    handler = registry.get(job.kind)
    if not runs_items_in_parallel(handler):
        return
    worker = _Worker(owner=new_lease_owner(), lease_ttl=stale_after)
    try:
        _work_on(ctx, handler, job, worker, claimer=False, stop=stop)
    except Exception:
        log.exception("job %s: a helper's part failed; its items go back to the others", job_id)
        release_leases(ctx.database, job_id=job_id, owner=worker.owner)
    finally:
        release_job(handler, job_id)


def _load(ctx: JobContext, job_id: int) -> Job | None:
    with session_scope(ctx.database.read) as session:
        job = session.get(Job, job_id)
        if job is not None:
            session.expunge(job)
        return job


def _finish_if_done(ctx: JobContext, handler: JobHandler, job: Job, worker: _Worker) -> None:
    """Finish the job if no item is pending and it still runs; otherwise add this worker's
    share of the time to its result (for the worker that finishes it, or, when another
    already did or the job was cancelled, to what the result says).

    The conditional update takes the job's row (PostgreSQL) or the write lock (SQLite)
    before counting, so of two workers storing the last items at once, exactly one sees none
    pending with the job still running."""
    with session_scope(ctx.database.write) as session:
        still_running = session.execute(  # type: ignore[attr-defined]
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.RUNNING.value)
            .values(heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        fresh = session.get(Job, job.id)
        assert fresh is not None
        own_seconds = _seconds_of(handler, job.id, worker)
        if not still_running or unfinished_items(session, job_id=job.id):
            if own_seconds:
                fresh.result = {
                    **fresh.result,
                    "seconds": _added(fresh.result.get("seconds", {}), own_seconds),
                }
            return
        earlier_seconds = fresh.result.get("seconds", {})
        result = handler.finish(ctx, fresh, session)
        if own_seconds or earlier_seconds:
            result["seconds"] = _added(earlier_seconds, own_seconds)
        fresh.result = result
        fresh.status = JobStatus.SUCCEEDED.value
        fresh.finished_at = utcnow()
        _fail_if_every_item_failed(session, fresh)


def _seconds_of(handler: JobHandler, job_id: int, worker: _Worker) -> dict[str, float]:
    """This worker's ``seconds`` for the job's result (``report_seconds`` handlers): its
    run's, and the handler's own (an importer's downloads) from its optional
    ``seconds_of(job_id)``."""
    if not getattr(handler, "report_seconds", False):
        return {}
    seconds_of = getattr(handler, "seconds_of", None)
    own = seconds_of(job_id) if callable(seconds_of) else {}
    return _added(worker.seconds.as_result(), own)


def _added(first: dict[str, Any], second: dict[str, float]) -> dict[str, float]:
    """Seconds summed key by key (each worker reports its own; the job's result has their
    sum)."""
    total = {key: float(value) for key, value in first.items()}
    for key, value in second.items():
        total[key] = round(total.get(key, 0.0) + value, 3)
    return total


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


def _stopped(ctx: JobContext, job_id: int) -> bool:
    """The job no longer runs: cancelled, failed (its claimer gave up), or finished by
    another worker."""
    with session_scope(ctx.database.read) as session:
        return session.scalar(select(Job.status).where(Job.id == job_id)) != JobStatus.RUNNING


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
