"""``visualner storage``: a project's cloud storages from the command line (add, list, sync).

The commands run as the installation's operator (no project role needed); a sync runs in
this process with a progress bar, the same job a server would run.
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from visualner.cli.common import ProjectRef, fail, find_project, open_services, reports_errors
from visualner.cli.job_progress import run_with_progress
from visualner.db import session_scope
from visualner.imports.options import ImportOptions
from visualner.storages.schemas import StorageCreate
from visualner.storages.service import (
    create_storage,
    create_sync_job,
    list_storages,
    storage_json,
)

storage_app = typer.Typer(help="Cloud storages of a project (S3 buckets).", no_args_is_help=True)


@storage_app.command("add")
@reports_errors
def storage_add(
    project: ProjectRef,
    bucket: Annotated[str, typer.Option(help="Bucket name.")],
    role: Annotated[str, typer.Option(help="source (import from) or target (write to).")] = (
        "source"
    ),
    prefix: Annotated[str, typer.Option(help="Folder in the bucket.")] = "",
    glob: Annotated[str, typer.Option(help="Sources: only keys matching, e.g. *.pdf.")] = "",
    endpoint: Annotated[str, typer.Option(help="S3 endpoint URL; empty: AWS.")] = "",
    region: Annotated[str, typer.Option(help="Region.")] = "us-east-1",
    access_key_id: Annotated[str, typer.Option(help="Access key; empty: anonymous.")] = "",
    secret_access_key: Annotated[
        str, typer.Option(help="Secret key (asked for, hidden, when an access key is given).")
    ] = "",
    every: Annotated[int, typer.Option(help="Sources: sync every N minutes (0: on demand).")] = 0,
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Sources: do not OCR pages.")] = False,
    export_format: Annotated[str, typer.Option("--format", help="Targets: export format.")] = (
        "json"
    ),
) -> None:
    """Add a source or target storage to a project; prints its id."""
    if access_key_id and not secret_access_key:
        secret_access_key = typer.prompt("secret access key", hide_input=True)
    try:
        body = StorageCreate.model_validate(
            {
                "role": role,
                "bucket": bucket,
                "prefix": prefix,
                "glob": glob,
                "endpoint_url": endpoint,
                "region": region,
                "access_key_id": access_key_id or None,
                "secret_access_key": secret_access_key or None,
                "sync_every_minutes": every,
                "import_options": ImportOptions(ocr=False if no_ocr else None),
                "export_format": export_format,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    services = open_services()
    with session_scope(services.database.write) as session:
        target = find_project(session, project)
        storage = create_storage(
            session, settings=services.settings, user=None, project_id=target.id, body=body
        )
        typer.echo(storage.id)
    services.database.dispose()


@storage_app.command("list")
@reports_errors
def storage_list(
    project: ProjectRef,
) -> None:
    """List a project's storages: id, role, s3://bucket/prefix, endpoint, objects imported."""
    services = open_services()
    with session_scope(services.database.read) as session:
        target = find_project(session, project)
        for storage in list_storages(session, user=None, project_id=target.id):
            shown = storage_json(session, storage)
            where = f"s3://{storage.bucket}/{storage.prefix}".rstrip("/")
            typer.echo(
                f"{storage.id}\t{storage.role}\t{where}\t{storage.endpoint_url or 'aws'}\t"
                f"{shown['objects_imported']} imported"
            )
    services.database.dispose()


@storage_app.command("sync")
@reports_errors
def storage_sync(
    project: ProjectRef,
    storage_id: Annotated[int, typer.Argument(help="Storage id (see `storage list`).")],
) -> None:
    """Sync a source storage now: import new and changed objects, report deleted ones."""
    services = open_services()
    with session_scope(services.database.write) as session:
        target = find_project(session, project)
        job_id = create_sync_job(
            session,
            settings=services.settings,
            user=None,
            project_id=target.id,
            storage_id=storage_id,
        ).id
    job = run_with_progress(services, job_id, "syncing")
    result = job.result or {}
    typer.echo(
        f"job {job_id} {job.status}: {result.get('tasks_created', 0)} tasks created; objects: "
        f"{result.get('objects_new', 0)} new, {len(result.get('objects_changed', []))} changed, "
        f"{result.get('objects_unchanged', 0)} unchanged, "
        f"{len(result.get('objects_deleted', []))} deleted, "
        f"{result.get('objects_remaining', 0)} left for the next sync"
    )
    if job.error:
        typer.secho(job.error, err=True, fg=typer.colors.RED)
    services.database.dispose()
    if job.status != "succeeded":
        raise typer.Exit(1)
