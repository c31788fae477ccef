"""Exports: streamed downloads, background export jobs, and the list of formats."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from visualner.blob_responses import blob_response
from visualner.deps import CurrentUser, IdPath, ServicesDep, SessionDep
from visualner.errors import Conflict, InvalidInput, NotFound
from visualner.exports.bundle import check_images_option, stream_export_with_images
from visualner.exports.job import KIND, create_export_job
from visualner.exports.options import AnnotationFilter, ExportOptions
from visualner.exports.service import (
    check_selection,
    export_filename,
    stream_export,
    url_image_ref,
)
from visualner.formats.registry import EXPORT_FORMATS, export_format
from visualner.jobs.models import Job, JobStatus
from visualner.jobs.service import start_job, visible_job
from visualner.projects.access import Capability, project_access
from visualner.storages.service import export_target

router = APIRouter(prefix="/api", tags=["export"])


def _options(
    format: str,
    only: str,
    predictions: bool,
    task_status: str | None,
    query: str | None = None,
    task_ids: list[int] | None = None,
    images: bool = False,
) -> ExportOptions:
    try:
        options = ExportOptions(
            format=format,
            only=only,
            predictions=predictions,
            status=task_status or None,
            query=query,
            task_ids=task_ids,
            images=images,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"{where}: {first.get('msg')}", field=where) from exc
    export_format(options.format)
    check_images_option(options)
    return options


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/export-formats")
def list_export_formats(user: CurrentUser) -> list[dict[str, object]]:
    """The export formats: name, one-line description, media type and file extension."""
    return [f.to_json() for f in EXPORT_FORMATS]


@router.get("/projects/{project_id}/export")
def export_project(
    project_id: IdPath,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    format: str = Query("json", description="a name from /api/export-formats"),
    only: AnnotationFilter = Query(
        "ground_truth", description="ground_truth (default), submitted, reviewed or all"
    ),
    predictions: bool = Query(False, description="also export predictions"),
    task_status: str | None = Query(None, alias="status", description="only tasks in it"),
    q: str | None = Query(None, description="only tasks matching this search query"),
    task_ids: list[int] | None = Query(None, description="only these tasks", max_length=10_000),
    images: bool = Query(False, description="a zip with the page images (coco, funsd, …)"),
) -> StreamingResponse:
    """Download a project's export (managers and reviewers), streamed as it is written:
    ``format`` one of ``/api/export-formats``; ``only`` = ``submitted`` (default),
    ``reviewed`` (accepted by a reviewer) or ``all`` (drafts too); ``predictions=true`` adds
    predictions; ``status`` keeps tasks of that status, ``q`` those matching a search query,
    ``task_ids`` the tasks listed; ``images=true`` (coco, funsd, layoutlm, voc) answers a zip
    of the export and its page images, referred to by their paths in it."""
    options = _options(format, only, predictions, task_status, q, task_ids, images)
    access = project_access(session, user=user, project_id=project_id, capability=Capability.REVIEW)
    check_selection(session, project=access.project, options=options)
    export = export_format(options.format)
    filename = export_filename(access.project, export, images=options.images)
    chunks = (
        stream_export_with_images(
            services.database,
            services.settings,
            services.blobs,
            project_id=project_id,
            options=options,
        )
        if options.images
        else stream_export(
            services.database,
            project_id=project_id,
            options=options,
            image_ref=url_image_ref(_base_url(request)),
        )
    )
    return StreamingResponse(
        chunks,
        media_type="application/zip" if options.images else export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/projects/{project_id}/exports", status_code=status.HTTP_202_ACCEPTED)
def start_export_job(
    project_id: IdPath,
    body: ExportOptions,
    request: Request,
    user: CurrentUser,
    services: ServicesDep,
) -> dict[str, Any]:
    """Export in the background (managers and reviewers), for very big projects. The body
    takes the options of ``GET …/export`` (``format``, ``only``, ``predictions``, ``status``,
    ``query``, ``task_ids``, ``images``) and ``target_storage_id`` (managers: also write the
    file to that target storage);
    answers ``{"job_id"}``; when the job has succeeded, ``GET /api/jobs/{id}/download``."""
    export_format(body.format)
    check_images_option(body)
    base_url = _base_url(request)

    def create(session: Session) -> Job:
        access = project_access(
            session, user=user, project_id=project_id, capability=Capability.REVIEW
        )
        check_selection(session, project=access.project, options=body)
        if body.target_storage_id is not None:
            export_target(
                session, user=user, project_id=project_id, storage_id=body.target_storage_id
            )
        return create_export_job(
            session, project=access.project, user=user, options=body, base_url=base_url
        )

    return {"job_id": start_job(services.queue, create)}


@router.get("/jobs/{job_id}/download")
def download_export(
    job_id: IdPath, request: Request, user: CurrentUser, session: SessionDep, services: ServicesDep
) -> Response:
    """The file an export job made (managers and reviewers of its project)."""
    job = visible_job(session, user=user, job_id=job_id)
    if job.kind != KIND or job.project_id is None:
        raise NotFound(f"job {job_id} is not an export")
    project_access(session, user=user, project_id=job.project_id, capability=Capability.REVIEW)
    if job.status != JobStatus.SUCCEEDED.value or not job.result.get("sha256"):
        raise Conflict(f"export job {job_id} is {job.status}; download it once it has succeeded")
    return blob_response(
        request,
        blobs=services.blobs,
        settings=services.settings,
        sha256=job.result["sha256"],
        media_type=job.result.get("media_type"),
        filename=job.result.get("filename"),
        missing=f"the file of export job {job_id} is missing",
        cache_control="private, no-cache",
    )
