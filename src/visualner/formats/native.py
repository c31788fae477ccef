"""``json``: visualner's own task list, full fidelity.

One JSON array; each task carries its data, its pages (size, image sha256 and URL, words with
boxes, confidences and reading-order ids), its annotations (regions, relations, choices, status,
review status, version and the metadata of earlier versions) and, on request, its predictions.
It is the shape ``POST /api/projects/{id}/import`` takes, so an export can be re-imported
(``imports/native_rows.py`` reads it back; ``imports/page_refs.py`` says which page images it
may name without a download).
"""

from __future__ import annotations

from typing import Any

from visualner.formats.records import (
    ExportAnnotation,
    ExportContext,
    ExportPage,
    ExportTask,
    JsonArrayWriter,
)

RESULT_KEYS: tuple[tuple[str, Any], ...] = (("regions", []), ("relations", []), ("choices", {}))


def native_page(task: ExportTask, page: ExportPage, ctx: ExportContext) -> dict[str, Any]:
    image = None
    if page.image_sha256:
        image = {
            "sha256": page.image_sha256,
            "mime": page.image_mime,
            "url": ctx.image_ref(task.id, page.index, page.image_sha256),
        }
    return {
        "index": page.index,
        "width": page.width,
        "height": page.height,
        "image": image,
        "words_source": page.words_source,
        "ocr_engine": page.ocr_engine,
        "ocr_status": page.ocr_status,
        "words": page.words_json(),
    }


def native_annotation(annotation: ExportAnnotation) -> dict[str, Any]:
    result = {
        "regions": annotation.regions,
        "relations": annotation.relations,
        "choices": annotation.choices,
    }
    if annotation.is_prediction:
        return {
            "id": annotation.id,
            "model_version": annotation.model_version,
            "score": annotation.score,
            "created_at": annotation.created_at,
            **result,
        }
    return {
        "id": annotation.id,
        "user": annotation.user,
        "status": annotation.status,
        "review_status": annotation.review_status,
        "version": annotation.version,
        "created_at": annotation.created_at,
        "updated_at": annotation.updated_at,
        "history": annotation.history,
        **result,
    }


def native_task(task: ExportTask, ctx: ExportContext) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "status": task.status,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "data": task.data,
        "pages": [native_page(task, page, ctx) for page in task.pages],
        "annotations": [native_annotation(a) for a in task.annotations],
        "predictions": [native_annotation(p) for p in task.predictions],
    }


class NativeJsonWriter(JsonArrayWriter):
    def task_json(self, task: ExportTask) -> dict[str, Any]:
        return native_task(task, self.ctx)
