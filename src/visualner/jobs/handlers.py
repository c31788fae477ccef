"""The interface every job kind implements, and the registry of kinds.

A job is a list of items planned once (files of an import, pages to OCR, tasks to export).
``process`` does an item's slow work outside any transaction and returns an ``apply``
callback; the runner calls it in the same transaction that marks the item done, so an item's
effect is stored exactly once even if the worker dies at any point.

A kind whose items are small (the tasks of a JSON list) may set ``batch_policy`` so that
several items share one transaction: each ``apply`` runs in its own savepoint, so one bad item
is rolled back alone and recorded as failed while the others are stored, and the whole batch
commits (or not) together, which keeps resumption exact. A kind may also define
``prepare(ctx, job, items)``, called with each batch before its items are processed, to start
slow work ahead (the importer starts the batch's downloads); a failing ``prepare`` is logged
and the items run without it. A kind with
``report_seconds = True`` gets the run's ``RunSeconds`` (processing, storing, preparing) as
``seconds`` in its result, beside what its ``finish`` puts there (the importer adds the time
its items waited for downloads, from its optional ``seconds_of(job_id)``).

A kind may define ``before_batch_commit(session, job)``, called in each batch's transaction
after its items' effects, as it ends: what the items share is written once a batch, and
locked only for its commit (the importer counts and numbers the batch's tasks in their
project there).

A kind with ``parallel_items = True`` lets several workers share one job: helper processes
(``jobs.helpers``) and other machines' workers join it while it runs, each leasing the next
items (``jobs.leases``). Its ``process`` and ``prepare`` must then do without state shared
between items of other processes (each process builds its own per-job state), and its
``finish`` may run in any of them. Exports and training write one file or model from all
items, so they stay with one worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from visualner.jobs.context import JobContext
from visualner.jobs.models import Job, JobItem


@dataclass
class PlannedItem:
    """One unit of work; an ``error`` found while planning (a bad archive member) makes it
    a failed item from the start, so it shows in the report without aborting the rest."""

    name: str
    payload: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class ItemOutcome:
    """The result of an item's slow work; ``apply`` stores it (called inside a transaction)."""

    apply: Callable[[Session], dict[str, Any]] | None = None
    skipped_reason: str = ""


class SkipItem(Exception):
    """Raised by ``apply`` when, seen from inside the transaction, the item should be
    skipped after all (a duplicate stored by an earlier item of the same batch)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class BatchPolicy:
    """How many items of a job may share one transaction: at most ``max_items``, and a batch
    is stored as soon as its items took ``max_seconds`` (slow items are then stored one by
    one, so progress shows and a crash loses little).

    ``pause_cyclic_gc``: items that each parse thousands of fresh objects (a JSON task) run
    with the cycle collector paused until their batch is stored. Otherwise a collection
    starts every 700 allocations and walks every young object — the batch's prepared rows
    again and again, and now and then the whole server heap — which cost more than the
    parsing. It runs once per batch instead."""

    max_items: int = 1
    max_seconds: float = 0.0
    pause_cyclic_gc: bool = False


ONE_BY_ONE = BatchPolicy()


def batch_policy_of(handler: JobHandler) -> BatchPolicy:
    """A handler's optional ``batch_policy`` attribute; one item per transaction without it."""
    policy = getattr(handler, "batch_policy", ONE_BY_ONE)
    return policy if isinstance(policy, BatchPolicy) else ONE_BY_ONE


def runs_items_in_parallel(handler: JobHandler) -> bool:
    """Whether the handler lets several workers share a job's items (``parallel_items``)."""
    return getattr(handler, "parallel_items", False) is True


def release_job(handler: JobHandler, job_id: int) -> None:
    """Call a handler's optional ``release(job_id)`` once a job has stopped, whether it
    finished, failed or was cancelled: the handler drops what it holds for the job (download
    threads, OCR clients, a loaded model, training pages). ``finish`` runs only on success,
    so without this a cancelled import kept its download threads until the server stopped."""
    release = getattr(handler, "release", None)
    if callable(release):
        release(job_id)


class JobHandler(Protocol):
    kind: str

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]: ...

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome: ...

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]: ...


class JobRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}

    def register(self, handler: JobHandler) -> None:
        self._handlers[handler.kind] = handler

    def get(self, kind: str) -> JobHandler:
        try:
            return self._handlers[kind]
        except KeyError:
            raise LookupError(f"no job handler for kind {kind!r}") from None

    def kinds(self) -> list[str]:
        return sorted(self._handlers)
