"""A parsed query as SQL conditions over ``tasks``, plus what ranking and highlighting need."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement

from visualner.search.fields import ProjectTaskIds, QueryContext, field_condition
from visualner.search.query import QueryError, TextTerm, parse_query
from visualner.search.text import Pattern, search_tokens


@dataclass
class CompiledQuery:
    """``conditions`` all hold for a matching task; ``patterns`` are its positive text terms
    (they rank the results and mark the hits); ``sole_term`` is the query's one term when
    it alone says which of the project's tasks match (``label:header``), for the count."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    patterns: list[Pattern] = field(default_factory=list)
    sole_term: ProjectTaskIds | None = None


def text_pattern(term: TextTerm) -> Pattern:
    tokens = search_tokens(term.text)
    if not tokens:
        raise QueryError(f"{term.raw!r}: has no letters or digits to search for")
    return Pattern(tuple(tokens), prefix=term.prefix)


def compile_query(q: str, context: QueryContext) -> CompiledQuery:
    """Raises ``QueryError`` (HTTP 400) naming the first term that is wrong."""
    compiled = CompiledQuery()
    terms = parse_query(q).terms
    for term in terms:
        condition: ColumnElement[bool]
        if isinstance(term, TextTerm):
            pattern = text_pattern(term)
            matches = context.fulltext.task_ids(pattern)
            key = context.task_key
            condition = key.not_in(matches) if term.negated else key.in_(matches)
            if not term.negated:
                compiled.patterns.append(pattern)
        else:
            built = field_condition(term, context)
            if isinstance(built, ProjectTaskIds):
                if len(terms) == 1 and not term.negated:
                    compiled.sole_term = built
                built = built.condition(context)
            condition = ~built if term.negated else built
        compiled.conditions.append(condition)
    return compiled
