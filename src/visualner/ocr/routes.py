"""OCR server registry (admins) and re-running OCR on a task."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from visualner.db import session_scope
from visualner.deps import AdminUser, CurrentUser, IdPath, IndexPath, ServicesDep, SessionDep
from visualner.errors import NotFound
from visualner.jobs.models import Job
from visualner.jobs.service import start_job
from visualner.ocr.region import RegionPlan, apply_region_ocr, plan_region_ocr, read_region
from visualner.ocr.rerun import create_ocr_job
from visualner.ocr.servers import store
from visualner.ocr.servers.models import OcrServer
from visualner.ocr.servers.schemas import (
    OcrRunIn,
    OcrServerAdded,
    OcrServerIn,
    OcrServerOut,
    RegionOcrIn,
    RegionOcrOut,
)
from visualner.projects.access import Capability, project_access
from visualner.tasks.service import get_task

router = APIRouter(prefix="/api", tags=["ocr"])


def _out(server: OcrServer, *, admin: bool) -> OcrServerOut:
    return OcrServerOut(
        id=server.id,
        name=server.name,
        url=(server.url or "(in process)") if admin else None,
        is_builtin=server.is_builtin,
        is_default=server.is_default,
        created_at=server.created_at,
        health=server.health,
        engine=server.engine,
        can_preannotate=server.is_builtin or server.can_preannotate,
        checked_at=server.checked_at,
        error=(server.health_error or None) if admin else None,
    )


@router.get("/ocr-servers", response_model=list[OcrServerOut])
def list_ocr_servers(user: CurrentUser, session: SessionDep) -> list[OcrServerOut]:
    """OCR servers with their last checked health (any user: the import page picks from
    them); URLs and errors only for admins. Never asks the servers: they are checked at
    registration and in the background."""
    return [_out(s, admin=user.is_admin) for s in store.list_servers(session)]


@router.post("/ocr-servers", response_model=OcrServerAdded, status_code=status.HTTP_201_CREATED)
async def add_ocr_server(
    body: OcrServerIn, admin: AdminUser, services: ServicesDep
) -> OcrServerAdded:
    """Register an OCR server by URL (admins); it is checked at once, and ``warning`` says
    when it does not answer (it is registered, but not offered until it does)."""
    del admin

    def add() -> OcrServerAdded:
        health = store.probe_url(body.url)  # before the write transaction: may take seconds
        with session_scope(services.database.write) as session:
            server = store.add_server(
                session, name=body.name, url=body.url, is_default=body.is_default, health=health
            )
            added = _out(server, admin=True)
        warning = (
            f"{body.name} was registered but does not answer ({health.error}); it is not "
            "offered until it does"
            if health.status == "down"
            else None
        )
        return OcrServerAdded(**added.model_dump(), warning=warning)

    return await run_in_threadpool(add)


@router.post("/ocr-servers/check", response_model=list[OcrServerOut])
async def check_ocr_servers(admin: AdminUser, services: ServicesDep) -> list[OcrServerOut]:
    """Check every OCR server now, not waiting for the background check (admins)."""
    del admin
    await run_in_threadpool(store.check_all_servers, services.database, services.settings)
    with services.database.read() as session:
        return [_out(s, admin=True) for s in store.list_servers(session)]


@router.post("/ocr-servers/{server_id}/default", response_model=OcrServerOut)
def make_default_ocr_server(
    server_id: IdPath, admin: AdminUser, session: SessionDep
) -> OcrServerOut:
    """Make this server the default for imports (admins)."""
    del admin
    server = session.get(OcrServer, server_id)
    if server is None:
        raise NotFound(f"no OCR server {server_id}")
    store.make_default(session, server)
    return _out(server, admin=True)


@router.delete("/ocr-servers/{server_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_ocr_server(server_id: IdPath, admin: AdminUser, session: SessionDep) -> None:
    """Remove an OCR server (admins; the built-in one stays)."""
    del admin
    store.remove_server(session, server_id)


@router.post("/tasks/{task_id}/ocr", status_code=status.HTTP_202_ACCEPTED)
async def rerun_ocr(
    task_id: IdPath, body: OcrRunIn, user: CurrentUser, services: ServicesDep
) -> dict[str, int]:
    """Run OCR again on a task, or on one page, on a chosen server (managers)."""

    def create(session: Session) -> Job:
        task = get_task(session, task_id)
        project_access(session, user=user, project_id=task.project_id, capability=Capability.MANAGE)
        return create_ocr_job(
            session, task=task, user=user, page=body.page, ocr_servers=body.ocr_servers
        )

    return {"job_id": await run_in_threadpool(start_job, services.queue, create)}


@router.post("/tasks/{task_id}/pages/{page_index}/ocr-region", response_model=RegionOcrOut)
async def ocr_region(
    task_id: IdPath,
    page_index: IndexPath,
    body: RegionOcrIn,
    user: CurrentUser,
    services: ServicesDep,
) -> RegionOcrOut:
    """Read a box of a page again at a higher resolution and replace the words inside it
    (annotators). ``word_map`` tells where each previous word went."""

    def plan() -> RegionPlan:
        with session_scope(services.database.read) as session:
            task = get_task(session, task_id)
            project_access(
                session, user=user, project_id=task.project_id, capability=Capability.ANNOTATE
            )
            return plan_region_ocr(
                session,
                settings=services.settings,
                task=task,
                user=user,
                page_index=page_index,
                bbox=body.bbox,
                ocr_server=body.ocr_server,
                scale=body.scale,
            )

    def run() -> RegionOcrOut:
        region_plan = plan()
        words, engine = read_region(region_plan, services.blobs)
        with session_scope(services.database.write) as session:
            result = apply_region_ocr(session, plan=region_plan, new_words=words, engine=engine)
        return RegionOcrOut(
            words=[w.to_json() for w in result.words],
            word_map=result.word_map,
            replaced=result.replaced,
            added=result.added,
            engine=result.engine,
        )

    return await run_in_threadpool(run)
