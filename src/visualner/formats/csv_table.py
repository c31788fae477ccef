"""``csv``: one row per region: ``task, page, label, text, x, y, width, height`` (pixels,
top-left corner), then ``region_id`` and ``source`` (``annotation:ID`` or ``prediction:ID``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from visualner.formats.records import ExportContext, ExportTask, region_box

EXACT_LIMIT = 1e14
"""Below this magnitude a float's ``f"{x:.1f}"`` text is exactly ``repr(round(x, 1))``: both come
from the same correctly rounded decimal, and a double this small has an ulp under 0.1, so no
shorter decimal reads back as the same double."""


def one_decimal(x0: float, y0: float, x1: float, y1: float) -> tuple[Any, Any, Any, Any]:
    """``x, y, width, height`` rounded to 0.1 px, as ``csv.writer`` would write
    ``round(v, 1)``: as text when all four are ordinary floats (``csv.writer`` then copies
    them instead of calling ``repr``), else as ``round`` gives them (integers stay integers)."""
    limit = EXACT_LIMIT
    if (
        type(x0) is float
        and type(y0) is float
        and type(x1) is float
        and type(y1) is float
        and -limit < x0 < limit
        and -limit < y0 < limit
        and -limit < x1 < limit
        and -limit < y1 < limit
    ):
        return (f"{x0:.1f}", f"{y0:.1f}", f"{x1 - x0:.1f}", f"{y1 - y0:.1f}")
    return (round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1))


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
            x, y, width, height = one_decimal(*region_box(region, boxes))
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
                    x,
                    y,
                    width,
                    height,
                    region.get("id", ""),
                    source,
                ]
            )
        self.rows.writerows(rows)
        self._flush()

    def close(self) -> Iterator[None]:
        self._flush()
        yield
