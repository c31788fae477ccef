"""Model versions, training, pre-annotation and artifact download (thin: authorize, call)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from visualner.blob_responses import blob_response
from visualner.deps import CurrentUser, IdPath, ServicesDep, SessionDep
from visualner.errors import InvalidInput
from visualner.jobs.models import Job
from visualner.jobs.schemas import JobStarted
from visualner.jobs.service import start_job
from visualner.preannotation import service
from visualner.preannotation.models import ModelVersion
from visualner.preannotation.schemas import (
    ModelList,
    ModelVersionOut,
    PreannotateIn,
)
from visualner.preannotation.serving import check_sha256
from visualner.projects.access import Capability, project_access
from visualner.projects.config import parse_label_config
from visualner.tasks.selection import TaskSelection, selected_task_ids

router = APIRouter(prefix="/api", tags=["models"])


def version_out(version: ModelVersion) -> ModelVersionOut:
    return ModelVersionOut(
        version=version.version,
        name=service.origin_of(version),
        is_active=version.is_active,
        labels=version.labels,
        scores=version.scores,
        train_tasks=version.train_tasks,
        train_pages=version.train_pages,
        held_out_tasks=version.held_out_tasks,
        submitted_tasks=version.submitted_tasks,
        train_seconds=version.train_seconds,
        features_version=version.features_version,
        artifact_sha256=version.artifact_sha256,
        training_hash=version.training_hash,
        job_id=version.job_id,
        created_at=version.created_at,
    )


@router.get("/projects/{project_id}/models", response_model=ModelList)
def list_models(project_id: IdPath, user: CurrentUser, session: SessionDep) -> ModelList:
    """The project's model versions, newest first, with held-out per-label scores."""
    access = project_access(session, user=user, project_id=project_id)
    config = parse_label_config(access.project.label_config)
    versions = service.list_versions(session, project_id=project_id)
    return ModelList(
        items=[version_out(v) for v in versions],
        settings=service.model_settings(access.project),
        missing_labels={
            v.version: missing for v in versions if (missing := service.missing_labels(v, config))
        },
    )


@router.post(
    "/projects/{project_id}/models/train",
    response_model=JobStarted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def train_model(project_id: IdPath, user: CurrentUser, services: ServicesDep) -> JobStarted:
    """Train a new model version on the submitted annotations (managers); follow the job at
    ``/api/jobs/{id}``. The new version becomes the active one."""

    def create(session: Session) -> Job:
        access = project_access(
            session, user=user, project_id=project_id, capability=Capability.MANAGE
        )
        return service.create_train_job(session, project=access.project, user=user)

    return JobStarted(job_id=await run_in_threadpool(start_job, services.queue, create))


@router.post("/projects/{project_id}/models/{version}/activate", response_model=ModelVersionOut)
def activate_model(
    project_id: IdPath, version: IdPath, user: CurrentUser, session: SessionDep
) -> ModelVersionOut:
    """Make a model version the one pre-annotation uses (managers)."""
    access = project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    return version_out(service.activate_version(session, project=access.project, version=version))


@router.post(
    "/projects/{project_id}/preannotate",
    response_model=JobStarted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def preannotate(
    project_id: IdPath, body: PreannotateIn, user: CurrentUser, services: ServicesDep
) -> JobStarted:
    """Pre-annotate ``task_ids`` or the tasks matching ``query`` (default: every task without
    annotations) with the active model, on ``ocr_server`` (default: in this app) (managers).
    A model whose labels the labeling config lacks is refused with 400."""

    def create(session: Session) -> Job:
        access = project_access(
            session, user=user, project_id=project_id, capability=Capability.MANAGE
        )
        task_ids = body.task_ids
        if body.query is not None:
            selection = TaskSelection(query=body.query)
            found = selected_task_ids(session, project=access.project, selection=selection)
            task_ids = list(session.scalars(found))
            if not task_ids:
                raise InvalidInput("no task matches the query", field="query")
        return service.create_preannotate_job(
            session,
            project=access.project,
            user=user,
            task_ids=task_ids,
            ocr_server=body.ocr_server,
            version=body.model_version,
        )

    return JobStarted(job_id=await run_in_threadpool(start_job, services.queue, create))


@router.get("/models/{sha256}/artifact")
def download_artifact(
    sha256: str, request: Request, user: CurrentUser, session: SessionDep, services: ServicesDep
) -> Response:
    """A model file by its sha256, for OCR servers that run pre-annotation (admins, or
    members of the model's project)."""
    version = service.version_for_artifact(session, user=user, sha256=check_sha256(sha256))
    return blob_response(
        request,
        blobs=services.blobs,
        settings=services.settings,
        sha256=version.artifact_sha256,
        media_type="application/zip",
        filename=f"{service.MODEL_NAME}-{version.version}.zip",
        missing=f"the file of model {sha256[:12]}… is missing from the blob store",
    )
