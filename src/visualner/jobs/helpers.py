"""Helper processes: more cores for a job whose items run in parallel (an import).

A worker host (``visualner serve`` with its in-process worker, or ``visualner worker``)
starts ``job_processes - 1`` helpers and stops them with itself. Each helper builds its own
job context and registry from the settings (``RuntimeFactory``: a module-level function, as
the spawned process imports it by name), polls the database for running jobs it may join,
and leases their items beside the job's claimer (``runner.join_job``). Processes, not
threads: an item's work is Python (parsing, checking, building rows) and holds the GIL.

A helper stops when the host sets the shared stop event, when its host process is gone
(its parent id changes: a killed host leaves no orphan working on), or on SIGTERM/SIGINT;
it first gives back the items it holds, unless it is killed, in which case their leases
expire and another worker takes them over.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as ProcessEvent

from visualner.jobs.context import JobContext
from visualner.jobs.handlers import JobRegistry, runs_items_in_parallel
from visualner.jobs.leases import jobs_with_leasable_items
from visualner.jobs.runner import join_job
from visualner.settings import Settings

log = logging.getLogger(__name__)

RuntimeFactory = Callable[[Settings], tuple[JobContext, JobRegistry]]
#: how often an idle helper looks for a job to join
POLL_S = 0.2
STOP_TIMEOUT_S = 30.0


def parallel_kinds(registry: JobRegistry) -> list[str]:
    """The job kinds whose items several workers may share."""
    return [kind for kind in registry.kinds() if runs_items_in_parallel(registry.get(kind))]


def join_running_jobs(
    ctx: JobContext, registry: JobRegistry, *, stop: Callable[[], bool], poll_s: float = POLL_S
) -> None:
    """Until ``stop()``: join each running job that has items nobody holds, then wait a
    moment and look again."""
    kinds = parallel_kinds(registry)
    stale_after = timedelta(seconds=ctx.settings.job_stale_after_s)
    idle = threading.Event()
    while not stop():
        try:
            job_ids = jobs_with_leasable_items(ctx.database, kinds=kinds)
        except Exception:  # the database restarting, say: look again later
            log.exception("looking for jobs to join failed")
            job_ids = []
        for job_id in job_ids:
            if stop():
                return
            join_job(ctx, registry, job_id, stale_after=stale_after, stop=stop)
        if not job_ids:
            idle.wait(poll_s)


def _helper_main(
    settings: Settings, factory: RuntimeFactory, stop_event: ProcessEvent, host_pid: int
) -> None:
    """A helper process's whole life (runs in the spawned process)."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s [job helper] %(message)s"
    )
    signalled = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl+C reaches the whole group
        signal.signal(signum, lambda *_: signalled.set())

    def stop() -> bool:
        return stop_event.is_set() or signalled.is_set() or os.getppid() != host_pid

    ctx, registry = factory(settings)
    try:
        join_running_jobs(ctx, registry, stop=stop)
    finally:
        ctx.database.dispose()


class HelperProcesses:
    """``count`` helper processes (spawned: a fresh interpreter, no copy of the host's
    threads, locks or connections)."""

    def __init__(self, settings: Settings, factory: RuntimeFactory, count: int) -> None:
        self.settings = settings
        self.factory = factory
        self.count = count
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._processes: list[BaseProcess] = []

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes if p.pid is not None]

    def start(self) -> None:
        for number in range(1, self.count + 1):
            process = self._context.Process(
                target=_helper_main,
                args=(self.settings, self.factory, self._stop, os.getpid()),
                name=f"visualner-job-helper-{number}",
                daemon=True,  # ended by multiprocessing's exit handler if stop() is skipped
            )
            process.start()
            self._processes.append(process)
        log.info("started %d job helper processes: %s", self.count, self.pids)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Ask every helper to stop after its current batch; terminate those that have not
        within ``timeout_s``."""
        self._stop.set()
        for process in self._processes:
            process.join(timeout_s)
        for process in self._processes:
            if process.is_alive():
                log.warning("job helper %s did not stop in time; terminating it", process.pid)
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        self._processes = []
