"""Search figures for ``bench/api.py``: a project of synthetic FUNSD-size documents (~150
words a page, a Zipf vocabulary, 20% of them annotated), then p50/p99 of word, phrase,
``label:`` and combined queries and of sorted lists, and the size of the full-text index.

Targets (issue 16): p50 < 50 ms for text queries, < 20 ms for the others, both engines.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update

from visualner.annotations.models import Annotation
from visualner.db import Database, session_scope
from visualner.projects.models import Project
from visualner.tasks.models import Page, Task
from visualner.word_codec import encode_words, page_text
from visualner.words import Word

WORDS_PER_PAGE = 150
VOCABULARY = 20_000
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "de", "pa", "ze", "gu", "fi", "bo"]
LABELS = ["question", "answer", "header", "other"]
#: a phrase planted in 0.2% of the documents, and a word in about 1% of them
PHRASE = ("invoice", "reference")
RARE_WORD = "quittance"
BATCH = 2000

Timer = Callable[[list[str]], Awaitable[tuple[list[float], int, float]]]


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


def synthetic_page(rng: random.Random, words: list[str], cum_weights: list[float]) -> list[Word]:
    texts = rng.choices(words, cum_weights=cum_weights, k=WORDS_PER_PAGE)
    if rng.random() < 0.01:
        texts[rng.randrange(WORDS_PER_PAGE)] = RARE_WORD
    if rng.random() < 0.002:
        at = rng.randrange(WORDS_PER_PAGE - 1)
        texts[at : at + 2] = PHRASE
    return [
        Word(
            t,
            (20 + (i % 10) * 70, 20 + (i // 10) * 30, 80 + (i % 10) * 70, 40 + (i // 10) * 30),
            0.9,
            i // 10,
            0,
        )
        for i, t in enumerate(texts)
    ]


def seed_search_project(database_url: str, project_id: int, count: int) -> None:
    """Insert ``count`` one-page tasks through Core (the triggers index them as they go)."""
    rng = random.Random(16)
    words = vocabulary(rng)
    cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    database = Database(database_url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope(database.write) as session:
        for first in range(0, count, BATCH):
            size = min(BATCH, count - first)
            task_rows = [
                {
                    "project_id": project_id,
                    "title": f"scan-{rng.randrange(10**8):08d}.png",
                    "data": {},
                    "page_count": 1,
                    "status": "new",
                    "updated_at": start + timedelta(minutes=rng.randrange(500_000)),
                }
                for _ in range(size)
            ]
            ids = list(session.scalars(insert(Task).returning(Task.id), task_rows))
            pages = []
            annotations = []
            for task_id in ids:
                page_words = synthetic_page(rng, words, cum_weights)
                pages.append(
                    {
                        "task_id": task_id,
                        "page_index": 0,
                        "width": 800,
                        "height": 1000,
                        "words_blob": encode_words(page_words),
                        "word_count": len(page_words),
                        "page_text": page_text(page_words),
                        "ocr_status": "done",
                    }
                )
                if rng.random() < 0.2:
                    regions = [
                        {
                            "id": f"r{k}",
                            "page": 0,
                            "label": rng.choice(LABELS),
                            "tokens": [k],
                            "text": page_words[k].text,
                        }
                        for k in range(0, 40, 2)
                    ]
                    annotations.append(
                        {
                            "task_id": task_id,
                            "status": "submitted",
                            "result": {"regions": regions, "relations": [], "choices": {}},
                        }
                    )
            session.execute(insert(Page), pages)
            if annotations:
                session.execute(insert(Annotation), annotations)
                annotated = [a["task_id"] for a in annotations]
                session.execute(
                    update(Task)
                    .where(Task.id.in_(annotated))
                    .values(status="submitted", annotation_count=1)
                )
        session.execute(update(Project).where(Project.id == project_id).values(task_count=count))
    if not database.is_sqlite:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("tasks", "pages", "annotations", "annotation_terms"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    database.dispose()


def index_size_mb(database_url: str) -> str:
    """What the full-text index takes on disk (SQLite: the FTS5 shadow tables; PostgreSQL:
    the tsvector columns and their GIN indexes)."""
    database = Database(database_url)
    with session_scope(database.read) as session:
        if database.is_sqlite:
            tables = ("pages_fts", "tasks_fts", "annotation_terms_fts")
            total = 0
            for table in tables:
                for part in ("data", "idx", "docsize", "config"):
                    total += (
                        session.scalar(
                            text("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = :n"),
                            {"n": f"{table}_{part}"},
                        )
                        or 0
                    )
            described = f"FTS5 tables {total / 2**20:.0f} MB"
        else:
            gin = (
                session.scalar(
                    text(
                        "SELECT sum(pg_relation_size(indexrelid)) FROM pg_index "
                        "JOIN pg_class ON pg_class.oid = indexrelid "
                        "WHERE relname IN ('ix_pages_search_vector', 'ix_tasks_title_vector', "
                        "'ix_annotation_terms_search_vector')"
                    )
                )
                or 0
            )
            vectors = (
                session.scalar(text("SELECT sum(pg_column_size(search_vector)) FROM pages")) or 0
            )
            described = (
                f"GIN indexes {gin / 2**20:.0f} MB + page tsvector columns {vectors / 2**20:.0f} MB"
            )
        page_text_mb = (
            session.scalar(select(text("sum(length(page_text))")).select_from(Page)) or 0
        ) / 2**20
    database.dispose()
    return f"{described} (the page text itself: {page_text_mb:.0f} MB)"


def search_requests(project_id: int) -> list[tuple[str, str, int]]:
    """(name, query string, target p50 ms)."""
    base = f"/api/projects/{project_id}/tasks?page_size=100"
    common = vocabulary(random.Random(16))[0]
    phrase = "%22" + "+".join(PHRASE) + "%22"
    return [
        (f"word query ({RARE_WORD}, ~1% of tasks)", f"{base}&q={RARE_WORD}", 50),
        (f'phrase query ("{" ".join(PHRASE)}", ~0.2%)', f"{base}&q={phrase}", 50),
        ("label:header (~20% x 4 labels)", f"{base}&q=label:header", 20),
        (
            f"combined: {RARE_WORD} label:answer -status:new",
            f"{base}&q={RARE_WORD}+label:answer+-status:new",
            50,
        ),
        ("list sorted by title", f"{base}&sort=title&page=37", 20),
        ("list sorted by update date (newest first)", f"{base}&sort=-updated&page=37", 20),
        ("label:header sorted by title", f"{base}&q=label:header&sort=title", 20),
        ("label:header sorted by update date", f"{base}&q=label:header&sort=-updated", 20),
        (f"common word ({common}, in most tasks), for scale", f"{base}&q={common}", 50),
    ]


async def report_search(
    time_requests: Callable[
        [list[tuple[str, str, Any]], int], Awaitable[tuple[list[float], int, float]]
    ],
    report: Callable[[str, list[float], int, float], None],
    project_id: int,
    repeats: int = 100,
    server_cpu: Callable[[], float] | None = None,
) -> None:
    """``server_cpu`` (the server's CPU seconds so far) adds the CPU each request took: on a
    shared machine it says more than the latency."""
    for name, url, target in search_requests(project_id):
        requests = [("GET", url, None)] * repeats
        await time_requests(requests[:5], 1)
        before = server_cpu() if server_cpu else 0.0
        report(f"{name} (target p50 < {target} ms)", *await time_requests(requests, 1))
        if server_cpu:
            print(f"    server CPU {(server_cpu() - before) * 1000 / repeats:.1f} ms a request")


SEARCH_TRIGGER_PREFIXES = (
    "pages_fts_",
    "tasks_fts_",
    "annotation_terms_",
    "tasks_prediction_score",
)


#: PostgreSQL's index: generated tsvector columns with GIN indexes, and the triggers that
#: write ``annotation_terms`` and the tasks' prediction scores (as on SQLite)
POSTGRES_VECTORS = {
    "pages": ("search_vector", "ix_pages_search_vector"),
    "tasks": ("title_vector", "ix_tasks_title_vector"),
    "annotation_terms": ("search_vector", "ix_annotation_terms_search_vector"),
}
POSTGRES_INDEX_TRIGGERS = {
    "annotation_terms_insert": "annotations",
    "annotation_terms_update": "annotations",
    "annotation_terms_task_project": "tasks",
    "tasks_prediction_score": "predictions",
}


def disable_search_index(database_url: str) -> None:
    """Stop keeping the search index in step, to measure what indexing costs an import:
    on SQLite drop the triggers that write the FTS5 tables; on PostgreSQL turn the tsvector
    columns into plain ones, drop their GIN indexes and the triggers that write
    ``annotation_terms``. Only for benchmarks: searches then miss new tasks."""
    database = Database(database_url)
    with database.engine.begin() as conn:
        if database.is_sqlite:
            names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for (name,) in names.all():
                if name.startswith(SEARCH_TRIGGER_PREFIXES):
                    conn.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            for trigger, table in POSTGRES_INDEX_TRIGGERS.items():
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            for table, (vector, index) in POSTGRES_VECTORS.items():
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
                conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {vector} DROP EXPRESSION")
    database.dispose()
