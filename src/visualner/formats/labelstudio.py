"""``labelstudio``: a Label Studio task list (``rectanglelabels`` + per-region ``textarea``,
percent coordinates, relations, choices) that Label Studio imports as pre-labelled tasks.

Page images are referenced by URL; a task of several pages lists them all in ``data.pages`` and
its results carry ``item_index`` (use ``<Image valueList="$pages">`` in Label Studio).
"""

from __future__ import annotations

from typing import Any

from visualner.formats.labelstudio_results import to_labelstudio_result
from visualner.formats.records import (
    Box,
    ExportAnnotation,
    ExportContext,
    ExportTask,
    JsonArrayWriter,
)


def labelstudio_task(task: ExportTask, ctx: ExportContext) -> dict[str, Any]:
    sizes = [(max(p.width, 1), max(p.height, 1)) for p in task.pages]
    urls = [ctx.image_ref(task.id, p.index, p.image_sha256) for p in task.pages]
    data = dict(task.data)
    if urls:
        data[ctx.image_data_key] = urls[0]
    if len(urls) > 1:
        data["pages"] = urls

    def page_boxes(page: int) -> list[Box]:
        return task.pages[page].boxes

    def result_of(annotation: ExportAnnotation) -> list[dict[str, Any]]:
        return to_labelstudio_result(
            annotation.result,
            page_sizes=sizes,
            page_boxes=page_boxes,
            from_name=next(iter(ctx.label_groups.values()), "label"),
            to_name=ctx.image_name,
            text_name=ctx.text_area_name,
            label_groups=ctx.label_groups,
        )

    annotations: list[dict[str, Any]] = []
    drafts: list[dict[str, Any]] = []
    for annotation in task.annotations:
        entry = {
            "id": annotation.id,
            "result": result_of(annotation),
            "was_cancelled": False,
            "ground_truth": annotation.review_status == "accepted",
            "created_at": annotation.created_at,
            "updated_at": annotation.updated_at,
            "meta": {"user": annotation.user, "review_status": annotation.review_status},
        }
        (annotations if annotation.status == "submitted" else drafts).append(entry)
    payload: dict[str, Any] = {
        "id": task.id,
        "data": data,
        "meta": {"title": task.title, "status": task.status},
        "annotations": annotations,
        "predictions": [
            {
                "id": p.id,
                "model_version": p.model_version,
                "score": p.score,
                "result": result_of(p),
            }
            for p in task.predictions
        ],
    }
    if drafts:
        payload["drafts"] = drafts
    return payload


class LabelStudioWriter(JsonArrayWriter):
    def task_json(self, task: ExportTask) -> dict[str, Any]:
        return labelstudio_task(task, self.ctx)
