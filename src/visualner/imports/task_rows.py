"""An imported task as the rows it becomes, built before the transaction, inserted in it.

The import's worker prepares everything outside the write transaction (parsing, checking,
word columns, the task's status); ``insert_task`` then only runs a handful of INSERTs — no ORM
objects, no read-back of what was just written — so a batch of tasks holds the write lock
briefly.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation, Prediction
from visualner.tasks.models import OcrStatus, Page, Task, TaskStatus
from visualner.word_codec import FORMAT_VERSION, encode_words, page_text
from visualner.words import Word


@dataclass
class PreparedTask:
    title: str
    data: dict[str, Any]
    source_sha256: str | None
    pages: list[dict[str, Any]]
    annotations: list[dict[str, Any]] = field(default_factory=list)
    predictions: list[dict[str, Any]] = field(default_factory=list)

    def status(self) -> str:
        """What ``refresh_task_status`` would derive from the annotations."""
        if any(a.get("review_status") == "accepted" for a in self.annotations):
            return TaskStatus.REVIEWED.value
        if any(a["status"] == "submitted" for a in self.annotations):
            return TaskStatus.SUBMITTED.value
        return (TaskStatus.IN_PROGRESS if self.annotations else TaskStatus.NEW).value


#: the widest or tallest page stored: any page under the pixel caps fits, 10^12 does not
MAX_PAGE_SIDE = 1_000_000


def page_side(value: Any) -> int | None:
    """A page width or height given in JSON, as whole pixels from 1 to ``MAX_PAGE_SIDE``;
    ``None`` for anything else (0, negatives, ``true``, strings, 10^12)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value) if 1 <= value <= MAX_PAGE_SIDE else None


def page_row(
    *,
    width: int,
    height: int,
    image_sha256: str | None,
    image_mime: str,
    words: list[Word] | None,
    words_source: str = "",
    ocr_engine: str = "",
) -> dict[str, Any]:
    """A page's columns as ``create_task`` stores them (words via ``store_page_words``)."""
    row: dict[str, Any] = {
        "width": width,
        "height": height,
        "image_sha256": image_sha256,
        "image_mime": image_mime,
        "words_blob": None,
        "word_count": 0,
        "page_text": "",
        "words_source": "",
        "ocr_engine": "",
        "ocr_status": OcrStatus.PENDING.value,
        "ocr_error": "",
        "ocr_attempts": 0,
    }
    if words is not None:
        row.update(
            words_blob=encode_words(words),
            word_count=len(words),
            page_text=page_text(words),
            words_source=words_source,
            ocr_engine=ocr_engine,
            ocr_status=OcrStatus.DONE.value,
        )
    return row


def word_json_columns(raw_words: list[Any]) -> tuple[bytes, int, str]:
    """``(words_blob, word_count, page_text)`` straight from word JSON (``Word.from_json``'s
    rules: a ``bbox`` of four numbers, ``text``, optional confidence/line/block), without
    making a ``Word`` per word; raises ``KeyError``/``TypeError``/``ValueError`` on bad words."""
    texts: list[str] = []
    boxes: list[float] = []
    confidences: list[float] = []
    lines: list[int] = []
    blocks: list[int] = []
    for raw in raw_words:
        x0, y0, x1, y1 = raw["bbox"]
        texts.append(str(raw["text"]))
        boxes += (
            round(float(x0), 1),
            round(float(y0), 1),
            round(float(x1), 1),
            round(float(y1), 1),
        )
        confidences.append(round(float(raw.get("confidence", 1.0)), 3))
        lines.append(int(raw.get("line", 0)))
        blocks.append(int(raw.get("block", 0)))
    columns = {
        "v": FORMAT_VERSION,
        "text": texts,
        "bbox": boxes,
        "conf": confidences,
        "line": lines,
        "block": blocks,
    }
    return zlib.compress(orjson.dumps(columns), 6), len(texts), _text_of(texts, lines, blocks)


def _text_of(texts: list[str], lines: list[int], blocks: list[int]) -> str:
    """``word_codec.page_text`` over columns: one line of text per (block, line) run."""
    out: list[str] = []
    current: list[str] = []
    last: tuple[int, int] | None = None
    for text, line, block in zip(texts, lines, blocks, strict=True):
        if last is not None and (block, line) != last:
            out.append(" ".join(current))
            current = []
        current.append(text)
        last = (block, line)
    if current:
        out.append(" ".join(current))
    return "\n".join(out)


_TASKS = cast(Table, Task.__table__)
_PAGES = cast(Table, Page.__table__)
_ANNOTATIONS = cast(Table, Annotation.__table__)
_PREDICTIONS = cast(Table, Prediction.__table__)
# Built once: Core statements on the tables skip the ORM's bulk machinery and are compiled
# once, which halved the cost of storing a task.
INSERT_TASK = insert(_TASKS).returning(_TASKS.c.id)
INSERT_PAGES = insert(_PAGES)
INSERT_ANNOTATIONS = insert(_ANNOTATIONS)
INSERT_PREDICTIONS = insert(_PREDICTIONS)


def one_annotation_per_account(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A user has one annotation per task. When an imported task carries several by one
    account (a list annotated by a team, imported by one user), the first stays that
    account's and the others are kept without an account rather than dropped."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        user_id = row.get("user_id")
        if user_id is not None and user_id in seen:
            row = {**row, "user_id": None}
        elif user_id is not None:
            seen.add(user_id)
        kept.append(row)
    return kept


def insert_task(
    session: Session, *, project_id: int, import_job_id: int | None, task: PreparedTask
) -> int:
    """Insert the task, its pages, annotations and predictions; returns the task's id. The
    task is counted and numbered in its project with the others of its batch, before the
    transaction commits (``tasks.service.count_and_number_imported_tasks``)."""
    task_id: int = session.execute(
        INSERT_TASK,
        {
            "project_id": project_id,
            "number": None,
            "title": task.title[:500],
            "data": task.data,
            "status": task.status(),
            "source_sha256": task.source_sha256,
            "page_count": len(task.pages),
            "annotation_count": len(task.annotations),
            "prediction_count": len(task.predictions),
            "import_job_id": import_job_id,
        },
    ).scalar_one()
    session.execute(
        INSERT_PAGES,
        [{**row, "task_id": task_id, "page_index": i} for i, row in enumerate(task.pages)],
    )
    if task.annotations:
        session.execute(
            INSERT_ANNOTATIONS,
            [{**row, "task_id": task_id} for row in one_annotation_per_account(task.annotations)],
        )
    if task.predictions:
        session.execute(
            INSERT_PREDICTIONS, [{**row, "task_id": task_id} for row in task.predictions]
        )
    return task_id
