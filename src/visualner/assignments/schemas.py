"""The assignment endpoint's body and answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from visualner.assignments.service import MAX_ASSIGNEES
from visualner.tasks.selection import TaskSelection

#: a username as the users table holds it
Username = Annotated[str, Field(min_length=1, max_length=150)]


class AssignIn(TaskSelection):
    """A selection (``task_ids`` or ``query``) and who works on it."""

    annotators: list[Username] | None = Field(
        None,
        max_length=MAX_ASSIGNEES,
        description="Usernames: every selected task gets exactly these annotators "
        "([] unassigns; omit to leave them).",
    )
    reviewer: Username | None = Field(
        None, description="A reviewer or manager of the project; null removes it; omit to leave it."
    )
    distribute: bool = Field(
        False,
        description="Spread the selected tasks that have no annotator evenly over the "
        "annotators (annotations_per_task of them per task) instead.",
    )
    limit: int | None = Field(
        None, ge=1, le=1_000_000, description="With distribute: only the first N such tasks."
    )

    @model_validator(mode="after")
    def _limit_with_distribute(self) -> AssignIn:
        if self.limit is not None and not self.distribute:
            raise ValueError("limit goes with distribute")
        return self


class AssignmentsOut(BaseModel):
    tasks: int = Field(description="How many tasks this call assigned.")
    annotators: dict[str, int] = Field(description="Tasks given to each annotator by this call.")
    reviewer: str | None
