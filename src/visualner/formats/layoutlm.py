"""``layoutlm``: Hugging Face token-classification JSON Lines, one line per page.

``{"id", "task_id", "page", "words", "bboxes", "ner_tags", "image_path"}`` with boxes scaled to
0–1000 of the page (LayoutLM's convention) and BIO tag strings; load it with
``datasets.load_dataset("json", data_files=…)``. ``image_path`` is the page image's URL (API
export) or its file in the blob store (``visualner export`` on the server machine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from visualner.formats.records import (
    ExportContext,
    ExportPage,
    ExportTask,
    bio_tags,
    regions_by_page,
)


def normalized_box(bbox: tuple[float, float, float, float], page: ExportPage) -> list[int]:
    width, height = max(page.width, 1), max(page.height, 1)
    x0, y0, x1, y1 = bbox
    return [
        min(1000, max(0, int(1000 * x0 / width))),
        min(1000, max(0, int(1000 * y0 / height))),
        min(1000, max(0, int(1000 * x1 / width))),
        min(1000, max(0, int(1000 * y1 / height))),
    ]


def layoutlm_rows(task: ExportTask, ctx: ExportContext) -> list[dict[str, Any]]:
    grouped = regions_by_page(task.chosen_result())
    rows = []
    for page in task.pages:
        words = page.words
        tags = bio_tags(len(words), grouped.get(page.index, []))
        kept = [i for i, w in enumerate(words) if w.text.strip()]
        rows.append(
            {
                "id": f"{task.id}-{page.index}",
                "task_id": task.id,
                "page": page.index,
                "words": [words[i].text for i in kept],
                "bboxes": [normalized_box(words[i].bbox, page) for i in kept],
                "ner_tags": [tags[i] for i in kept],
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
