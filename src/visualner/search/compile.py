"""A parsed query as SQL conditions over ``tasks``, plus what ranking and highlighting need."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement

from visualner.search.fields import QueryContext, field_condition
from visualner.search.query import QueryError, TextTerm, parse_query
from visualner.search.text import Pattern, search_tokens


@dataclass
class CompiledQuery:
    """``conditions`` all hold for a matching task; ``patterns`` are its positive text terms
    (they rank the results and mark the hits)."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    patterns: list[Pattern] = field(default_factory=list)


def text_pattern(term: TextTerm) -> Pattern:
    tokens = search_tokens(term.text)
    if not tokens:
        raise QueryError(f"{term.raw!r}: has no letters or digits to search for")
    return Pattern(tuple(tokens), prefix=term.prefix)


def compile_query(q: str, context: QueryContext) -> CompiledQuery:
    """Raises ``QueryError`` (HTTP 400) naming the first term that is wrong."""
    compiled = CompiledQuery()
    for term in parse_query(q).terms:
        condition: ColumnElement[bool]
        if isinstance(term, TextTerm):
            pattern = text_pattern(term)
            matches = context.fulltext.task_ids(pattern)
            key = context.task_key
            condition = key.not_in(matches) if term.negated else key.in_(matches)
            if not term.negated:
                compiled.patterns.append(pattern)
        else:
            condition = field_condition(term, context)
            if term.negated:
                condition = ~condition
        compiled.conditions.append(condition)
    return compiled
