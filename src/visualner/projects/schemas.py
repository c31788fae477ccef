"""Request and response bodies of the project API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from visualner.projects.models import Role


class ProjectCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    label_config: str | None = None
    template: str | None = None

    @model_validator(mode="after")
    def _config_or_template(self) -> ProjectCreate:
        if (self.label_config is None) == (self.template is None):
            raise ValueError("give exactly one of label_config or template")
        return self


class ProjectUpdate(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    label_config: str | None = None
    settings: dict[str, Any] | None = None


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str
    label_config: str
    parsed_config: dict[str, Any]
    settings: dict[str, Any]
    role: str
    task_count: int
    created_at: datetime
    updated_at: datetime


class ProjectList(BaseModel):
    items: list[ProjectOut]
    total: int


class MemberIn(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    role: Role


class MemberOut(BaseModel):
    username: str
    user_id: int
    role: Role


class ConfigCheck(BaseModel):
    label_config: str


class ConfigCheckResult(BaseModel):
    valid: bool
    error: str | None = None
    parsed: dict[str, Any] | None = None
