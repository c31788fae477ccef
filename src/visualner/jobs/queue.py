"""The task queue (huey): SQLite storage by default, Redis for several machines.

The queue only carries "run job N"; the job's state lives in our database, so a message lost
with a killed worker is recovered by the janitor, and a duplicate delivery is harmless
(``claim_job`` lets one worker win).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer, Worker
from sqlalchemy import update

from visualner.db import session_scope
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import JobRegistry
from visualner.jobs.helpers import HelperProcesses, RuntimeFactory, parallel_kinds
from visualner.jobs.models import Job
from visualner.jobs.runner import jobs_to_resume, run_job
from visualner.settings import Settings

log = logging.getLogger(__name__)


def make_huey(settings: Settings) -> Huey:
    if settings.queue_url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(settings.queue_name, url=settings.queue_url, utc=True)
    if settings.queue_url and not settings.queue_url.startswith("sqlite"):
        raise ValueError(
            f"VISUALNER_QUEUE_URL must be empty (SQLite) or redis://…, not {settings.queue_url!r}"
        )
    path = settings.queue_url.removeprefix("sqlite:///") or str(settings.data_dir / "queue.db")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.queue_name, filename=path, utc=True, results=False)


class _WakeableWorker(Worker):
    """A huey worker whose idle wait between polls of the queue also ends when ``wake`` is
    set, which ``JobQueue.enqueue`` does: a job enqueued by the process that consumes it
    starts at once instead of after up to ``max_delay`` (SQLite storage is polled)."""

    delay: float
    default_delay: float
    max_delay: float
    backoff: float

    def __init__(self, *, wake: threading.Event, **options: Any) -> None:
        super().__init__(**options)
        self.wake = wake

    def sleep(self) -> None:
        self.delay = min(self.delay, self.max_delay)
        if self.wake.wait(self.delay):
            if not self.stop_flag.is_set():  # when stopping, it stays set for every worker
                self.wake.clear()
            self.delay = self.default_delay
        else:
            self.delay *= self.backoff


class _EmbeddedConsumer(Consumer):
    """A consumer that leaves signal handling to its host (uvicorn or our worker command),
    with workers woken by ``wake``."""

    def __init__(self, huey: Huey, *, wake: threading.Event, **options: Any) -> None:
        self.wake = wake  # before the base class builds the workers
        super().__init__(huey, **options)

    def _create_worker(self) -> _WakeableWorker:
        return _WakeableWorker(
            wake=self.wake,
            huey=self.huey,
            stop_flag=self.stop_flag,
            default_delay=self.default_delay,
            max_delay=self.max_delay,
            backoff=self.backoff,
            max_tasks=self.max_tasks,
        )

    def stop(self, graceful: bool = False) -> None:
        self.stop_flag.set()
        self.wake.set()  # after the flag: a woken worker sees it and ends
        super().stop(graceful=graceful)

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    """Enqueues jobs and, in a worker host, consumes them (with helper processes that join
    jobs whose items run in parallel, when ``runtime_factory`` says how they build theirs)."""

    def __init__(
        self,
        ctx: JobContext,
        registry: JobRegistry,
        *,
        runtime_factory: RuntimeFactory | None = None,
    ) -> None:
        self.ctx = ctx
        self.registry = registry
        self.runtime_factory = runtime_factory
        self._helpers: HelperProcesses | None = None
        self.huey = make_huey(ctx.settings)
        self.stale_after = timedelta(seconds=ctx.settings.job_stale_after_s)
        self._run_task = self.huey.task(name="visualner.run_job", retries=0)(self._execute)
        self._consumer: Consumer | None = None
        self._wake = threading.Event()
        self._janitor_stop = threading.Event()
        self._janitor: threading.Thread | None = None
        self._periodic = False

    def _execute(self, job_id: int) -> None:
        run_job(self.ctx, self.registry, job_id, stale_after=self.stale_after)

    def enqueue(self, job_id: int) -> None:
        self._run_task(job_id)
        self._wake.set()  # this process's idle workers, if it runs any, poll now

    def every_minute(self, name: str, run: Callable[[JobQueue], object]) -> None:
        """Call ``run(queue)`` once a minute in every process that consumes the queue (a huey
        periodic task). Each consumer's scheduler enqueues it, so with several workers it
        runs several times a minute: ``run`` must claim its work (the scheduled storage
        syncs claim each storage with a conditional update)."""
        self.huey.periodic_task(crontab(), retries=0, name=name)(lambda: run(self))
        self._periodic = True

    def cancel(self, job_id: int) -> None:
        with session_scope(self.ctx.database.write) as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(["queued", "running"]))
                .values(status="cancelled")
            )

    def resume_interrupted(self, *, include_queued: bool = False) -> list[int]:
        """Re-enqueue jobs whose worker died; returns their ids."""
        job_ids = jobs_to_resume(
            self.ctx, stale_after=self.stale_after, include_queued=include_queued
        )
        for job_id in job_ids:
            log.info("resuming interrupted job %s", job_id)
            self.enqueue(job_id)
        return job_ids

    def start_consumer(self, *, workers: int) -> None:
        options: dict[str, Any] = {
            "workers": workers,
            "worker_type": "thread",
            "periodic": self._periodic,
            "initial_delay": 0.05,
            "backoff": 1.5,
            "max_delay": 0.2,
            "check_worker_health": True,
        }
        self._consumer = _EmbeddedConsumer(self.huey, wake=self._wake, **options)
        self._consumer.start()
        self._start_helpers()
        self._janitor = threading.Thread(target=self._janitor_loop, daemon=True, name="janitor")
        self._janitor.start()

    def _janitor_loop(self) -> None:
        interval = max(0.5, self.stale_after.total_seconds() / 2)
        first_pass = True
        while True:
            try:
                self.resume_interrupted(include_queued=first_pass)
                first_pass = False
            except Exception:
                log.exception("looking for interrupted jobs failed")
            if self._janitor_stop.wait(interval):
                return

    def _start_helpers(self) -> None:
        count = self.ctx.settings.effective_job_processes - 1
        if count < 1 or self.runtime_factory is None or not parallel_kinds(self.registry):
            return
        self._helpers = HelperProcesses(self.ctx.settings, self.runtime_factory, count)
        self._helpers.start()

    @property
    def helper_pids(self) -> list[int]:
        return self._helpers.pids if self._helpers is not None else []

    def stop_consumer(self) -> None:
        self._janitor_stop.set()
        if self._helpers is not None:  # first: they finish their batches while we stop
            helpers, self._helpers = self._helpers, None
            stopping = threading.Thread(target=helpers.stop, name="job-helpers-stop")
            stopping.start()
        else:
            stopping = None
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
        if stopping is not None:
            stopping.join()
