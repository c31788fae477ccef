"""``visualner import``: import local files into a project, with a progress bar.

The import runs in this process (the same job a server would run), so it needs no server;
a running server shows its progress live, and takes it over if this command is killed.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.cli.common import fail, load_settings, reports_errors
from visualner.db import session_scope
from visualner.imports.options import ImportOptions
from visualner.imports.service import create_import_job, stage_local_files
from visualner.imports.uploads import new_staging
from visualner.jobs.models import Job, JobItem
from visualner.jobs.runner import run_job
from visualner.migrate import upgrade_database
from visualner.projects.models import Project
from visualner.runtime import Services, build_services


def find_project(session: Session, ref: str) -> Project:
    """A project by id or exact title."""
    column = Project.id if ref.isdigit() else Project.title
    projects = list(
        session.scalars(select(Project).where(column == (int(ref) if ref.isdigit() else ref)))
    )
    if not projects:
        fail(f"no project {ref!r} (give its id or exact title)")
    if len(projects) > 1:
        fail(f"several projects are titled {ref!r}; give the id")
    return projects[0]


def _job_counts(services: Services, job_id: int) -> tuple[int, int, int, str]:
    with session_scope(services.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.total, job.done, job.failed, job.status


def _watch(services: Services, job_id: int, finished: threading.Event) -> None:
    """Draw a progress bar from the job's persisted counters until it ends."""
    shown = 0
    total = 0
    while not total and not finished.wait(0.2):
        total = _job_counts(services, job_id)[0]
    total = total or _job_counts(services, job_id)[0]
    with typer.progressbar(length=max(total, 1), label="importing", file=None) as bar:
        while True:
            ended = finished.wait(0.3)
            _, done, failed, _ = _job_counts(services, job_id)
            bar.update(done + failed - shown)
            shown = done + failed
            if ended:
                return


@reports_errors
def import_files(
    project: Annotated[str, typer.Argument(help="Project id or exact title.")],
    paths: Annotated[list[Path], typer.Argument(help="Images, PDFs, ZIPs or JSON task lists.")],
    ocr_server: Annotated[
        list[str] | None, typer.Option("--ocr-server", help="OCR server name (repeatable).")
    ] = None,
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Do not OCR pages.")] = False,
    ignore_text_layer: Annotated[
        bool, typer.Option("--ignore-text-layer", help="OCR PDF pages even with text.")
    ] = False,
    skip_duplicates: Annotated[
        bool, typer.Option("--skip-duplicates", help="Skip files already in the project.")
    ] = False,
    dpi: Annotated[int | None, typer.Option(help="PDF render resolution.")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Importing user.")] = None,
) -> None:
    """Import documents into a project; prints one line per file that failed."""
    settings = load_settings()
    upgrade_database(settings.effective_database_url)
    services = build_services(settings)
    options = ImportOptions(
        ocr=False if no_ocr else None,
        ocr_servers=ocr_server or [],
        text_layer="ignore" if ignore_text_layer else "auto",
        pdf_dpi=dpi,
        skip_duplicates=True if skip_duplicates else None,
    )
    with new_staging(services.blobs) as staging:
        files = stage_local_files(staging, paths)
        services.blobs.publish_staging(staging, keep_local=False)
        with session_scope(services.database.write) as session:
            target = find_project(session, project)
            user = session.scalar(select(User).where(User.username == as_user)) if as_user else None
            if as_user and user is None:
                fail(f"no user named {as_user!r}")
            job_id = create_import_job(
                session,
                settings=settings,
                project=target,
                user=user,
                staging=staging,
                files=files,
                options=options,
            ).id
    finished = threading.Event()
    watcher = threading.Thread(target=_watch, args=(services, job_id, finished), daemon=True)
    watcher.start()
    run_job(
        services.job_context,
        services.registry,
        job_id,
        stale_after=timedelta(seconds=settings.job_stale_after_s),
    )
    finished.set()
    watcher.join()
    total, done, failed, status = _job_counts(services, job_id)
    with session_scope(services.database.read) as session:
        problems = list(
            session.scalars(
                select(JobItem).where(
                    JobItem.job_id == job_id, JobItem.status.in_(["failed", "skipped"])
                )
            )
        )
    for item in problems:
        typer.secho(
            f"{item.status}: {item.name}: {item.error}",
            err=True,
            fg=typer.colors.RED if item.status == "failed" else typer.colors.YELLOW,
        )
    typer.echo(f"job {job_id} {status}: {done} imported or skipped, {failed} failed, of {total}")
    services.database.dispose()
    if status != "succeeded" or (failed and not done):
        raise typer.Exit(1)
