"""Request and response bodies of the project API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from visualner.annotations.schemas import MAX_LABEL
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


class LabelChanges(BaseModel):
    """What becomes of the regions of labels a new config renames or drops."""

    model_config = ConfigDict(extra="forbid")

    rename: dict[str, Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]] = Field(
        default_factory=dict,
        description="old label → its new name (a label of the new config)",
    )
    remove: dict[str, Annotated[str, Field(min_length=1, max_length=MAX_LABEL + 10)]] = Field(
        default_factory=dict,
        description='dropped label → "delete" (its regions) or "relabel:OTHER"',
    )


class ProjectUpdate(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    label_config: str | None = None
    label_changes: LabelChanges | None = None
    settings: dict[str, Any] | None = None


class LabelUsageOut(BaseModel):
    """One label's regions in the project's annotations and predictions."""

    label: str
    in_config: bool
    kind: str = Field(
        description="labels (words), rectanglelabels (boxes), or '' if not in the config"
    )
    regions: int
    annotations: int
    predicted_regions: int
    predictions: int


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
