"""Request-scoped dependencies as ``Annotated`` aliases: services, DB sessions, the user.

Requests authenticate with ``Authorization: Token <key>`` (API, CLI, scripts) or with the
session cookie (the UI). Cookie-authenticated requests that change state must carry the
session's CSRF token in ``X-CSRF-Token``, so a page on another site cannot act with the
user's cookie (the UI sends every change through ``fetch`` with that header).
"""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from itsdangerous import BadSignature, Signer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from visualner.auth.models import LoginSession, User
from visualner.auth.service import resolve_login_session, user_for_api_key
from visualner.db import MAX_INTEGER
from visualner.errors import InvalidInput, NotAuthenticated, PermissionDenied
from visualner.runtime import Services
from visualner.search.service import MAX_PAGE_SIZE

SESSION_COOKIE = "visualner_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_services(request: Request) -> Services:
    """``async``, as every dependency that does no I/O: FastAPI runs a plain ``def``
    dependency in the thread pool, a hop per dependency and request."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_reads(services: ServicesDep) -> AsyncIterator[Session]:
    """The request's read session: the caller is authenticated in it, and a safe request's
    route reads through it too (``SessionDep``), so a request checks out one connection.
    Creating a session does no I/O; its connection is taken at the first statement."""
    session = services.database.read()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()  # nothing to give back: no I/O, no thread hop


ReadsDep = Annotated[Session, Depends(get_reads, scope="function")]


async def get_session(
    request: Request, services: ServicesDep, reads: ReadsDep
) -> AsyncIterator[Session]:
    """The request's read session for safe methods, a write session (SQLite write lock)
    otherwise.

    Committed after the route returns and before the response is sent, so a client never
    sees a success for something that failed to commit.

    Writers first take one of a few *write slots*, awaited on the event loop. Without them,
    a burst of writers fills the thread pool with threads waiting for SQLite's write lock
    while the lock's holder waits for a free thread to commit: a deadlock that only the
    busy timeout breaks.
    """
    is_write = request.method not in SAFE_METHODS
    if not is_write:
        yield reads
        await run_in_threadpool(reads.commit)
        return
    slots: asyncio.Semaphore = request.app.state.write_slots
    await slots.acquire()
    session = services.database.write()
    try:
        yield session
        await run_in_threadpool(_commit_and_close, session)
    except BaseException:
        await run_in_threadpool(_roll_back_and_close, session)
        raise
    finally:
        slots.release()


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


def _roll_back_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


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


def _authenticate(request: Request, services: Services, session: Session) -> User:
    """The caller, from an API token or the session cookie (with CSRF check on writes)."""
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
    request.state.login_session_id = login_session.id
    return user


def get_current_user(request: Request, services: ServicesDep, reads: ReadsDep) -> User:
    """The caller, authenticated in the request's read session.

    A request that changes state writes in its own session, so the read session is ended
    here for it (its connection back in the pool, the user detached as the write session
    expects): authenticating never takes SQLite's write lock.
    """
    user = _authenticate(request, services, reads)
    if request.method not in SAFE_METHODS:
        reads.close()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


@dataclass(frozen=True)
class CallerReads:
    """The caller and the read session they were authenticated in, still open: a route
    that reads before its own short write transaction (a save) reads on the same
    connection, and ends the session before writing."""

    user: User
    session: Session


def get_caller_reads(request: Request, services: ServicesDep, reads: ReadsDep) -> CallerReads:
    return CallerReads(user=_authenticate(request, services, reads), session=reads)


CallerReadsDep = Annotated[CallerReads, Depends(get_caller_reads)]


def check_csrf(token: str, login_session: LoginSession) -> None:
    if not token or not hmac.compare_digest(token, login_session.csrf_token):
        raise PermissionDenied("missing or wrong CSRF token; reload the page and try again")


async def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise PermissionDenied("only administrators may do this")
    return user


AdminUser = Annotated[User, Depends(require_admin)]


#: Every id in a route's path (``/api/tasks/{task_id}``): a larger number cannot name a row,
#: and would fail in the database (PostgreSQL's integer, SQLite's 64 bits) instead of 422.
IdPath = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="an id (1 to 2147483647)")]
#: A position in a path (a task's page ``/pages/{page_index}``), from 0.
IndexPath = Annotated[int, Path(ge=0, le=MAX_INTEGER, description="a position, from 0")]


@dataclass(frozen=True)
class Paging:
    """One page of a list: ``page`` from 1, at most ``MAX_PAGE_SIZE`` rows a page."""

    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


async def get_paging(
    page: Annotated[int, Query(ge=1, le=MAX_INTEGER, description="from 1")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
) -> Paging:
    """The paging of every list route; no list has more pages than rows, so a page number
    past ``MAX_INTEGER`` is refused before its offset reaches the database."""
    return Paging(page=page, page_size=page_size)


PagingDep = Annotated[Paging, Depends(get_paging)]


#: A JSON escape of NUL (an odd run of backslashes before ``u0000``) and a run of digits long
#: enough to pass 64 bits: cheap scans of the raw body that say when a closer look is needed.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_LONG_NUMBER = re.compile(rb"\d{19}")
_INT64 = range(-(2**63), 2**63)
_OUT_OF_RANGE = "the number is out of range (integers must fit in 64 bits)"
_FORM_TYPES = ("application/json", "application/x-www-form-urlencoded")


async def refuse_unstorable_input(request: Request) -> None:
    """Refuse, on every route, text with a NUL character and JSON integers past 64 bits.

    PostgreSQL cannot store NUL in text or JSON, and neither database nor the JSON encoder
    stores an integer past 64 bits: without this check both fail deep inside a write as a
    500, on one database and not the other. Path, query, JSON and form input are checked;
    uploads are multipart and checked where they are read.
    """
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        _check_text(name, name)
        _check_text(value, name)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _FORM_TYPES:
        return
    if content_type == "application/x-www-form-urlencoded":
        for name, value in (await request.form()).multi_items():
            if isinstance(value, str):
                _check_text(value, name)
        return
    raw = await request.body()
    if not (_ESCAPED_NUL.search(raw) or _LONG_NUMBER.search(raw)):
        return
    try:
        body = await request.json()
    except ValueError:
        return  # not JSON at all: the route's own parsing answers 422
    _check_json(body, "body")


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        where = where[:100]
        raise InvalidInput(f"{where}: text may not contain a NUL character (\\u0000)", field=where)


def _check_json(value: object, where: str) -> None:
    """Walks the decoded body with an explicit stack (a deep document must not recurse)."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, bool | float) or item is None:
            continue
        elif isinstance(item, int):
            if item not in _INT64:  # a range error, answered like any other (422)
                raise RequestValidationError(
                    [{"loc": path[:100].split("."), "msg": _OUT_OF_RANGE, "type": "int64"}]
                )
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, path)
                stack.append((child, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
