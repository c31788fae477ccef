"""Request-scoped dependencies as ``Annotated`` aliases: services, DB sessions, the user.

Requests authenticate with ``Authorization: Token <key>`` (API, CLI, scripts) or with the
session cookie (the UI). Cookie-authenticated requests that change state must carry the
session's CSRF token in ``X-CSRF-Token``, so a page on another site cannot act with the
user's cookie (the UI sends every change through ``fetch`` with that header).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, Signer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from visualner.auth.models import LoginSession, User
from visualner.auth.service import resolve_login_session, user_for_api_key
from visualner.errors import NotAuthenticated, PermissionDenied
from visualner.runtime import Services

SESSION_COOKIE = "visualner_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[Session]:
    """A read session for safe methods, a write session (SQLite write lock) otherwise.

    Committed after the route returns and before the response is sent, so a client never
    sees a success for something that failed to commit.

    Writers first take one of a few *write slots*, awaited on the event loop. Without them,
    a burst of writers fills the thread pool with threads waiting for SQLite's write lock
    while the lock's holder waits for a free thread to commit: a deadlock that only the
    busy timeout breaks.
    """
    is_write = request.method not in SAFE_METHODS
    slots: asyncio.Semaphore | None = request.app.state.write_slots if is_write else None
    if slots is not None:
        await slots.acquire()
    session = (services.database.write if is_write else services.database.read)()
    try:
        yield session
        await run_in_threadpool(session.commit)
    except BaseException:
        await run_in_threadpool(session.rollback)
        raise
    finally:
        await run_in_threadpool(session.close)
        if slots is not None:
            slots.release()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_read_session(services: ServicesDep) -> Iterator[Session]:
    """A read-only session for routes that then write in their own short transaction
    (``session_scope(services.database.write)``), so SQLite's write lock is held only for
    the writes, never while the request validates."""
    session = services.database.read()
    try:
        yield session
    finally:
        session.close()


ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


def cookie_signer(services: Services) -> Signer:
    return Signer(services.settings.resolved_secret_key(), salt="visualner.session")


def sign_session_key(services: Services, key: str) -> str:
    return cookie_signer(services).sign(key).decode()


def unsign_session_key(services: Services, cookie: str) -> str | None:
    try:
        return cookie_signer(services).unsign(cookie).decode()
    except BadSignature:
        return None


def _login_from_cookie(
    request: Request, services: Services, session: Session
) -> tuple[User, LoginSession] | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    key = unsign_session_key(services, cookie)
    if key is None:
        raise NotAuthenticated("your session cookie is invalid; log in again")
    return resolve_login_session(session, key)


def get_current_user(request: Request, services: ServicesDep) -> User:
    """The caller, from an API token or the session cookie (with CSRF check on writes).

    Uses its own short read session, so authenticating never takes SQLite's write lock.
    """
    with services.database.read() as session:
        authorization = request.headers.get("authorization", "")
        if authorization:
            scheme, _, key = authorization.partition(" ")
            if scheme.lower() not in {"token", "bearer"} or not key.strip():
                raise NotAuthenticated('use "Authorization: Token <your API token>"')
            return user_for_api_key(session, key.strip())
        login = _login_from_cookie(request, services, session)
        if login is None:
            raise NotAuthenticated("log in or send an API token")
        user, login_session = login
    if request.method not in SAFE_METHODS:
        check_csrf(request.headers.get(CSRF_HEADER, ""), login_session)
    request.state.csrf_token = login_session.csrf_token
    return user


def check_csrf(token: str, login_session: LoginSession) -> None:
    if not token or not hmac.compare_digest(token, login_session.csrf_token):
        raise PermissionDenied("missing or wrong CSRF token; reload the page and try again")


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise PermissionDenied("only administrators may do this")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
