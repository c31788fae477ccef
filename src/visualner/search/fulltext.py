"""Full-text matching and ranking on each engine, as SQLAlchemy Core.

Three kinds of text are indexed (migration 0005_search_index creates the indexes and the
triggers that keep them in step inside every writing transaction):

- a page's words (``pages.page_text``): SQLite FTS5 table ``pages_fts``, PostgreSQL
  ``pages.search_vector`` (GIN);
- the task's title: ``tasks_fts`` / ``tasks.title_vector``;
- the texts of an annotation's regions per label (``annotation_terms.text``, corrected text
  included): ``annotation_terms_fts`` / ``annotation_terms.search_vector``.

A text term matches a task when it matches any of them; a phrase must stand within one page,
title or label. Both engines get the query as tokens of ``search.text`` (letters and digits,
lower case, no accents), so they agree on what matches.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    union,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from visualner.db import one_of_ids
from visualner.search.text import Pattern, search_tokens

#: an id column, of a Core table or a mapped class
RowId = ColumnElement[int] | InstrumentedAttribute[int]

PAGES = table("pages", column("id"), column("task_id"), column("search_vector"))
TASKS = table("tasks", column("id"), column("title_vector"))
TERMS = table("annotation_terms", column("id"), column("task_id"), column("search_vector"))
PAGES_FTS = table("pages_fts", column("rowid"))
TASKS_FTS = table("tasks_fts", column("rowid"))
TERMS_FTS = table("annotation_terms_fts", column("rowid"))
TITLE_WEIGHT = 2.0


class FullText(ABC):
    """Builds the statements of one engine. Scores: lower is better (engines differ)."""

    @abstractmethod
    def page_ids(
        self, patterns: Sequence[Pattern], among: Sequence[int] | None = None
    ) -> Select[int]:
        """Pages matching any of ``patterns``; with ``among``, only those of these page ids
        (the index is then probed per id: a common word's full hit list is never read)."""

    @abstractmethod
    def title_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]: ...

    @abstractmethod
    def term_ids(
        self, patterns: Sequence[Pattern], among: Sequence[int] | None = None
    ) -> Select[int]:
        """``annotation_terms`` rows whose text matches any of ``patterns`` (``among``: only
        these row ids)."""

    @abstractmethod
    def scores(self, patterns: Sequence[Pattern], among: Sequence[int]) -> Select[int, float]:
        """``(task_id, score)`` of the tasks ``among`` these ids with a hit of any pattern,
        summed over their pages, title and label texts (only the query's matches are
        scored: scoring reads each hit's text or vector, the costly part of a search)."""

    @abstractmethod
    def one_of(self, row_id: RowId, among: Sequence[int]) -> ColumnElement[bool]:
        """``row_id`` is one of ``among`` (a page of results' ids, or every match's)."""

    def _scored_among(
        self, task_id: ColumnElement[int], among: Sequence[int]
    ) -> ColumnElement[bool]:
        """``one_of`` for a statement that the full-text index drives."""
        return self.one_of(task_id, among)

    @abstractmethod
    def page_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        """Tasks with a page matching any of ``patterns`` (driven by the index)."""

    @abstractmethod
    def term_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        """Tasks with a label text matching any of ``patterns``."""

    def task_ids(self, pattern: Pattern) -> CompoundSelect[int]:
        """Tasks where ``pattern`` is in a page, the title or a label's text."""
        return union(
            self.page_task_ids([pattern]),
            self.title_task_ids([pattern]),
            self.term_task_ids([pattern]),
        )

    def annotation_term_ids(self, text: str, *, prefix: bool) -> Select[int]:
        return self.term_ids([Pattern(tuple(search_tokens(text)), prefix)])


def _among(
    fulltext: FullText, query: Select[int], row_id: ColumnElement[int], among: Sequence[int] | None
) -> Select[int]:
    return query if among is None else query.where(fulltext.one_of(row_id, among))


def fts5_expression(patterns: Sequence[Pattern]) -> str:
    """``"a b" OR "c" *``: tokens are letters and digits only, so quoting is safe."""
    return " OR ".join(
        '"' + " ".join(p.tokens) + '"' + (" *" if p.prefix else "") for p in patterns
    )


def tsquery_expression(patterns: Sequence[Pattern]) -> str:
    """``('a' <-> 'b') | ('c':*)`` for ``to_tsquery('simple', …)``."""
    parts = []
    for p in patterns:
        lexemes = [f"'{token}'" for token in p.tokens]
        if p.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " | ".join(parts)


