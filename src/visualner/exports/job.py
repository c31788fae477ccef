"""The ``export`` job: a big export made in the background, kept in the blob store.

It is one item (an export is one file); when it succeeds the job's result names the blob,
and ``GET /api/jobs/{id}/download`` sends it. Exports are content-addressed like page images,
so exporting an unchanged project twice stores the file once. With ``target_storage_id`` the
file is also written to that target storage's bucket (``storages.targets.write_file``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.exports.bundle import export_with_images_to_file
from visualner.exports.options import ExportOptions
from visualner.exports.service import export_filename, scratch_export, url_image_ref
from visualner.formats.registry import export_format
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import ItemOutcome, PlannedItem
from visualner.jobs.models import Job, JobItem
from visualner.jobs.service import create_job
from visualner.projects.models import Project
from visualner.storages.targets import write_file

KIND = "export"


def create_export_job(
    session: Session, *, project: Project, user: User | None, options: ExportOptions, base_url: str
) -> Job:
    """A queued export, for ``jobs.service.start_job`` to commit and enqueue."""
    export = export_format(options.format)
    return create_job(
        session,
        kind=KIND,
        user=user,
        project_id=project.id,
        params={
            "options": options.model_dump(mode="json"),
            "base_url": base_url,
            "filename": export_filename(project, export, images=options.images),
        },
    )


class ExportJob:
    kind = KIND

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        return [PlannedItem(job.params["filename"], {})]

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        options = ExportOptions.model_validate(job.params["options"])
        assert job.project_id is not None
        with self._exported(ctx, job, options) as (path, size, media_type):
            sha256 = ctx.blobs.put_file(path)
            storage_key = (
                write_file(
                    ctx.settings,
                    ctx.database,
                    project_id=job.project_id,
                    storage_id=options.target_storage_id,
                    key=job.params["filename"],
                    path=path,
                    media_type=media_type,
                )
                if options.target_storage_id is not None
                else None
            )
        stored: dict[str, Any] = {
            "sha256": sha256,
            "size": size,
            "filename": job.params["filename"],
            "media_type": media_type,
        }
        if storage_key is not None:
            stored["storage_key"] = storage_key
        return ItemOutcome(apply=lambda _session: stored)

    @contextmanager
    def _exported(
        self, ctx: JobContext, job: Job, options: ExportOptions
    ) -> Iterator[tuple[Path, int, str]]:
        """The export file in the scratch space (path, size, media type) for the block."""
        assert job.project_id is not None
        if options.images:
            ctx.settings.scratch_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=ctx.settings.scratch_dir) as folder:
                path = Path(folder) / "export.zip"
                size = export_with_images_to_file(
                    ctx.database,
                    ctx.settings,
                    ctx.blobs,
                    project_id=job.project_id,
                    options=options,
                    destination=path,
                )
                yield path, size, "application/zip"
            return
        with scratch_export(
            ctx.database,
            ctx.settings,
            project_id=job.project_id,
            options=options,
            image_ref=url_image_ref(job.params.get("base_url", "")),
        ) as exported:
            yield exported.path, exported.size, exported.format.media_type

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        result = session.scalar(
            select(JobItem.result).where(JobItem.job_id == job.id, JobItem.status == "done")
        )
        if not result:
            return {}
        return {**result, "download_url": f"/api/jobs/{job.id}/download"}
