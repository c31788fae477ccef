"""``visualner model train|evaluate|list`` and ``visualner preannotate``.

Jobs run in this process (the same jobs a server runs), with a progress bar drawn from the
job's persisted counters, so they need no running server.
"""

from __future__ import annotations

from typing import Annotated

import typer

from visualner.cli.common import ProjectRef, fail, find_project, open_services, reports_errors
from visualner.cli.job_progress import run_with_progress
from visualner.db import session_scope
from visualner.model.artifact import load_model
from visualner.model.metrics import EntityReport
from visualner.model.tagger import evaluate
from visualner.preannotation import service
from visualner.preannotation.examples import collect_examples
from visualner.projects.config import parse_label_config

model_app = typer.Typer(help="Train and evaluate a project's pre-annotation model.")


def print_report(report: EntityReport, *, pages: int) -> None:
    typer.echo(f"{'label':16s} {'P':>6s} {'R':>6s} {'F1':>6s} {'gold':>6s} {'pred':>6s}")
    rows = [*report.per_label.items(), ("micro", report.micro)]
    for label, score in rows:
        typer.echo(
            f"{label:16s} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f}"
            f" {score.support:6d} {score.predicted:6d}"
        )
    typer.echo(f"({pages} held-out pages)")


@model_app.command("train")
@reports_errors
def train_command(
    project: ProjectRef,
) -> None:
    """Train a new model version on the project's submitted annotations; it becomes active."""
    services = open_services()
    with session_scope(services.database.write) as session:
        target = find_project(session, project)
        job_id = service.create_train_job(session, project=target, user=None, reason="cli").id
    job = run_with_progress(services, job_id, "training")
    services.database.dispose()
    if job.status != "succeeded":
        fail(f"training failed: {job.error}")
    micro = job.result["micro"]
    typer.echo(
        f"model version {job.result['version']} is active: held-out micro F1 {micro['f1']:.3f} "
        f"(P {micro['precision']:.3f}, R {micro['recall']:.3f})"
    )


@model_app.command("evaluate")
@reports_errors
def evaluate_command(
    project: ProjectRef,
) -> None:
    """Print per-label precision, recall and F1 of the active model on the held-out tasks."""
    services = open_services()
    with session_scope(services.database.read) as session:
        target = find_project(session, project)
        version = service.active_version(session, project_id=target.id)
        if version is None:
            fail(f"project {target.id} has no active model; run `visualner model train` first")
        examples = collect_examples(
            session,
            project_id=target.id,
            config=parse_label_config(target.label_config),
            blobs=services.blobs,
        )
        sha256, number = version.artifact_sha256, version.version
    model = load_model(services.blobs.read_bytes(sha256))
    report = evaluate(model, examples.held_out_pages)
    typer.echo(
        f"{service.MODEL_NAME}@{number} on {len(examples.held_out)} held-out tasks "
        f"({report.predict_ms_per_page:.1f} ms/page):"
    )
    print_report(report.entities, pages=report.pages)
    services.database.dispose()


@model_app.command("list")
@reports_errors
def list_command(
    project: ProjectRef,
) -> None:
    """List the project's model versions with their held-out micro F1."""
    services = open_services()
    with session_scope(services.database.read) as session:
        target = find_project(session, project)
        versions = service.list_versions(session, project_id=target.id)
        if not versions:
            typer.echo("no model versions yet")
        for version in versions:
            micro = version.scores.get("micro", {})
            typer.echo(
                f"{'*' if version.is_active else ' '} {service.origin_of(version):20s} "
                f"{version.created_at:%Y-%m-%d %H:%M}  F1 {micro.get('f1', 0):.3f}  "
                f"{version.train_tasks} train / {version.held_out_tasks} held-out tasks  "
                f"labels {', '.join(version.labels)}"
            )
    services.database.dispose()


def _task_ids(raw: str | None) -> list[int] | None:
    if not raw:
        return None
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        fail(f"--tasks must be task ids separated by commas, not {raw!r}")


@reports_errors
def preannotate_command(
    project: ProjectRef,
    tasks: Annotated[
        str | None, typer.Option("--tasks", help="Task ids, e.g. 1,2,3 (default: unannotated).")
    ] = None,
    ocr_server: Annotated[
        str | None, typer.Option("--ocr-server", help="OCR server that runs the model.")
    ] = None,
) -> None:
    """Pre-annotate tasks with the project's active model, with a progress bar."""
    services = open_services()
    with session_scope(services.database.write) as session:
        target = find_project(session, project)
        job_id = service.create_preannotate_job(
            session, project=target, user=None, task_ids=_task_ids(tasks), ocr_server=ocr_server
        ).id
    job = run_with_progress(services, job_id, "pre-annotating")
    services.database.dispose()
    if job.status != "succeeded":
        fail(f"pre-annotation failed: {job.error}")
    typer.echo(
        f"job {job_id}: {job.result['tasks_predicted']} tasks pre-annotated with "
        f"{service.MODEL_NAME}@{job.result['model_version']}, {job.result['regions']} regions, "
        f"{job.failed} failed"
    )
    if job.failed and not job.result["tasks_predicted"]:
        raise typer.Exit(1)
