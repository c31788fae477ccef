"""``layoutlm``: Hugging Face token-classification JSON Lines, one line per page.

``{"id", "task_id", "page", "words", "bboxes", "ner_tags", "image_path"}`` with boxes scaled to
0–1000 of the page (LayoutLM's convention) and BIO tag strings. Words are as the annotation
corrected them (a word corrected into several gives several words with its box:
``records.word_corrections``). Load it with
``datasets.load_dataset("json", data_files=…)``. ``image_path`` is the page image's URL (API
export) or its file in the blob store (``visualner export`` on the server machine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np
import orjson

from visualner.formats.records import (
    ExportContext,
    ExportPage,
    ExportTask,
    bio_tags,
    corrected_tagged_words,
    regions_by_page,
    word_corrections,
)


def normalized_boxes(page: ExportPage) -> list[list[int]]:
    """The page's word boxes scaled to 0–1000 and truncated, as ``int(1000 * x / width)``
    clamped to [0, 1000] per corner, in one numpy pass (the same float64 operations in the
    same order, so the same integers)."""
    flat = page.columns["bbox"]
    if not flat:
        return []
    width, height = float(max(page.width, 1)), float(max(page.height, 1))
    scaled = 1000 * np.asarray(flat, dtype=np.float64).reshape(-1, 4)
    scaled /= np.array([width, height, width, height])
    boxes: list[list[int]] = np.clip(np.trunc(scaled), 0, 1000).astype(np.int64).tolist()
    return boxes


def layoutlm_rows(task: ExportTask, ctx: ExportContext) -> list[dict[str, Any]]:
    grouped = regions_by_page(task.chosen_result())
    rows = []
    for page in task.pages:
        texts, regions = page.texts, grouped.get(page.index, [])
        tags = bio_tags(len(texts), regions)
        boxes = normalized_boxes(page)
        if word_corrections(texts, regions):
            words = [w for w in corrected_tagged_words(texts, tags, regions) if w[1].strip()]
            texts = [text for _, text, _ in words]
            tags = [tag for _, _, tag in words]
            boxes = [boxes[index] for index, _, _ in words]
        else:
            kept = [i for i, text in enumerate(texts) if text.strip()]
            if len(kept) < len(texts):
                texts = [texts[i] for i in kept]
                boxes = [boxes[i] for i in kept]
                tags = [tags[i] for i in kept]
        rows.append(
            {
                "id": f"{task.id}-{page.index}",
                "task_id": task.id,
                "page": page.index,
                "words": texts,
                "bboxes": boxes,
                "ner_tags": tags,
                "image_path": ctx.image_ref(task.id, page.index, page.image_sha256),
            }
        )
    return rows


class LayoutLmWriter:
    def __init__(self, sink: BinaryIO, ctx: ExportContext) -> None:
        self.sink = sink
        self.ctx = ctx

    def write_task(self, task: ExportTask) -> None:
        if task.chosen_result() is None:
            return
        for row in layoutlm_rows(task, self.ctx):
            self.sink.write(orjson.dumps(row) + b"\n")

    def close(self) -> Iterator[None]:
        yield