class SqliteFullText(FullText):
    def _match(self, fts: str, patterns: Sequence[Pattern]) -> ColumnElement[bool]:
        return literal_column(fts).op("MATCH")(
            bindparam(None, fts5_expression(patterns), unique=True)
        )

    def page_ids(
        self, patterns: Sequence[Pattern], among: Sequence[int] | None = None
    ) -> Select[int]:
        return _among(
            self,
            select(PAGES_FTS.c.rowid).where(self._match("pages_fts", patterns)),
            PAGES_FTS.c.rowid,
            among,
        )

    def title_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        return select(TASKS_FTS.c.rowid).where(self._match("tasks_fts", patterns))

    def page_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        return (
            select(PAGES.c.task_id)
            .select_from(PAGES_FTS.join(PAGES, PAGES.c.id == PAGES_FTS.c.rowid))
            .where(self._match("pages_fts", patterns))
        )

    def term_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        return (
            select(TERMS.c.task_id)
            .select_from(TERMS_FTS.join(TERMS, TERMS.c.id == TERMS_FTS.c.rowid))
            .where(self._match("annotation_terms_fts", patterns))
        )

    def term_ids(
        self, patterns: Sequence[Pattern], among: Sequence[int] | None = None
    ) -> Select[int]:
        return _among(
            self,
            select(TERMS_FTS.c.rowid).where(self._match("annotation_terms_fts", patterns)),
            TERMS_FTS.c.rowid,
            among,
        )

    def one_of(self, row_id: RowId, among: Sequence[int]) -> ColumnElement[bool]:
        return one_of_ids(row_id, among, postgresql=False)

    def _scored_among(
        self, task_id: ColumnElement[int], among: Sequence[int]
    ) -> ColumnElement[bool]:
        # One JSON parameter, not one per id; ``+ 0`` keeps the full-text index driving.
        ids: Select[int] = select(literal_column("value", Integer)).select_from(
            func.json_each(bindparam(None, json.dumps(list(among)), unique=True))
        )
        return (task_id + 0).in_(ids)

    def scores(self, patterns: Sequence[Pattern], among: Sequence[int]) -> Select[int, float]:
        bm25 = func.bm25
        hits = union_all(
            select(PAGES.c.task_id.label("task_id"), bm25(literal_column("pages_fts")).label("s"))
            .select_from(PAGES_FTS.join(PAGES, PAGES.c.id == PAGES_FTS.c.rowid))
            .where(self._match("pages_fts", patterns), self._scored_among(PAGES.c.task_id, among)),
            select(
                TASKS_FTS.c.rowid.label("task_id"),
                (bm25(literal_column("tasks_fts")) * TITLE_WEIGHT).label("s"),
            ).where(
                self._match("tasks_fts", patterns), self._scored_among(TASKS_FTS.c.rowid, among)
            ),
            select(
                TERMS.c.task_id.label("task_id"),
                bm25(literal_column("annotation_terms_fts")).label("s"),
            )
            .select_from(TERMS_FTS.join(TERMS, TERMS.c.id == TERMS_FTS.c.rowid))
            .where(
                self._match("annotation_terms_fts", patterns),
                self._scored_among(TERMS.c.task_id, among),
            ),
        ).subquery()
        return select(hits.c.task_id, func.sum(hits.c.s).label("score")).group_by(hits.c.task_id)


class PostgresFullText(FullText):
    def _query(self, patterns: Sequence[Pattern]) -> ColumnElement[object]:
        return func.to_tsquery(
            literal_column("'simple'::regconfig"),
            bindparam(None, tsquery_expression(patterns), unique=True),
        )

    def _match(
        self, vector: ColumnElement[object], patterns: Sequence[Pattern]
    ) -> ColumnElement[bool]:
        return vector.bool_op("@@")(self._query(patterns))

    def page_ids(
        self, patterns: Sequence[Pattern], among: Sequence[int] | None = None
    ) -> Select[int]:
        return _among(
            self,
            select(PAGES.c.id).where(self._match(PAGES.c.search_vector, patterns)),
            PAGES.c.id,
            among,
        )

    def title_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        return select(TASKS.c.id).where(self._match(TASKS.c.title_vector, patterns))

    def page_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        return select(PAGES.c.task_id).where(self._match(PAGES.c.search_vector, patterns))

    def term_task_ids(self, patterns: Sequence[Pattern]) -> Select[int]:
        return select(TERMS.c.task_id).where(self._match(TERMS.c.search_vector, patterns))

    def term_ids(
        self, patterns: Sequence[Pattern], among: Sequence[int] | None = None
    ) -> Select[int]:
        return _among(
            self,
            select(TERMS.c.id).where(self._match(TERMS.c.search_vector, patterns)),
            TERMS.c.id,
            among,
        )

    def one_of(self, row_id: RowId, among: Sequence[int]) -> ColumnElement[bool]:
        return one_of_ids(row_id, among, postgresql=True)

    def scores(self, patterns: Sequence[Pattern], among: Sequence[int]) -> Select[int, float]:
        query = self._query(patterns)
        rank = func.ts_rank
        hits = union_all(
            select(
                PAGES.c.task_id.label("task_id"),
                (-rank(PAGES.c.search_vector, query)).label("s"),
            ).where(
                PAGES.c.search_vector.bool_op("@@")(query),
                self._scored_among(PAGES.c.task_id, among),
            ),
            select(
                TASKS.c.id.label("task_id"),
                (-rank(TASKS.c.title_vector, query) * TITLE_WEIGHT).label("s"),
            ).where(
                TASKS.c.title_vector.bool_op("@@")(query), self._scored_among(TASKS.c.id, among)
            ),
            select(
                TERMS.c.task_id.label("task_id"),
                (-rank(TERMS.c.search_vector, query)).label("s"),
            ).where(
                TERMS.c.search_vector.bool_op("@@")(query),
                self._scored_among(TERMS.c.task_id, among),
            ),
        ).subquery()
        return select(hits.c.task_id, func.sum(hits.c.s).label("score")).group_by(hits.c.task_id)


def fulltext_for(dialect_name: str) -> FullText:
    return SqliteFullText() if dialect_name == "sqlite" else PostgresFullText()
