"""Login throttling: failed password checks counted per account and per address.

The count lives in the database (``login_failures``), never in a process's memory, so every
app process of ``visualner serve --workers N`` and every machine of a fleet refuses the same
guesses. A limit is a number of failures within a sliding window; once it is reached, password
checks for that account (or from that address) are refused with ``RateLimited`` until the
oldest failure that counts leaves the window, without checking the password at all (so
refused guesses are neither counted nor answered).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from visualner.auth.models import LoginFailure
from visualner.errors import RateLimited
from visualner.settings import Settings


@dataclass(frozen=True)
class LoginLimits:
    """How many failures each key may have within ``window``."""

    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        return cls(
            per_account=settings.login_max_failures_per_account,
            per_address=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_failure_window_s),
        )


@dataclass(frozen=True)
class LoginAttempt:
    """Who tried to log in, as the hashed keys the failures are counted under."""

    account_hash: str
    address_hash: str

    @classmethod
    def of(cls, *, username: str, address: str) -> LoginAttempt:
        return cls(
            account_hash=_key_hash("account", username.strip()),
            address_hash=_key_hash("address", address),
        )


def _key_hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def refuse_if_throttled(
    session: Session, *, attempt: LoginAttempt, limits: LoginLimits, now: datetime
) -> None:
    """Raise ``RateLimited`` when the account or the address used up its failures."""
    by_account = LoginFailure.account_hash == attempt.account_hash
    by_address = LoginFailure.address_hash == attempt.address_hash
    waits = [
        _wait_until_allowed(session, by_account, limits.per_account, limits.window, now),
        _wait_until_allowed(session, by_address, limits.per_address, limits.window, now),
    ]
    longest = max((wait for wait in waits if wait is not None), default=None)
    if longest is None:
        return
    retry_after_s = max(1, math.ceil(longest.total_seconds()))
    raise RateLimited(
        f"too many failed logins; try again in {_in_words(retry_after_s)}",
        retry_after_s=retry_after_s,
    )


def _wait_until_allowed(
    session: Session,
    of_key: ColumnElement[bool],
    limit: int,
    window: timedelta,
    now: datetime,
) -> timedelta | None:
    """How long until fewer than ``limit`` failures of this key are in the window; None when
    that is already so. The ``limit``-th most recent failure is the one that must expire."""
    blocking = session.scalar(
        select(LoginFailure.failed_at)
        .where(of_key, LoginFailure.failed_at > now - window)
        .order_by(LoginFailure.failed_at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    if blocking is None:
        return None
    return blocking + window - now


def record_login_failure(
    session: Session, *, attempt: LoginAttempt, limits: LoginLimits, now: datetime
) -> None:
    """Count one failure; failures that left the window are deleted on the way."""
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - limits.window))
    session.add(
        LoginFailure(
            account_hash=attempt.account_hash, address_hash=attempt.address_hash, failed_at=now
        )
    )


def forget_account_failures(session: Session, *, attempt: LoginAttempt) -> None:
    """After a successful login the account starts afresh; failures against other accounts
    from the same address still count for that address."""
    session.execute(delete(LoginFailure).where(LoginFailure.account_hash == attempt.account_hash))


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
