"""Which tasks a bulk action applies to: a list of ids, or every task matching a query.

Bulk endpoints take a body that extends ``TaskSelection`` and resolve it with
``selected_task_ids``; the team workflow's assignment does the same, so "all N matching the
query" means one thing everywhere.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from visualner.db import RowId
from visualner.errors import InvalidInput, NotFound
from visualner.projects.models import Project
from visualner.search.service import matching_task_ids
from visualner.tasks.models import Task

MAX_SELECTED_IDS = 10_000


class TaskSelection(BaseModel):
    """Either ``task_ids`` or ``query`` (``""`` selects every task of the project)."""

    model_config = ConfigDict(extra="forbid")

    task_ids: list[RowId] | None = Field(
        None, max_length=MAX_SELECTED_IDS, description="These tasks of the project."
    )
    query: str | None = Field(
        None,
        max_length=2000,
        description='Every task matching this search query (docs/search.md); "" = all.',
    )


def selected_task_ids(
    session: Session, *, project: Project, selection: TaskSelection
) -> Select[int]:
    """The selected tasks' ids as a statement; ids of other projects are refused (404)."""
    if (selection.task_ids is None) == (selection.query is None):
        raise InvalidInput("send either task_ids or query", field="task_ids")
    if selection.query is not None:
        return matching_task_ids(session, project=project, q=selection.query)
    wanted = sorted(set(selection.task_ids or []))
    if not wanted:
        raise InvalidInput("task_ids is empty", field="task_ids")
    in_project = select(Task.id).where(Task.project_id == project.id, Task.id.in_(wanted))
    missing = set(wanted) - set(session.scalars(in_project))
    if missing:
        shown = ", ".join(str(i) for i in sorted(missing)[:10])
        raise NotFound(f"project {project.id} has no task(s) {shown}")
    return in_project
