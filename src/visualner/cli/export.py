"""``visualner export``: write a project's export to a file, with a progress bar.

Runs in this process against the database (like ``visualner import``), so it needs no server.
Page images are referred to by their files in the blob store (this machine's paths), which is
what training code on the same machine wants; use the API export for URLs, or
``--inline-images`` for a zip that carries the images themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from visualner.cli.common import ProjectRef, fail, find_project, open_services, reports_errors
from visualner.db import session_scope
from visualner.exports.bundle import check_images_option, export_with_images_to_file
from visualner.exports.options import AnnotationFilter, ExportOptions
from visualner.exports.service import blob_path_image_ref, export_to_file
from visualner.formats.registry import FORMATS_BY_NAME
from visualner.tasks.models import TaskStatus


@reports_errors
def export_project(
    project: ProjectRef,
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS_BY_NAME)}.")
    ] = "json",
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")] = Path(
        "export.out"
    ),
    only: Annotated[
        str,
        typer.Option(
            help="ground_truth (default: each task's accepted or picked annotation, else "
            "its submitted ones), submitted, reviewed (accepted) or all (drafts too)."
        ),
    ] = "ground_truth",
    predictions: Annotated[
        bool, typer.Option("--predictions", help="Also export model predictions.")
    ] = False,
    status: Annotated[
        str | None, typer.Option(help="Only tasks with this status (new, submitted…).")
    ] = None,
    inline_images: Annotated[
        bool,
        typer.Option(
            "--inline-images",
            help="Write a zip with the page images, referred to by their paths in it "
            "(coco, funsd, layoutlm, voc).",
        ),
    ] = False,
) -> None:
    """Export a project to a file in one of the export formats."""
    if format not in FORMATS_BY_NAME:
        fail(f"unknown format {format!r}; choose one of {', '.join(FORMATS_BY_NAME)}")
    if only not in AnnotationFilter.__args__:  # type: ignore[attr-defined]
        fail("--only must be ground_truth, submitted, reviewed or all")
    if status is not None and status not in {s.value for s in TaskStatus}:
        fail(f"--status must be one of {', '.join(s.value for s in TaskStatus)}")
    services = open_services()
    options = ExportOptions(
        format=format,
        only=only,
        predictions=predictions,
        status=TaskStatus(status) if status else None,
        images=inline_images,
    )
    check_images_option(options)
    with session_scope(services.database.read) as session:
        project_id = find_project(session, project).id
    try:
        with typer.progressbar(length=1, label=f"exporting {format}", file=None) as bar:
            shown = 0

            def progress(done: int, total: int) -> None:
                nonlocal shown
                bar.length = max(total, 1)
                bar.update(done - shown)
                shown = done

            if inline_images:
                size = export_with_images_to_file(
                    services.database,
                    services.settings,
                    services.blobs,
                    project_id=project_id,
                    options=options,
                    destination=output,
                    on_progress=progress,
                )
            else:
                size = export_to_file(
                    services.database,
                    project_id=project_id,
                    options=options,
                    image_ref=blob_path_image_ref(services.blobs),
                    destination=output,
                    on_progress=progress,
                ).size
    finally:
        services.database.dispose()
    with_images = " with page images" if inline_images else ""
    typer.echo(f"wrote {output} ({size:,} bytes, {shown} tasks, format {format}{with_images})")
