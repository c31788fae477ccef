"""``csv``: one row per region: ``task, page, label, text, x, y, width, height`` (pixels,
top-left corner), then ``region_id`` and ``source`` (``annotation:ID`` or ``prediction:ID``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from visualner.formats.records import ExportContext, ExportTask, region_box

HEADER = ["task", "page", "label", "text", "x", "y", "width", "height", "region_id", "source"]


class CsvWriter:
    def __init__(self, sink: BinaryIO, ctx: ExportContext) -> None:
        self.sink = sink
        self.buffer = io.StringIO()
        self.rows = csv.writer(self.buffer, lineterminator="\n")
        self.rows.writerow(HEADER)
        self._flush()

    def _flush(self) -> None:
        self.sink.write(self.buffer.getvalue().encode())
        self.buffer.seek(0)
        self.buffer.truncate()

    def write_task(self, task: ExportTask) -> None:
        annotation = task.chosen_result()
        if annotation is None:
            return
        source = f"{'prediction' if annotation.is_prediction else 'annotation'}:{annotation.id}"
        pages = task.pages
        rows: list[list[Any]] = []
        append = rows.append
        for region in annotation.regions:
            page = int(region.get("page", 0))
            page_of = pages[page] if page < len(pages) else None
            boxes = page_of.boxes if page_of is not None and not region.get("bbox") else ()
            x0, y0, x1, y1 = region_box(region, boxes)
            text = region.get("text") or ""
            if not text and page_of is not None and region.get("tokens"):
                texts = page_of.texts
                text = " ".join(texts[i] for i in region["tokens"] if i < len(texts))
            append(
                [
                    task.id,
                    page,
                    region.get("label", ""),
                    text,
                    round(x0, 1),
                    round(y0, 1),
                    round(x1 - x0, 1),
                    round(y1 - y0, 1),
                    region.get("id", ""),
                    source,
                ]
            )
        self.rows.writerows(rows)
        self._flush()

    def close(self) -> Iterator[None]:
        self._flush()
        yield
