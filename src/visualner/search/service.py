"""The task list: a project's tasks filtered by a query, sorted, one page at a time.

Every sort but relevance ends on the id and matches an index ``(project_id, key, id)``, so a
page of 100k tasks is an index walk in either direction; relevance sorts the tasks that
match the query's words by their full-text score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from visualner.errors import InvalidInput
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project
from visualner.search.compile import CompiledQuery, compile_query
from visualner.search.fields import STATUS_NAMES, QueryContext
from visualner.search.fulltext import fulltext_for
from visualner.search.highlights import ResultHighlights, result_highlights
from visualner.tasks.models import Task
from visualner.tasks.presenters import SUMMARY_COLUMNS, ListedTask

MAX_PAGE_SIZE = 500
RELEVANCE = "relevance"
#: More matches than this are not ranked: scoring every match (BM25, ts_rank over each
#: page) made a word found in every one of 100k tasks take seconds. Such a list comes in
#: import order, and its ``sort`` says so (docs/search.md, "Results").
RANK_LIMIT = 10_000
_SCORE_MISSING_LAST = Task.prediction_score.is_(None)


def _both_ways(name: str, column: Any) -> dict[str, tuple[Any, ...]]:
    """``name`` ascending and ``-name`` descending, equal keys in id order the same way."""
    return {name: (column, Task.id), f"-{name}": (column.desc(), Task.id.desc())}


# Each sort ends on the id, so pages never overlap or skip tasks with equal keys.
TASK_SORTS: dict[str, tuple[Any, ...]] = {
    "id": (Task.id,),
    "-id": (Task.id.desc(),),
    **_both_ways("title", Task.title),
    **_both_ways("updated", Task.updated_at),
    **_both_ways("pages", Task.page_count),
    **_both_ways("status", Task.status),
    **_both_ways("annotator", Task.annotators),
    **_both_ways("annotations", Task.annotation_count),
    # Tasks without predictions come last both ways (the engines disagree on NULLs).
    "score": (_SCORE_MISSING_LAST, Task.prediction_score, Task.id),
    "-score": (_SCORE_MISSING_LAST, Task.prediction_score.desc(), Task.id.desc()),
    # The model's uncertainty is 1 − its score: -uncertainty (most uncertain first) is the
    # lowest score first.
    "uncertainty": (_SCORE_MISSING_LAST, Task.prediction_score.desc(), Task.id),
    "-uncertainty": (_SCORE_MISSING_LAST, Task.prediction_score, Task.id.desc()),
}
SORT_NAMES = (RELEVANCE, *TASK_SORTS)


@dataclass
class TaskPage:
    tasks: Sequence[ListedTask]
    total: int
    sort: str
    highlights: dict[int, ResultHighlights] = field(default_factory=dict)


def query_context(session: Session, project: Project, *, in_sort_order: bool) -> QueryContext:
    """``in_sort_order``: the conditions select a page of results walked in an index's order
    (see ``QueryContext.task_key``)."""
    dialect = session.get_bind().dialect.name
    return QueryContext(
        project_id=project.id,
        config=parse_label_config(project.label_config),
        fulltext=fulltext_for(dialect),
        task_key=Task.id + 0 if in_sort_order and dialect == "sqlite" else Task.id.expression,
    )


def compile_task_query(
    session: Session,
    *,
    project: Project,
    q: str = "",
    status: str | None = None,
    in_sort_order: bool = False,
) -> CompiledQuery:
    """The query (and the older ``status`` parameter, same as ``status:``) as conditions."""
    compiled = compile_query(q, query_context(session, project, in_sort_order=in_sort_order))
    compiled.conditions.insert(0, Task.project_id == project.id)
    if status:
        if status not in STATUS_NAMES:
            raise InvalidInput(f"status must be one of {', '.join(STATUS_NAMES)}", field="status")
        compiled.conditions.append(Task.status == status)
    return compiled


def matching_task_ids(session: Session, *, project: Project, q: str) -> Select[int]:
    """The ids of every task of the project matching ``q`` (bulk actions on a query)."""
    return select(Task.id).where(*compile_task_query(session, project=project, q=q).conditions)


def _count(session: Session, project: Project, compiled: CompiledQuery) -> int:
    conditions = compiled.conditions
    if len(conditions) == 1:  # the project alone: its kept count, no COUNT(*) of 100k rows
        return project.task_count
    if len(conditions) == 2 and compiled.sole_term is not None:
        # One label:/choice: term: a DISTINCT count of its index range, exact, without the
        # semi-join against the project's 100k task ids (docs/search.md, "Counting").
        return session.scalar(compiled.sole_term.count()) or 0
    return session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0


def list_tasks(
    session: Session,
    *,
    project: Project,
    q: str = "",
    status: str | None = None,
    sort: str | None = None,
    page: int = 1,
    page_size: int = 100,
    visible: ColumnElement[bool] | None = None,
) -> TaskPage:
    """One page of the tasks matching ``q``; ``sort`` defaults to relevance when the query
    has words to rank by (and at most ``RANK_LIMIT`` matches), else to the id. ``visible``
    narrows the list to the tasks the member sees (``assignments.visibility``)."""
    if page < 1:
        raise InvalidInput("page starts at 1", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size must be 1..{MAX_PAGE_SIZE}", field="page_size")
    if sort is not None and sort not in SORT_NAMES:
        raise InvalidInput(f"sort must be one of {', '.join(SORT_NAMES)}", field="sort")
    compiled = compile_task_query(session, project=project, q=q, status=status)
    if visible is not None:
        compiled.conditions.append(visible)
    if sort is None or (sort == RELEVANCE and not compiled.patterns):
        sort = RELEVANCE if compiled.patterns else "id"
    offset = (page - 1) * page_size
    if sort == RELEVANCE:
        matches = sorted(session.scalars(select(Task.id).where(*compiled.conditions)))
        if len(matches) <= RANK_LIMIT:
            matches = _ranked(session, compiled, matches)
        else:
            sort = "id"
        page_ids = matches[offset : offset + page_size]
        return _task_page(session, page_ids, total=len(matches), sort=sort, compiled=compiled)
    total = _count(session, project, compiled)
    in_order = compile_task_query(session, project=project, q=q, status=status, in_sort_order=True)
    if visible is not None:
        in_order.conditions.append(visible)
    ids_query = select(Task.id).where(*in_order.conditions).order_by(*TASK_SORTS[sort])
    # Deferred join: page through the narrow index first, then read just those rows.
    page_ids = list(session.scalars(ids_query.offset(offset).limit(page_size)))
    return _task_page(session, page_ids, total=total, sort=sort, compiled=compiled)


def _ranked(session: Session, compiled: CompiledQuery, matches: list[int]) -> list[int]:
    """``matches`` best first. Only the query's matches are scored: scoring the hits of its
    words alone would score every task that has a word but fails the rest of the query."""
    fulltext = fulltext_for(session.get_bind().dialect.name)
    scores: dict[int, float] = {
        task_id: score
        for task_id, score in session.execute(fulltext.scores(compiled.patterns, among=matches))
    }
    return sorted(matches, key=lambda task_id: (scores.get(task_id, 0.0), task_id))


def _task_page(
    session: Session, page_ids: list[int], *, total: int, sort: str, compiled: CompiledQuery
) -> TaskPage:
    fulltext = fulltext_for(session.get_bind().dialect.name)
    rows = session.execute(select(*SUMMARY_COLUMNS).where(fulltext.one_of(Task.id, page_ids)))
    by_id = {t.id: t for t in rows}
    tasks = [by_id[task_id] for task_id in page_ids if task_id in by_id]
    highlights = result_highlights(session, tasks, compiled.patterns) if compiled.patterns else {}
    return TaskPage(tasks=tasks, total=total, sort=sort, highlights=highlights)
