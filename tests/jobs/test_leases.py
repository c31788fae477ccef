"""Workers share a job's items by leasing them: disjoint batches, an expired lease taken
over, an item stored once by its holder, and the job finished once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from visualner.db import Database, session_scope
from visualner.documents.stores import open_blob_store
from visualner.jobs import items, runner
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import BatchPolicy, ItemOutcome, JobRegistry, PlannedItem
from visualner.jobs.items import run_items
from visualner.jobs.leases import (
    confirm_leases,
    jobs_with_leasable_items,
    lease_items,
    release_leases,
)
from visualner.jobs.models import ItemStatus, Job, JobItem, JobStatus
from visualner.jobs.run_seconds import RunSeconds
from visualner.settings import Settings

MINUTE = timedelta(minutes=1)
EXPIRED = timedelta(0)


class CountingJob:
    """Items whose effect is counted per item, so a second store would show."""

    kind = "counting"
    parallel_items = True
    batch_policy = BatchPolicy(max_items=5, max_seconds=60.0)

    def __init__(self, item_seconds: float = 0.0) -> None:
        self.item_seconds = item_seconds
        self.applied: Counter[int] = Counter()
        self.appliers: dict[int, str] = {}
        self.finished = 0
        self._lock = threading.Lock()

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        return [PlannedItem(name=f"item {n}") for n in range(job.params["count"])]

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        time.sleep(self.item_seconds)
        worker = threading.current_thread().name

        def apply(session: Session) -> dict[str, Any]:
            with self._lock:
                self.applied[item.position] += 1
                self.appliers[item.position] = worker
            return {"worker": worker}

        return ItemOutcome(apply=apply)

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        with self._lock:
            self.finished += 1
        return {"finished_by": threading.current_thread().name}


@pytest.fixture
def ctx(settings: Settings) -> Iterator[JobContext]:
    database = Database(settings.effective_database_url)
    yield JobContext(settings=settings, database=database, blobs=open_blob_store(settings))
    database.dispose()


def planned_job(ctx: JobContext, handler: CountingJob, count: int) -> Job:
    """A running job (as its claimer leaves it after planning) with ``count`` items."""
    with session_scope(ctx.database.write) as session:
        job = Job(kind=handler.kind, status=JobStatus.RUNNING.value, params={"count": count})
        session.add(job)
        session.flush()
        session.expunge(job)
    runner._plan_items(ctx, handler, job)
    return job


def job_row(ctx: JobContext, job_id: int) -> Job:
    with session_scope(ctx.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_two_workers_lease_disjoint_batches_in_order(ctx: JobContext) -> None:
    job = planned_job(ctx, CountingJob(), 12)
    first = lease_items(ctx.database, job_id=job.id, owner="a", limit=5, ttl=MINUTE)
    second = lease_items(ctx.database, job_id=job.id, owner="b", limit=5, ttl=MINUTE)
    third = lease_items(ctx.database, job_id=job.id, owner="c", limit=5, ttl=MINUTE)
    assert [i.position for i in first] == [0, 1, 2, 3, 4]
    assert [i.position for i in second] == [5, 6, 7, 8, 9]
    assert [i.position for i in third] == [10, 11]
    assert lease_items(ctx.database, job_id=job.id, owner="d", limit=5, ttl=MINUTE) == []
    assert jobs_with_leasable_items(ctx.database, kinds=["counting"]) == []


def test_an_expired_lease_is_taken_over_and_its_old_holder_stores_nothing(
    ctx: JobContext,
) -> None:
    handler = CountingJob()
    job = planned_job(ctx, handler, 5)
    dead = lease_items(ctx.database, job_id=job.id, owner="dead", limit=5, ttl=EXPIRED)
    assert jobs_with_leasable_items(ctx.database, kinds=["counting"]) == [job.id]
    taker = lease_items(ctx.database, job_id=job.id, owner="taker", limit=5, ttl=MINUTE)
    assert [i.id for i in taker] == [i.id for i in dead]
    with session_scope(ctx.database.write) as session:
        assert confirm_leases(session, item_ids=[i.id for i in dead], owner="dead") == set()
    policy = handler.batch_policy
    run_items(ctx, handler, job, taker, policy=policy, seconds=RunSeconds(), owner="taker")
    # the worker thought dead comes back with its batch: nothing of it is stored again
    run_items(ctx, handler, job, dead, policy=policy, seconds=RunSeconds(), owner="dead")
    assert handler.applied == Counter(range(5))
    stored = job_row(ctx, job.id)
    assert (stored.done, stored.failed) == (5, 0)


def test_released_items_go_to_the_next_worker_at_once(ctx: JobContext) -> None:
    job = planned_job(ctx, CountingJob(), 3)
    lease_items(ctx.database, job_id=job.id, owner="stopping", limit=5, ttl=MINUTE)
    release_leases(ctx.database, job_id=job.id, owner="stopping")
    taken = lease_items(ctx.database, job_id=job.id, owner="next", limit=5, ttl=MINUTE)
    assert [i.position for i in taken] == [0, 1, 2]


def test_a_claimer_and_a_joining_worker_store_each_item_once_and_finish_once(
    ctx: JobContext,
) -> None:
    handler = CountingJob(item_seconds=0.01)
    registry = JobRegistry()
    registry.register(handler)
    with session_scope(ctx.database.write) as session:
        job = Job(kind=handler.kind, params={"count": 60})
        session.add(job)
        session.flush()
        job_id = job.id
    claimer = threading.Thread(
        target=runner.run_job, args=(ctx, registry, job_id), kwargs={"stale_after": MINUTE}
    )
    claimer.start()
    deadline = time.monotonic() + 30
    while not jobs_with_leasable_items(ctx.database, kinds=["counting"]):
        assert time.monotonic() < deadline and claimer.is_alive(), "the job was not planned"
        time.sleep(0.005)
    joiner = threading.Thread(
        target=runner.join_job, args=(ctx, registry, job_id), kwargs={"stale_after": MINUTE}
    )
    joiner.start()
    claimer.join(60)
    joiner.join(60)
    assert handler.applied == Counter(range(60))
    assert handler.finished == 1
    assert set(handler.appliers.values()) == {claimer.name, joiner.name}
    stored = job_row(ctx, job_id)
    assert stored.status == JobStatus.SUCCEEDED and (stored.done, stored.failed) == (60, 0)
    assert stored.result["finished_by"] in {claimer.name, joiner.name}
    with session_scope(ctx.database.read) as session:
        statuses = session.scalars(select(JobItem.status).where(JobItem.job_id == job_id))
        assert set(statuses) == {ItemStatus.DONE.value}


def test_a_claimer_takes_over_the_items_of_a_joined_worker_that_died(ctx: JobContext) -> None:
    handler = CountingJob()
    registry = JobRegistry()
    registry.register(handler)
    job = planned_job(ctx, handler, 12)
    lease_items(ctx.database, job_id=job.id, owner="died", limit=5, ttl=timedelta(seconds=1))
    with session_scope(ctx.database.write) as session:
        session.get_one(Job, job.id).heartbeat_at = None  # the claimer died too
    runner.run_job(ctx, registry, job.id, stale_after=timedelta(seconds=1))
    assert handler.applied == Counter(range(12)) and handler.finished == 1
    assert job_row(ctx, job.id).status == JobStatus.SUCCEEDED


def test_a_cancelled_job_stops_its_joined_workers(ctx: JobContext) -> None:
    handler = CountingJob()
    registry = JobRegistry()
    registry.register(handler)
    job = planned_job(ctx, handler, 20)
    with session_scope(ctx.database.write) as session:
        session.get_one(Job, job.id).status = JobStatus.CANCELLED.value
    runner.join_job(ctx, registry, job.id, stale_after=MINUTE)
    assert not handler.applied and handler.finished == 0


def test_a_heartbeat_while_a_batch_is_being_stored_waits_for_it_without_deadlock(
    ctx: JobContext,
) -> None:
    job = planned_job(ctx, CountingJob(), 5)
    items = lease_items(ctx.database, job_id=job.id, owner="w", limit=5, ttl=MINUTE)
    heartbeat = runner._Heartbeat(ctx, job.id, runner._Worker(owner="w", lease_ttl=MINUTE))
    failures: list[BaseException] = []

    def beat() -> None:
        try:
            heartbeat.beat()
        except BaseException as exc:
            failures.append(exc)

    beating = threading.Thread(target=beat)
    with session_scope(ctx.database.write) as session:  # a batch's transaction, as stored
        assert confirm_leases(session, item_ids=[i.id for i in items], owner="w")
        beating.start()
        time.sleep(0.3)  # the beat now waits for the batch's items (or its write lock)
        session.execute(update(Job).where(Job.id == job.id).values(done=Job.done + len(items)))
    beating.join(30)
    assert not beating.is_alive() and failures == []
    assert job_row(ctx, job.id).done == 5


class _DeadlockDetected(Exception):
    sqlstate = "40P01"


def test_a_batch_the_database_aborted_to_break_a_deadlock_is_stored_again(
    ctx: JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = CountingJob()
    job = planned_job(ctx, handler, 5)
    taken = lease_items(ctx.database, job_id=job.id, owner="w", limit=5, ttl=MINUTE)
    store = items._store
    calls: list[int] = []

    def aborted_once(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE jobs …", None, _DeadlockDetected())
        store(*args)

    monkeypatch.setattr(items, "_store", aborted_once)
    run_items(
        ctx, handler, job, taken, policy=handler.batch_policy, seconds=RunSeconds(), owner="w"
    )
    assert len(calls) == 2
    assert (job_row(ctx, job.id).done, job_row(ctx, job.id).failed) == (5, 0)
