"""Who is looking at a page: the session cookie's user, or a redirect to the login form.

The JSON API answers 401 to anonymous callers; a person following a link should instead land
on ``/login`` and come back afterwards, so pages use ``PageLoginDep`` rather than
``CurrentUser``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request

from visualner.auth.models import User
from visualner.auth.service import resolve_login_session
from visualner.deps import SESSION_COOKIE, ServicesDep, unsign_session_key
from visualner.errors import NotAuthenticated


class LoginRequired(Exception):
    """Raised by page dependencies; ``mount_web`` turns it into a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def login_url(self) -> str:
        return "/login?" + urlencode({"next": self.next_path})


class PageError(Exception):
    """A page that cannot be shown (missing project, no rights): rendered as an HTML page."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True)
class PageLogin:
    """The signed-in user and the CSRF token the page's scripts send with every change."""

    user: User
    csrf_token: str


def current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def find_page_login(request: Request, services: ServicesDep) -> PageLogin | None:
    """The login behind the session cookie, or ``None`` when absent, forged or expired."""
    cookie = request.cookies.get(SESSION_COOKIE)
    key = unsign_session_key(services, cookie) if cookie else None
    if key is None:
        return None
    with services.database.read() as session:
        try:
            user, login_session = resolve_login_session(session, key)
        except NotAuthenticated:
            return None
        session.expunge(user)
        return PageLogin(user=user, csrf_token=login_session.csrf_token)


def require_page_login(request: Request, services: ServicesDep) -> PageLogin:
    login = find_page_login(request, services)
    if login is None:
        raise LoginRequired(current_path(request))
    return login


def require_page_admin(login: Annotated[PageLogin, Depends(require_page_login)]) -> PageLogin:
    if not login.user.is_admin:
        raise PageError(403, "Only administrators can open this page.")
    return login


PageLoginDep = Annotated[PageLogin, Depends(require_page_login)]
PageAdminDep = Annotated[PageLogin, Depends(require_page_admin)]
