"""``coco``: one COCO detection JSON (``images``, ``annotations``, ``categories``).

Every region of a task's exported annotation is a box (``bbox`` = ``[x, y, width, height]`` in
pixels, a four-point ``segmentation``, ``area``, ``iscrowd`` 0, and its ``text``); each page is
an image whose ``file_name`` is the page image's URL or blob-store path. Categories are the
config's labels (ids from 1), plus any label found in regions that the config no longer has.
Annotations are written as they come; the (small) image list waits in a temporary file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from visualner.formats.records import ExportContext, ExportTask, region_box

COPY_CHUNK = 1 << 20


class CocoWriter:
    def __init__(self, sink: BinaryIO, ctx: ExportContext) -> None:
        self.sink = sink
        self.ctx = ctx
        self.categories: dict[str, int] = {
            label: number for number, label in enumerate(ctx.label_values, start=1)
        }
        self.images = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.image_count = 0
        self.annotation_count = 0
        info = {
            "description": f"visualner project {ctx.project_id}: {ctx.project_title}",
            "version": "1.0",
        }
        sink.write(b'{"info":' + orjson.dumps(info) + b',"licenses":[],"annotations":[')

    def _category(self, label: str) -> int:
        if label not in self.categories:
            self.categories[label] = len(self.categories) + 1
        return self.categories[label]

    def write_task(self, task: ExportTask) -> None:
        annotation = task.chosen_result()
        if annotation is None:
            return
        image_ids: dict[int, int] = {}
        for page in task.pages:
            self.image_count += 1
            image_ids[page.index] = self.image_count
            image = {
                "id": self.image_count,
                "file_name": self.ctx.image_ref(task.id, page.index, page.image_sha256),
                "width": page.width,
                "height": page.height,
                "task_id": task.id,
                "page": page.index,
            }
            self.images.write((b"," if self.image_count > 1 else b"") + orjson.dumps(image))
        items: list[dict[str, Any]] = []
        append = items.append
        categories = self.categories
        next_id = self.annotation_count + 1
        for region in annotation.regions:
            page_index = int(region.get("page", 0))
            if page_index not in image_ids:
                continue
            boxes = [] if region.get("bbox") else task.pages[page_index].boxes
            x0, y0, x1, y1 = region_box(region, boxes)
            width, height = x1 - x0, y1 - y0
            label = str(region.get("label", ""))
            category = categories.get(label) or self._category(label)
            item: dict[str, Any] = {
                "id": next_id,
                "image_id": image_ids[page_index],
                "category_id": category,
                "bbox": [x0, y0, width, height],
                "area": width * height,
                "segmentation": [[x0, y0, x1, y0, x1, y1, x0, y1]],
                "iscrowd": 0,
                "text": region.get("text", ""),
                "region_id": region.get("id", ""),
            }
            score = region.get("score")
            if score is not None:
                item["score"] = score
            append(item)
            next_id += 1
        if items:
            separator = b"," if self.annotation_count else b""
            self.sink.write(separator + orjson.dumps(items)[1:-1])
            self.annotation_count += len(items)

    def close(self) -> Iterator[None]:
        self.sink.write(b'],"images":[')
        self.images.seek(0)
        while chunk := self.images.read(COPY_CHUNK):
            self.sink.write(chunk)
            yield
        self.images.close()
        categories = [
            {"id": number, "name": label, "supercategory": "entity"}
            for label, number in self.categories.items()
        ]
        self.sink.write(b'],"categories":' + orjson.dumps(categories) + b"}\n")
        yield
