"""The JSON shapes of tasks and pages, built straight from rows for speed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from visualner.annotations.models import Annotation, Prediction
from visualner.tasks.models import Page, Task
from visualner.word_codec import words_as_json

#: What ``task_summary`` shows: a list reads these columns as plain rows, without a task's
#: ``data`` (a whole imported JSON task) and without building ORM objects.
SUMMARY_COLUMNS = (
    Task.id,
    Task.number,
    Task.project_id,
    Task.title,
    Task.status,
    Task.page_count,
    Task.annotation_count,
    Task.prediction_count,
    Task.prediction_score,
    Task.annotators,
    Task.created_at,
    Task.updated_at,
)
#: A listed task: a ``Task``, or a row of ``SUMMARY_COLUMNS``.
ListedTask = Task | Row[*tuple[Any, ...]]


def task_summary(task: ListedTask) -> dict[str, Any]:
    """A task as listed (the ``TaskSummary`` schema)."""
    return {
        "id": task.id,
        "number": task.number,
        "project_id": task.project_id,
        "title": task.title,
        "status": task.status,
        "page_count": task.page_count,
        "annotation_count": task.annotation_count,
        "prediction_count": task.prediction_count,
        "prediction_score": task.prediction_score,
        "annotators": task.annotators,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def page_image_url(page: Page) -> str | None:
    if page.image_sha256 is None:
        return None
    return f"/api/tasks/{page.task_id}/pages/{page.page_index}/image?v={page.image_sha256[:12]}"


def page_json(page: Page, *, include_words: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "index": page.page_index,
        "width": page.width,
        "height": page.height,
        "image_url": page_image_url(page),
        "word_count": page.word_count,
        "words_source": page.words_source,
        "ocr_status": page.ocr_status,
        "ocr_engine": page.ocr_engine,
        "ocr_error": page.ocr_error,
    }
    if include_words:
        payload["words"] = words_as_json(page.words_blob)
    return payload


def people_of_annotations(annotations: list[Annotation]) -> list[int | None]:
    """The user ids ``annotation_json`` names: each annotation's author and last editor."""
    return [a.user_id for a in annotations] + [a.edited_by_id for a in annotations]


def annotation_json(annotation: Annotation, usernames: dict[int, str]) -> dict[str, Any]:
    result = annotation.result or {}
    return {
        "id": annotation.id,
        "task_id": annotation.task_id,
        "user": usernames.get(annotation.user_id) if annotation.user_id else None,
        "status": annotation.status,
        "version": annotation.version,
        "review_status": annotation.review_status,
        "edited_by": usernames.get(annotation.edited_by_id) if annotation.edited_by_id else None,
        "imported_from": annotation.imported_from,
        "regions": result.get("regions", []),
        "relations": result.get("relations", []),
        "choices": result.get("choices", {}),
        "created_at": annotation.created_at.isoformat(),
        "updated_at": annotation.updated_at.isoformat(),
    }


def prediction_json(prediction: Prediction) -> dict[str, Any]:
    result = prediction.result or {}
    return {
        "id": prediction.id,
        "model_version": prediction.model_version,
        "score": prediction.score,
        "regions": result.get("regions", []),
        "relations": result.get("relations", []),
        "choices": result.get("choices", {}),
        "created_at": prediction.created_at.isoformat(),
    }


def task_json(
    task: Task,
    pages: list[Page],
    annotations: list[Annotation],
    predictions: list[Prediction],
    usernames: dict[int, str],
    *,
    words_inline_limit: int,
) -> dict[str, Any]:
    """The full task. Words are inline while the document has at most ``words_inline_limit``
    pages; bigger documents list pages without words and clients fetch ``pages/{n}``."""
    inline = len(pages) <= words_inline_limit
    return {
        "id": task.id,
        "number": task.number,
        "project_id": task.project_id,
        "title": task.title,
        "data": task.data,
        "status": task.status,
        "page_count": task.page_count,
        "created_at": task.created_at.isoformat(),
        "updated_at": task.updated_at.isoformat(),
        "words_inline": inline,
        "pages": [page_json(p, include_words=inline) for p in pages],
        "annotations": [annotation_json(a, usernames) for a in annotations],
        "predictions": [prediction_json(p) for p in predictions],
    }
