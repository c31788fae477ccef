"""Server-rendered pages and static files, wired into the app by ``mount_web``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from visualner.web.account_pages import router as account_router
from visualner.web.import_pages import router as import_router
from visualner.web.labeling_pages import router as labeling_router
from visualner.web.login_routes import router as login_router
from visualner.web.model_pages import router as model_router
from visualner.web.page_auth import LoginRequired, PageError, find_page_login
from visualner.web.project_pages import router as project_router
from visualner.web.review_pages import router as review_router
from visualner.web.team_pages import router as team_router
from visualner.web.templating import install_templates, render

WEB_DIR = Path(__file__).parent


async def _redirect_to_login(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(exc.login_url, status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    login = find_page_login(request, request.app.state.services)
    return render(
        request,
        "error.html",
        {"login": login, "status": exc.status_code, "message": exc.message},
        status_code=exc.status_code,
    )


def mount_web(app: FastAPI) -> None:
    """Static files, the page routers, and the handlers that turn page errors into HTML."""
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    install_templates(app)
    for router in (
        login_router,
        project_router,
        account_router,
        labeling_router,
        import_router,
        model_router,
        review_router,
        team_router,
    ):
        app.include_router(router)
    app.add_exception_handler(LoginRequired, _redirect_to_login)
    app.add_exception_handler(PageError, _error_page)
