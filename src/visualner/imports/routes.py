"""``POST /api/projects/{id}/import``: files (multipart) or a JSON task list → a job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Request, status
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from visualner.db import session_scope
from visualner.deps import CurrentUser, IdPath, ServicesDep
from visualner.errors import InvalidInput, TooLarge
from visualner.imports.json.array_split import first_significant_byte, iter_array_elements
from visualner.imports.json.split_ahead import ListSplitter, read_split
from visualner.imports.options import ImportOptions
from visualner.imports.service import create_import_job
from visualner.imports.uploads import StagedFile, new_staging, receive_multipart
from visualner.jobs.models import Job
from visualner.jobs.service import start_job
from visualner.projects.access import Capability, project_access

router = APIRouter(prefix="/api", tags=["import"])


def _options_from(raw: str | None) -> ImportOptions:
    if not raw:
        return ImportOptions()
    try:
        return ImportOptions.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"options.{where}: {first.get('msg')}", field="options") from exc


@router.post("/projects/{project_id}/import", status_code=status.HTTP_202_ACCEPTED)
async def import_documents(
    project_id: IdPath, request: Request, user: CurrentUser, services: ServicesDep
) -> dict[str, Any]:
    """Import documents (managers). Send ``multipart/form-data`` with one or more ``files``
    (PNG, JPEG, TIFF, BMP, WebP, PDF, ZIP of these, or JSON task lists) and an optional
    ``options`` field (JSON: ``ocr``, ``ocr_servers``, ``text_layer``, ``pdf_dpi``,
    ``skip_duplicates``), or an ``application/json`` task list (options in ``?options=``).
    Answers ``{"job_id"}`` at once; follow the job at ``/api/jobs/{id}``."""
    settings = services.settings

    def check_access() -> None:
        with session_scope(services.database.read) as session:
            project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)

    await run_in_threadpool(check_access)
    content_type = request.headers.get("content-type", "")
    with new_staging(services.blobs) as staging:
        if content_type.startswith("multipart/form-data"):
            upload = await receive_multipart(
                content_type,
                request.stream(),
                staging,
                max_file_bytes=settings.max_upload_mb * 2**20,
                max_total_bytes=settings.max_request_mb * 2**20,
            )
            files, options = upload.files, _options_from(upload.fields.get("options"))
        elif content_type.startswith("application/json"):
            files = await _receive_json_body(request, staging, settings.max_upload_mb * 2**20)
            await run_in_threadpool(_check_json_file, files[0].path)
            options = _options_from(request.query_params.get("options"))
        else:
            raise InvalidInput(
                "send multipart/form-data with 'files', or an application/json task list"
            )

        def create(session: Session) -> Job:
            access = project_access(
                session, user=user, project_id=project_id, capability=Capability.MANAGE
            )
            return create_import_job(
                session,
                settings=settings,
                project=access.project,
                user=user,
                staging=staging,
                files=files,
                options=options,
            )

        await run_in_threadpool(services.blobs.publish_staging, staging, keep_local=False)
        job_id = await run_in_threadpool(start_job, services.queue, create)
    return {"job_id": job_id}


async def _receive_json_body(request: Request, staging: Path, limit: int) -> list[StagedFile]:
    """Stream a JSON body to a staging file under the upload cap (a task list of a few GB
    is never held in memory)."""
    target = staging / "00000"
    size = 0
    splitter = ListSplitter(target)
    complete = False
    try:
        with target.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise TooLarge(
                        f"the JSON body is larger than the {limit // 2**20} MB upload cap"
                    )
                out.write(chunk)
                splitter.wrote(chunk, out)
        complete = True
    finally:
        splitter.close(complete=complete)
        await splitter.wait()
    return [StagedFile(target, "tasks.json", size)]


def _check_json_file(path: Path) -> None:
    """Refuse a body that is not JSON before a job exists: a list is checked for its
    structure, streaming (each task is parsed by the job, its errors reported per task);
    anything else is small and parsed whole."""
    tasks = 1
    try:
        if first_significant_byte(path) == b"[":
            split = read_split(path)  # split while it uploaded: it is one array
            tasks = len(split) if split is not None else sum(1 for _ in iter_array_elements(path))
        else:
            orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from exc
    except InvalidInput as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc.message}") from exc
    if not tasks:
        raise InvalidInput("the body is an empty list: no tasks to import")
