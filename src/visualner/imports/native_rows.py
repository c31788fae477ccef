"""A self-contained task of our own JSON export, as rows to insert.

Checked as a save through the API is (``annotation_check.checked_body`` for the shape,
``annotations.rules.check_annotation`` against the config) but without pydantic or queries, and
prepared outside the transaction, so a list of pre-annotated tasks imports at bulk speed. The
round-trip tests hold it to the export.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from visualner.annotations.rules import check_annotation
from visualner.errors import InvalidInput
from visualner.formats.native import RESULT_KEYS
from visualner.imports.annotation_check import checked_body
from visualner.imports.task_rows import (
    MAX_PAGE_SIDE,
    PreparedTask,
    page_row,
    page_side,
    word_json_columns,
)
from visualner.projects.config import LabelConfig
from visualner.tasks.models import OcrStatus

OCR_STATUSES = frozenset(s.value for s in OcrStatus)
#: the longest username kept as an imported annotation's original author
AUTHOR_CHARS = 150


def _shown(value: Any) -> str:
    """A JSON value as the user wrote it, cut short for an error message."""
    text = orjson.dumps(value, default=str).decode()
    return text if len(text) <= 40 else text[:39] + "…"


def _page_size(raw: dict[str, Any], key: str, where: str) -> int:
    side = page_side(raw.get(key))
    if side is None:
        found = _shown(raw[key]) if key in raw else "nothing"
        raise InvalidInput(
            f"{where}.{key} must be a whole number of pixels from 1 to {MAX_PAGE_SIDE:,}, "
            f"not {found}"
        )
    return side


def _native_pages(
    raw_task: dict[str, Any], image_media_types: Mapping[str, str], where: str
) -> list[dict[str, Any]]:
    raw_pages = raw_task.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        raise InvalidInput(f"{where}: 'pages' must be a non-empty list")
    rows = []
    for position, raw in enumerate(raw_pages):
        here = f"{where}.pages[{position}]"
        if not isinstance(raw, dict):
            raise InvalidInput(f"{here} must be an object")
        image = raw.get("image") or {}
        sha256 = image.get("sha256") if isinstance(image, dict) else None
        row = page_row(
            width=_page_size(raw, "width", here),
            height=_page_size(raw, "height", here),
            image_sha256=sha256,
            image_mime=image_media_types[sha256] if sha256 is not None else "image/png",
            words=None,
        )
        words = raw.get("words")
        if words:
            if not isinstance(words, list):
                raise InvalidInput(f"{here}.words must be a list")
            try:
                blob, count, text = word_json_columns(words)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                raise InvalidInput(
                    f"{here}.words: each word needs a 'text' and a 'bbox' of four numbers "
                    "('confidence', 'line' and 'block', when given, are numbers)"
                ) from exc
            row.update(
                words_blob=blob,
                word_count=count,
                page_text=text,
                words_source=str(raw.get("words_source") or ""),
                ocr_engine=str(raw.get("ocr_engine") or ""),
                ocr_status=OcrStatus.DONE.value,
            )
        status = str(raw.get("ocr_status") or "")
        if status in OCR_STATUSES:
            row["ocr_status"] = status
        rows.append(row)
    return rows


def prepare_native_task(
    raw_task: dict[str, Any],
    *,
    config: LabelConfig,
    importing_user_id: int | None,
    image_media_types: Mapping[str, str],
    where: str,
) -> PreparedTask:
    """Pages with their words and OCR status, annotations and predictions, all checked as a
    save through the API would check them. ``image_media_types`` holds every page image the
    task names (``imports.page_refs``: the JSON's own ``mime`` is never used).

    Annotations become the importing user's, their exported author kept only as
    ``imported_from``; their review status is dropped (only a review sets one)."""
    data = raw_task.get("data")
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: 'data' must be an object")
    pages = _native_pages(raw_task, image_media_types, where)
    word_counts = {i: page["word_count"] for i, page in enumerate(pages)}
    source = data.get("source") if isinstance(data.get("source"), dict) else {}
    annotations = []
    for position, raw in enumerate(raw_task.get("annotations") or []):
        here = f"{where}.annotations[{position}]"
        if not isinstance(raw, dict):
            raise InvalidInput(f"{here}: must be an object")
        result, status = checked_body(
            raw.get("regions") or [],
            raw.get("relations") or [],
            raw.get("choices") or {},
            status=raw.get("status") or "submitted",
            where=here,
        )
        check_annotation(result, config=config, word_counts=word_counts, where=here)
        author = raw.get("imported_from") or raw.get("user")
        annotations.append(
            {
                "user_id": importing_user_id,
                "imported_from": str(author)[:AUTHOR_CHARS] if author else "",
                "status": status,
                "review_status": "",
                "result": result,
            }
        )
    predictions = []
    for position, raw in enumerate(raw_task.get("predictions") or []):
        here = f"{where}.predictions[{position}]"
        if not isinstance(raw, dict):
            raise InvalidInput(f"{here}: must be an object")
        checked_body(
            raw.get("regions") or [],
            raw.get("relations") or [],
            raw.get("choices") or {},
            where=here,
        )
        predictions.append(
            {
                "model_version": str(raw.get("model_version") or ""),
                "score": raw.get("score"),
                "result": {k: raw.get(k) or default for k, default in RESULT_KEYS},
            }
        )
    return PreparedTask(
        title=str(raw_task.get("title") or data.get(config.image_data_key) or "task"),
        data=data,
        source_sha256=(source or {}).get("sha256"),
        pages=pages,
        annotations=annotations,
        predictions=predictions,
    )
