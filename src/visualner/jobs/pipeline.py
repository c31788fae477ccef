"""Where a job run's time goes, and storing a batch while the next one is processed.

A batch's transaction spends most of its time in the database when that is PostgreSQL (the
server inserts the rows and keeps the full-text index in step in its own process): measured
on an import of 1,000 tasks, the worker's thread waited 16 of its 20 s of storing, doing
nothing. ``BatchStorer`` stores each batch on one thread of its own, in order, at most one
batch behind the thread processing items; the batch still commits its items' effects and
their "done" marks in one transaction, so a killed worker resumes exactly as before (the
batch being stored and the one being processed are both still pending).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Batch = TypeVar("Batch")


@dataclass
class RunSeconds:
    """Where a run of a job spent its wall time (the job's result keeps it as ``seconds``):
    its items' slow work, storing their batches, starting the next batch's work, and waiting
    for the batch before to be stored."""

    processing: float = 0.0
    storing: float = 0.0
    preparing: float = 0.0
    waiting_for_store: float = 0.0
    #: CPU seconds of the threads doing the first two (the rest of their wall time they
    #: waited: on other threads holding the GIL, the disk, the database)
    processing_cpu: float = 0.0
    storing_cpu: float = 0.0

    def as_result(self) -> dict[str, float]:
        return {name: round(value, 3) for name, value in asdict(self).items()}


class BatchStorer(Generic[Batch]):
    """Calls ``store`` with each batch, timed into ``seconds``: on a thread of its own one
    batch behind (``behind=True``), or right away on the caller's thread. Errors of a batch
    stored behind are raised by the next ``submit`` or by ``close``."""

    def __init__(
        self, store: Callable[[Batch], None], seconds: RunSeconds, *, behind: bool, name: str
    ) -> None:
        self._store = store
        self._seconds = seconds
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) if behind else None
        self._pending: Future[None] | None = None

    def submit(self, batch: Batch) -> None:
        if self._pool is None:
            self._timed(batch)
            return
        self.wait()
        self._pending = self._pool.submit(self._timed, batch)

    def wait(self) -> None:
        """Until the batch being stored is (raises its error)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        started = time.monotonic()
        try:
            pending.result()
        finally:
            self._seconds.waiting_for_store += time.monotonic() - started

    def close(self, *, raise_errors: bool) -> None:
        """Wait for the last batch and stop the thread; ``raise_errors=False`` when the run
        is already failing (the batch's own error is then only logged)."""
        try:
            self.wait()
        except BaseException:
            if raise_errors:
                raise
            log.exception("storing a batch failed while the run was stopping")
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    def _timed(self, batch: Batch) -> None:
        started, started_cpu = time.monotonic(), time.thread_time()
        try:
            self._store(batch)
        finally:
            self._seconds.storing += time.monotonic() - started
            self._seconds.storing_cpu += time.thread_time() - started_cpu
