"""Login, logout, the current user, personal API tokens, and user admin."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status

from visualner.auth import service
from visualner.auth.models import User
from visualner.auth.schemas import (
    LoginIn,
    LoginOut,
    OwnPasswordChange,
    PasswordChangedOut,
    PasswordReset,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from visualner.auth.throttle import LoginLimits
from visualner.deps import (
    SESSION_COOKIE,
    AdminUser,
    CurrentUser,
    IdPath,
    ServicesDep,
    SessionDep,
    sign_session_key,
    unsign_session_key,
)
from visualner.errors import Conflict, NotFound
from visualner.runtime import Services

router = APIRouter(prefix="/api", tags=["accounts"])


def set_session_cookie(response: Response, services: Services, key: str) -> None:
    settings = services.settings
    response.set_cookie(
        SESSION_COOKIE,
        sign_session_key(services, key),
        max_age=settings.session_max_age_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def client_address(request: Request) -> str:
    """The address failed logins are counted under (behind a proxy, uvicorn's
    ``--forwarded-allow-ips`` decides whether X-Forwarded-For is believed)."""
    return request.client.host if request.client else "unknown"


def log_in(
    request: Request, services: Services, username: str, password: str, response: Response
) -> LoginOut:
    logged_in = service.log_in_with_password(
        services.database,
        username=username,
        password=password,
        address=client_address(request),
        limits=LoginLimits.from_settings(services.settings),
        max_age=timedelta(days=services.settings.session_max_age_days),
    )
    set_session_cookie(response, services, logged_in.issued.key)
    return LoginOut(
        user=UserOut.model_validate(logged_in.user),
        csrf_token=logged_in.issued.login_session.csrf_token,
    )


@router.post(
    "/auth/login",
    response_model=LoginOut,
    responses={429: {"description": "Too many failed logins; see the Retry-After header."}},
)
def login(body: LoginIn, request: Request, services: ServicesDep, response: Response) -> LoginOut:
    """Start a browser session (sets an HttpOnly, SameSite=Lax cookie). Failed logins are
    throttled per account and per address (429 with Retry-After)."""
    return log_in(request, services, body.username, body.password, response)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    response: Response,
) -> None:
    """End this browser session (the cookie stops working at once, server-side)."""
    del user
    end_session_of(request, session, services)
    response.delete_cookie(SESSION_COOKIE, path="/")


def end_session_of(request: Request, session: SessionDep, services: Services) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    key = unsign_session_key(services, cookie) if cookie else None
    if key:
        service.end_login_session(session, key)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> User:
    return user


def password_changed_out(changed: service.PasswordChanged) -> PasswordChangedOut:
    return PasswordChangedOut(
        ended_sessions=changed.ended_sessions,
        revoked_tokens=changed.revoked_tokens,
        detail=(
            f"Password changed. {changed.revoked_tokens} API token(s) revoked and "
            f"{changed.ended_sessions} other session(s) signed out."
        ),
    )


@router.post(
    "/me/password",
    response_model=PasswordChangedOut,
    responses={429: {"description": "Too many wrong passwords; see the Retry-After header."}},
)
def change_own_password(
    body: OwnPasswordChange, request: Request, user: CurrentUser, services: ServicesDep
) -> PasswordChangedOut:
    """Change your own password (the current one is required). Your other browser sessions
    end and every API token of yours is revoked; this browser stays logged in. Wrong current
    passwords count as failed logins (429 with Retry-After past the limit)."""
    changed = service.change_own_password(
        services.database,
        user_id=user.id,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=getattr(request.state, "login_session_id", None),
        address=client_address(request),
        limits=LoginLimits.from_settings(services.settings),
    )
    return password_changed_out(changed)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[object]:
    return list(service.list_api_tokens(session, user=user))


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, user: CurrentUser, session: SessionDep) -> TokenCreated:
    """Create a personal API token; the key is returned only in this answer."""
    issued = service.create_api_token(session, user=user, name=body.name)
    return TokenCreated(**TokenOut.model_validate(issued.token).model_dump(), key=issued.key)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: IdPath, user: CurrentUser, session: SessionDep) -> None:
    service.revoke_api_token(session, user=user, token_id=token_id)


@router.get("/users", response_model=list[UserOut])
def list_users(admin: AdminUser, session: SessionDep) -> list[User]:
    """All users (admins only)."""
    del admin
    return service.list_users(session)


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, admin: AdminUser, session: SessionDep) -> User:
    del admin
    return service.create_user(
        session, username=body.username, password=body.password, is_admin=body.is_admin
    )


def get_user(session: SessionDep, user_id: int) -> User:
    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"no user {user_id}")
    return target


@router.post("/users/{user_id}/password", response_model=PasswordChangedOut)
def reset_password(
    user_id: IdPath, body: PasswordReset, admin: AdminUser, session: SessionDep
) -> PasswordChangedOut:
    """Set a user's password (admins only): all their sessions end and all their API tokens
    are revoked."""
    del admin
    target = get_user(session, user_id)
    return password_changed_out(service.set_password(session, user=target, password=body.password))


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: IdPath, admin: AdminUser, session: SessionDep) -> None:
    """Delete a user without annotations (admins only); 409 for yourself or a user with
    annotations (deactivate them instead)."""
    service.delete_user(session, user=get_user(session, user_id), acting_admin=admin)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: IdPath, body: UserUpdate, admin: AdminUser, session: SessionDep) -> User:
    """Grant or remove admin rights, (de)activate; a ``password`` here resets it as
    ``POST /api/users/{id}/password`` does (sessions ended, tokens revoked)."""
    target = get_user(session, user_id)
    if target.id == admin.id and (body.is_admin is False or body.is_active is False):
        raise Conflict("you cannot remove your own admin rights or deactivate yourself")
    if body.password is not None:
        service.set_password(session, user=target, password=body.password)
    if body.is_admin is not None:
        target.is_admin = body.is_admin
    if body.is_active is not None:
        target.is_active = body.is_active
    session.flush()
    return target
