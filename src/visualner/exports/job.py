"""The ``export`` job: a big export made in the background, kept in the blob store.

It is one item (an export is one file); when it succeeds the job's result names the blob,
and ``GET /api/jobs/{id}/download`` sends it. Exports are content-addressed like page images,
so exporting an unchanged project twice stores the file once. With ``target_storage_id`` the
file is also written to that target storage's bucket (``storages.targets.write_file``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
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
            "filename": export_filename(project, export),
        },
    )


class ExportJob:
    kind = KIND

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        return [PlannedItem(job.params["filename"], {})]

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        options = ExportOptions.model_validate(job.params["options"])
        assert job.project_id is not None
        with scratch_export(
            ctx.database,
            ctx.settings,
            project_id=job.project_id,
            options=options,
            image_ref=url_image_ref(job.params.get("base_url", "")),
        ) as exported:
            sha256 = ctx.blobs.put_file(exported.path)
            storage_key = (
                write_file(
                    ctx.settings,
                    ctx.database,
                    project_id=job.project_id,
                    storage_id=options.target_storage_id,
                    key=job.params["filename"],
                    path=exported.path,
                )
                if options.target_storage_id is not None
                else None
            )
        stored: dict[str, Any] = {
            "sha256": sha256,
            "size": exported.size,
            "filename": job.params["filename"],
            "media_type": exported.format.media_type,
        }
        if storage_key is not None:
            stored["storage_key"] = storage_key
        return ItemOutcome(apply=lambda _session: stored)

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        result = session.scalar(
            select(JobItem.result).where(JobItem.job_id == job.id, JobItem.status == "done")
        )
        if not result:
            return {}
        return {**result, "download_url": f"/api/jobs/{job.id}/download"}
