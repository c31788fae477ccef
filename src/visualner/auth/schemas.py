"""Request and response bodies of the account API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    is_admin: bool
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)
    is_admin: bool = False


class UserUpdate(BaseModel):
    password: str | None = Field(None, min_length=1, max_length=1000)
    is_admin: bool | None = None
    is_active: bool | None = None


class TokenCreate(BaseModel):
    name: str = Field("", max_length=100)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    key: str = Field(description="The token itself; shown only this once.")


class OwnPasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


class PasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=1000)


class PasswordChangedOut(BaseModel):
    """What the new password ended; the UI repeats it to the user."""

    ended_sessions: int = Field(description="Other browser sessions signed out.")
    revoked_tokens: int = Field(description="API tokens revoked (scripts must get new ones).")
    detail: str
