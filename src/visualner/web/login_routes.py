"""``/login`` and ``/logout`` as plain HTML forms, so signing in works before any script runs.

Both reuse the API's own functions (``log_in``, ``end_session_of``) so the cookie is set and
cleared in exactly one way.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from visualner.auth.routes import end_session_of, log_in
from visualner.deps import SESSION_COOKIE, ServicesDep, SessionDep
from visualner.errors import NotAuthenticated, RateLimited
from visualner.web.origin import is_same_origin, safe_next_path
from visualner.web.page_auth import PageError, PageLoginDep, find_page_login
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)

CROSS_SITE_MESSAGE = "This form was sent from another site; open the login page and try again."


def _login_page(
    request: Request, *, next_path: str, username: str = "", error: str = "", status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {"next_path": next_path, "username": username, "error": error},
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, services: ServicesDep, next: str | None = None) -> Response:
    next_path = safe_next_path(next)
    if find_page_login(request, services) is not None:
        return RedirectResponse(next_path, status_code=303)
    return _login_page(request, next_path=next_path)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    services: ServicesDep,
    username: Annotated[str, Form(max_length=150)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    next_path = safe_next_path(next)
    if not is_same_origin(request):
        return _login_page(
            request, next_path=next_path, username=username, error=CROSS_SITE_MESSAGE, status=403
        )
    if not username or not password:
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            error="Enter your username and password.",
            status=400,
        )
    redirect = RedirectResponse(next_path, status_code=303)
    try:
        log_in(request, services, username, password, redirect)
    except NotAuthenticated as exc:
        return _login_page(
            request, next_path=next_path, username=username, error=exc.message, status=401
        )
    except RateLimited as exc:
        refused = _login_page(
            request, next_path=next_path, username=username, error=exc.message, status=429
        )
        refused.headers["Retry-After"] = str(exc.retry_after_s)
        return refused
    return redirect


@router.post("/logout")
def logout_submit(
    request: Request,
    login: PageLoginDep,
    session: SessionDep,
    services: ServicesDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Ends the session server-side; needs the page's CSRF token like any other change."""
    if not is_same_origin(request) or not hmac.compare_digest(csrf_token, login.csrf_token):
        raise PageError(403, "This log-out request was not sent by this page; reload it and retry.")
    end_session_of(request, session, services)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
