"""Accounts: users, personal API tokens and browser login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey, UTCDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[IntPrimaryKey]
    username: Mapped[str] = mapped_column(String(150), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiToken(Base):
    """A personal token; only its sha256 is stored, the key is shown once at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[IntPrimaryKey]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    key_prefix: Mapped[str] = mapped_column(String(12))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginSession(Base):
    """A browser session; the cookie carries a random id whose sha256 is stored here.

    Server-side rows make logout and "sign out everywhere" real, which a purely signed
    cookie cannot do.
    """

    __tablename__ = "login_sessions"

    id: Mapped[IntPrimaryKey]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """One failed password check, counted against its account and its address.

    Kept in the database (not in a process's memory) so every app process and every machine
    of a fleet counts the same failures; both keys are sha256 hashes, so a password typed
    into the username field is not stored. Rows older than the window are deleted as new
    failures arrive.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_hash_failed_at", "account_hash", "failed_at"),
        Index("ix_login_failures_address_hash_failed_at", "address_hash", "failed_at"),
    )

    id: Mapped[IntPrimaryKey]
    account_hash: Mapped[str] = mapped_column(String(64))
    address_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
