"""Running a queued job in the CLI's own process, with a progress bar drawn from the job's
persisted counters (the same job a server would run, so commands need no running server)."""

from __future__ import annotations

import threading
from datetime import timedelta

import typer
from sqlalchemy import select

from visualner.db import session_scope
from visualner.jobs.models import Job, JobItem
from visualner.jobs.runner import run_job
from visualner.runtime import Services


def _job_counts(services: Services, job_id: int) -> tuple[int, int, int, str]:
    with session_scope(services.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.total, job.done, job.failed, job.status


def _watch(services: Services, job_id: int, label: str, finished: threading.Event) -> None:
    total = 0
    while not total and not finished.wait(0.2):
        total = _job_counts(services, job_id)[0]
    total = total or _job_counts(services, job_id)[0]
    shown = 0
    with typer.progressbar(length=max(total, 1), label=label, file=None) as bar:
        while True:
            ended = finished.wait(0.3)
            _, done, failed, _ = _job_counts(services, job_id)
            bar.update(done + failed - shown)
            shown = done + failed
            if ended:
                return


def run_with_progress(services: Services, job_id: int, label: str) -> Job:
    """Run a queued job here to its end while drawing its progress; print its problems."""
    finished = threading.Event()
    watcher = threading.Thread(target=_watch, args=(services, job_id, label, finished), daemon=True)
    watcher.start()
    try:
        run_job(
            services.job_context,
            services.registry,
            job_id,
            stale_after=timedelta(seconds=services.settings.job_stale_after_s),
        )
    finally:
        finished.set()
        watcher.join()
    with session_scope(services.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None
        problems = session.execute(
            select(JobItem.status, JobItem.name, JobItem.error)
            .where(JobItem.job_id == job_id, JobItem.status.in_(["failed", "skipped"]))
            .order_by(JobItem.position)
        ).all()
        session.expunge(job)
    for status, name, error in problems:
        color = typer.colors.RED if status == "failed" else typer.colors.YELLOW
        typer.secho(f"{status}: {name}: {error}", err=True, fg=color)
    return job
