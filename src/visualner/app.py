"""``create_app(settings)``: routers, middleware, error handlers and the lifespan.

Nothing is built at import time; tests and the CLI each pass their own settings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from visualner import __version__
from visualner.annotations.routes import router as annotations_router
from visualner.assignments.routes import router as assignments_router
from visualner.auth.routes import router as auth_router
from visualner.bootstrap import ensure_admin, ensure_builtin_ocr_server
from visualner.comments.routes import router as comments_router
from visualner.db import session_scope
from visualner.deps import refuse_unstorable_input
from visualner.errors import RateLimited, VisualnerError
from visualner.exports.routes import router as exports_router
from visualner.imports.routes import router as imports_router
from visualner.jobs.routes import router as jobs_router
from visualner.middleware import SecurityHeadersMiddleware
from visualner.migrate import upgrade_database
from visualner.ocr.routes import router as ocr_router
from visualner.ocr.servers.store import check_all_servers
from visualner.preannotation.routes import router as preannotation_router
from visualner.projects.routes import router as projects_router
from visualner.review.routes import router as review_router
from visualner.runtime import Services, build_services
from visualner.settings import Settings
from visualner.storages.routes import router as storages_router
from visualner.system_routes import router as system_router
from visualner.tasks.blob_cleanup import sweep_blob_deletions
from visualner.tasks.routes import router as tasks_router
from visualner.web.routes import mount_web

log = logging.getLogger(__name__)


def prepare_installation(services: Services) -> tuple[str, str] | None:
    """Migrate the schema and create first-start records; returns a new admin's login."""
    upgrade_database(services.database.url)
    with session_scope(services.database.write) as session:
        created = ensure_admin(session, services.settings)
        ensure_builtin_ocr_server(session)
        # Blobs a delete left queued because they were in use or fresh at the time.
        sweep_blob_deletions(session, services.blobs, grace_s=services.settings.blob_delete_grace_s)
    return created


async def check_ocr_servers_periodically(services: Services, interval_s: float) -> None:
    """The background half of OCR-server health: listing servers reads the stored answer,
    this refreshes it (in a worker thread: a dead server takes seconds to time out)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_in_threadpool(check_all_servers, services.database, services.settings)
        except Exception:  # a failed round is retried at the next interval
            log.exception("checking the OCR servers failed")


def _error_response(exc: VisualnerError) -> JSONResponse:
    body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    body.update(exc.extra())
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{location}: {error.get('msg')}" if location else str(error.get("msg")))
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(VisualnerError)
    async def _domain_error(_request: Request, exc: VisualnerError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {
                "detail": _validation_message(exc),
                "code": "invalid",
                "errors": [
                    {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                    for e in exc.errors()
                ],
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "code": "http"}, status_code=exc.status_code)


def create_app(
    settings: Settings,
    *,
    services: Services | None = None,
    on_ready: Callable[[tuple[str, str] | None], None] | None = None,
) -> FastAPI:
    """Build the application; ``services`` may be passed in by tests that share them.

    ``on_ready`` is called once the schema is current, with the first admin's login when
    this start created it (the CLI prints it).
    """
    own_services = services is None
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.write_slots = asyncio.Semaphore(8 if services.database.is_sqlite else 32)
        created = prepare_installation(services)
        if created:
            log.warning("created the first admin account %r", created[0])
            app.state.created_admin = created
        if on_ready is not None:
            on_ready(created)
        if settings.run_worker_in_process:
            services.queue.start_consumer(workers=settings.worker_threads)
        health_checks = (
            asyncio.create_task(
                check_ocr_servers_periodically(services, settings.ocr_health_check_interval_s)
            )
            if settings.ocr_health_check_interval_s
            else None
        )
        try:
            yield
        finally:
            if health_checks is not None:
                health_checks.cancel()
            services.queue.stop_consumer()
            if own_services:
                services.database.dispose()

    app = FastAPI(
        title="visualner",
        version=__version__,
        description="Visual NER: label entities on scanned images and PDFs. Authenticate with "
        "`Authorization: Token <key>` (create one with `visualner token create USER`).",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unstorable_input)],
    )
    app.state.services = services
    app.state.created_admin = None
    install_error_handlers(app)

    app.add_middleware(SecurityHeadersMiddleware, max_request_mb=settings.max_request_mb)

    for router in (
        system_router,
        auth_router,
        projects_router,
        tasks_router,
        annotations_router,
        imports_router,
        exports_router,
        ocr_router,
        jobs_router,
        preannotation_router,
        storages_router,
        assignments_router,
        review_router,
        comments_router,
    ):
        app.include_router(router)
    mount_web(app)
    return app


def app_from_environment() -> FastAPI:
    """The app for each process of ``visualner serve --workers N`` (settings from the
    environment; the parent already migrated)."""
    return create_app(Settings())
