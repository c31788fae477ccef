"""Where a result's hits are: a snippet of its first matching page (or label text) and the
hits in its title, for the rows of one page of results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.search.fulltext import fulltext_for
from visualner.search.models import AnnotationTerm
from visualner.search.text import Pattern, Snippet, find_hits, snippet, word_hits
from visualner.tasks.models import Page
from visualner.tasks.presenters import ListedTask
from visualner.word_codec import word_columns


@dataclass
class ResultHighlights:
    snippet: Snippet | None = None
    #: the page the snippet comes from; ``None`` when it comes from a label's text
    page_index: int | None = None
    label: str | None = None
    title_hits: list[tuple[int, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        shown = None
        if self.snippet is not None:
            shown = {
                "text": self.snippet.text,
                "hits": [list(hit) for hit in self.snippet.hits],
                "page": self.page_index,
                "label": self.label,
            }
        return {"snippet": shown, "title_hits": [list(hit) for hit in self.title_hits]}


def result_highlights(
    session: Session, tasks: Sequence[ListedTask], patterns: list[Pattern]
) -> dict[int, ResultHighlights]:
    fulltext = fulltext_for(session.get_bind().dialect.name)
    found = {
        task.id: ResultHighlights(title_hits=find_hits(task.title, patterns)) for task in tasks
    }
    pages_of_results = list(
        session.execute(
            select(Page.id, Page.task_id)
            .where(fulltext.one_of(Page.task_id, list(found)))
            .order_by(Page.task_id, Page.page_index)
        )
    )
    hit_pages = set(
        session.scalars(fulltext.page_ids(patterns, among=[page for page, _ in pages_of_results]))
    )
    first_pages: dict[int, int] = {}
    for page_id, task_id in pages_of_results:
        if page_id in hit_pages:
            first_pages.setdefault(task_id, page_id)
    if first_pages:
        for task_id, page_index, text in session.execute(
            select(Page.task_id, Page.page_index, Page.page_text).where(
                fulltext.one_of(Page.id, list(first_pages.values()))
            )
        ):
            found[task_id].snippet = snippet(text, patterns)
            found[task_id].page_index = page_index
    without = [task_id for task_id, shown in found.items() if shown.snippet is None]
    if without:
        terms_of_results = list(
            session.execute(
                select(AnnotationTerm.id, AnnotationTerm.task_id, AnnotationTerm.name)
                .where(fulltext.one_of(AnnotationTerm.task_id, without))
                .order_by(AnnotationTerm.task_id, AnnotationTerm.id)
            )
        )
        hit_terms = set(
            session.scalars(
                fulltext.term_ids(patterns, among=[term_id for term_id, _, _ in terms_of_results])
            )
        )
        texts: dict[int, str] = {
            term_id: text
            for term_id, text in session.execute(
                select(AnnotationTerm.id, AnnotationTerm.text).where(
                    fulltext.one_of(AnnotationTerm.id, list(hit_terms))
                )
            )
        }
        for term_id, task_id, label in terms_of_results:
            if term_id in texts and found[task_id].snippet is None:
                found[task_id].snippet = snippet(texts[term_id], patterns)
                found[task_id].label = label
    return found


def page_word_hits(
    session: Session, *, task_id: int, patterns: list[Pattern]
) -> dict[int, list[int]]:
    """``page index → indices of its words that take part in a hit`` for the pages where the
    index found one (the labeling page marks them)."""
    fulltext = fulltext_for(session.get_bind().dialect.name)
    found: dict[int, list[int]] = {}
    task_pages = list(session.scalars(select(Page.id).where(Page.task_id == task_id)))
    for page_index, blob in session.execute(
        select(Page.page_index, Page.words_blob)
        .where(Page.id.in_(fulltext.page_ids(patterns, among=task_pages)))
        .order_by(Page.page_index)
    ):
        hits = word_hits(word_columns(blob)["text"], patterns)
        if hits:
            found[page_index] = hits
    return found
