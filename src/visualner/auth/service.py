"""Users, API tokens and login sessions: plain functions the API, CLI and pages share."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.auth.models import ApiToken, LoginSession, User
from visualner.auth.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from visualner.auth.throttle import (
    LoginAttempt,
    LoginLimits,
    forget_account_failures,
    record_login_failure,
    refuse_if_throttled,
)
from visualner.db import Database, session_scope, utcnow
from visualner.errors import Conflict, InvalidInput, NotAuthenticated, NotFound

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,149}$")
TOKEN_PREFIX = "vn_"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def validate_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput(
            "username must be 1-150 characters: letters, digits and _ . @ + -, "
            "starting with a letter or digit",
            field="username",
        )
    return username


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def create_user(session: Session, *, username: str, password: str, is_admin: bool = False) -> User:
    username = validate_username(username)
    validate_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    user = User(username=username, password_hash=hash_password(password), is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def get_user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


@dataclass(frozen=True)
class PasswordChanged:
    """What a new password ended, so the caller can say so."""

    ended_sessions: int
    revoked_tokens: int


def set_password(
    session: Session, *, user: User, password: str, keep_session_id: int | None = None
) -> PasswordChanged:
    """Store a new password and end everything the old one gave: every login session (but
    ``keep_session_id``, the browser that changed its own password) and every API token,
    since a token made by whoever knew the old password must not outlive it."""
    validate_password(password)
    user.password_hash = hash_password(password)
    now = utcnow()
    sessions = (
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.expires_at > now)
        .values(expires_at=now)
    )
    if keep_session_id is not None:
        sessions = sessions.where(LoginSession.id != keep_session_id)
    ended = session.connection().execute(sessions).rowcount
    revoked = (
        session.connection()
        .execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        .rowcount
    )
    return PasswordChanged(ended_sessions=max(ended, 0), revoked_tokens=max(revoked, 0))


def change_own_password(
    database: Database,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    keep_session_id: int | None,
    address: str,
    limits: LoginLimits,
) -> PasswordChanged:
    """A user's own change: the current password is required, so a borrowed unlocked
    browser or a leaked token cannot lock the owner out. Its check is throttled and counted
    like a login, so a stolen session is no unlimited oracle for guessing the password."""
    with database.read() as session:
        user = session.get_one(User, user_id)
    attempt = LoginAttempt.of(username=user.username, address=address)
    if not _password_checked(
        database, user=user, password=current_password, attempt=attempt, limits=limits
    ):
        raise InvalidInput("the current password is wrong", field="current_password")
    if current_password == new_password:
        raise InvalidInput(
            "the new password must differ from the current one", field="new_password"
        )
    with session_scope(database.write) as session:
        return set_password(
            session,
            user=session.get_one(User, user_id),
            password=new_password,
            keep_session_id=keep_session_id,
        )


def delete_user(session: Session, *, user: User, acting_admin: User) -> None:
    """Delete an account that has no annotations; one that has work is deactivated instead,
    so its annotations keep their author."""
    if user.id == acting_admin.id:
        raise Conflict("you cannot delete your own account")
    authored = session.scalar(
        select(func.count()).select_from(Annotation).where(Annotation.user_id == user.id)
    )
    if authored:
        raise Conflict(
            f"{user.username} has {authored} annotation(s); deactivate the account instead "
            "so their authorship is kept"
        )
    session.delete(user)
    session.flush()


@dataclass(frozen=True)
class LoggedIn:
    user: User
    issued: IssuedSession


def log_in_with_password(
    database: Database,
    *,
    username: str,
    password: str,
    address: str,
    limits: LoginLimits,
    max_age: timedelta,
) -> LoggedIn:
    """A new login session for these credentials; ``NotAuthenticated`` (the same message
    whether or not the account exists) or ``RateLimited`` otherwise."""
    with database.read() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.is_active:
        user = None
    attempt = LoginAttempt.of(username=username, address=address)
    checked = _password_checked(
        database, user=user, password=password, attempt=attempt, limits=limits
    )
    if user is None or not checked:
        raise NotAuthenticated("wrong username or password")
    with session_scope(database.write) as session:
        return _record_login(session, user_id=user.id, password=password, max_age=max_age)


def _password_checked(
    database: Database,
    *,
    user: User | None,
    password: str,
    attempt: LoginAttempt,
    limits: LoginLimits,
) -> bool:
    """Whether ``password`` is ``user``'s, for every endpoint that checks a password.

    Throttled per account and per address (``RateLimited`` before any check once a limit is
    reached); a failure is counted in its own short transaction, committed although the
    request fails, and a success starts the account afresh. The password is checked outside
    any write transaction: argon2 takes tens of milliseconds, and a stream of guesses must
    not hold SQLite's write lock meanwhile. ``user`` None (no such active account) is
    checked against a dummy hash, so the answer takes as long.
    """
    now = utcnow()
    with database.read() as session:
        refuse_if_throttled(session, attempt=attempt, limits=limits, now=now)
    matches = verify_password(user.password_hash if user else DUMMY_HASH, password)
    matches = matches and user is not None
    with session_scope(database.write) as session:
        if matches:
            forget_account_failures(session, attempt=attempt)
        else:
            record_login_failure(session, attempt=attempt, limits=limits, now=now)
    return matches


def _record_login(session: Session, *, user_id: int, password: str, max_age: timedelta) -> LoggedIn:
    user = session.get_one(User, user_id)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return LoggedIn(user=user, issued=start_login_session(session, user=user, max_age=max_age))


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


def create_api_token(session: Session, *, user: User, name: str = "") -> IssuedToken:
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100], key_prefix=key[:10], key_hash=_sha256(key))
    session.add(token)
    session.flush()
    return IssuedToken(token=token, key=key)


def list_api_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_api_token(session: Session, *, user: User, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(f"no API token {token_id}")
    token.revoked_at = token.revoked_at or utcnow()


def user_for_api_key(session: Session, key: str) -> User:
    user = session.scalar(  # one round trip: every API request starts here
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.key_hash == _sha256(key), ApiToken.revoked_at.is_(None))
    )
    if user is None or not user.is_active:
        raise NotAuthenticated("invalid or revoked API token")
    return user


@dataclass(frozen=True)
class IssuedSession:
    login_session: LoginSession
    key: str


def start_login_session(session: Session, *, user: User, max_age: timedelta) -> IssuedSession:
    key = secrets.token_urlsafe(32)
    login = LoginSession(
        user_id=user.id,
        key_hash=_sha256(key),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + max_age,
    )
    session.add(login)
    session.flush()
    return IssuedSession(login_session=login, key=key)


def resolve_login_session(session: Session, key: str) -> tuple[User, LoginSession]:
    login = session.scalar(select(LoginSession).where(LoginSession.key_hash == _sha256(key)))
    if login is None or login.expires_at <= utcnow():
        raise NotAuthenticated("your session has expired; log in again")
    user = session.get(User, login.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("your session has expired; log in again")
    return user, login


def end_login_session(session: Session, key: str) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.key_hash == _sha256(key))
        .values(expires_at=utcnow())
    )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
