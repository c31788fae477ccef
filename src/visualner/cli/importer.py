"""``visualner import``: import local files into a project, with a progress bar.

The import runs in this process (the same job a server would run), so it needs no server;
a running server shows its progress live, and takes it over if this command is killed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from visualner.auth.models import User
from visualner.cli.common import ProjectRef, fail, find_project, open_services, reports_errors
from visualner.cli.job_progress import run_with_progress
from visualner.db import session_scope
from visualner.imports.options import ImportOptions
from visualner.imports.service import create_import_job, stage_local_files
from visualner.imports.uploads import new_staging


@reports_errors
def import_files(
    project: ProjectRef,
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
    services = open_services()
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
                settings=services.settings,
                project=target,
                user=user,
                staging=staging,
                files=files,
                options=options,
            ).id
    job = run_with_progress(services, job_id, "importing")
    total, done, failed, status = job.total, job.done, job.failed, job.status
    typer.echo(f"job {job_id} {status}: {done} imported or skipped, {failed} failed, of {total}")
    services.database.dispose()
    if status != "succeeded" or (failed and not done):
        raise typer.Exit(1)
