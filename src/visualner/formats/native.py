"""``json``: visualner's own task list, full fidelity.

One JSON array; each task carries its data, its pages (size, image sha256 and URL, words with
boxes, confidences and reading-order ids), its annotations (regions, relations, choices, status,
review status, version and the metadata of earlier versions) and, on request, its predictions.
It is the shape ``POST /api/projects/{id}/import`` takes, so an export can be re-imported; the
``*_from_native`` functions read it back for that.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation, Prediction
from visualner.annotations.schemas import AnnotationBody
from visualner.annotations.service import refresh_task_status, validate_annotation
from visualner.auth.models import User
from visualner.documents.blobstore import BlobStore
from visualner.errors import InvalidInput
from visualner.formats.records import (
    ExportAnnotation,
    ExportContext,
    ExportPage,
    ExportTask,
    JsonArrayWriter,
)
from visualner.projects.config import LabelConfig
from visualner.tasks.models import OcrStatus, Page, Task
from visualner.tasks.service import NewPage, create_task
from visualner.words import Word

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


def pages_from_native(raw_task: dict[str, Any], *, where: str = "task") -> list[NewPage]:
    """The pages a native task carries, ready for ``tasks.service.create_task``."""
    if not isinstance(raw_task, dict):
        raise InvalidInput(f"{where}: a task must be an object")
    raw_pages = raw_task.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        raise InvalidInput(f"{where}: 'pages' must be a non-empty list")
    pages: list[NewPage] = []
    for position, raw in enumerate(raw_pages):
        try:
            image = raw.get("image") or {}
            words = raw.get("words")
            pages.append(
                NewPage(
                    width=int(raw["width"]),
                    height=int(raw["height"]),
                    image_sha256=image.get("sha256"),
                    image_mime=str(image.get("mime") or "image/png"),
                    words=[Word.from_json(w) for w in words] if words else None,
                    words_source=str(raw.get("words_source") or ""),
                    ocr_engine=str(raw.get("ocr_engine") or ""),
                )
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"{where}.pages[{position}]: {exc!r}") from exc
    return pages


def is_self_contained(raw_task: dict[str, Any], blobs: BlobStore) -> bool:
    """True when a native task needs no download: it carries its pages, and every page
    image it names is already in the blob store (an export of this installation)."""
    if not isinstance(raw_task, dict):
        return False
    raw_pages = raw_task.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        return False
    for raw in raw_pages:
        if not isinstance(raw, dict):
            return False
        sha = (raw.get("image") or {}).get("sha256")
        if sha is not None and not (isinstance(sha, str) and _blob_exists(blobs, sha)):
            return False
    return True


def _blob_exists(blobs: BlobStore, sha256: str) -> bool:
    try:
        return blobs.exists(sha256)
    except InvalidInput:
        return False


def create_task_from_native(
    session: Session,
    *,
    project_id: int,
    raw_task: dict[str, Any],
    config: LabelConfig,
    importing_user_id: int | None,
    import_job_id: int | None = None,
    where: str = "task",
) -> Task:
    """Store a native task as it was exported: pages with their images (already in the blob
    store) and words, page OCR status, annotations with their status, review status and
    author (by username; the importing user when no such user exists), and predictions.

    This is what the importer does with a self-contained native task instead of downloading
    its document (see docs/export-formats.md, "Re-importing")."""
    data = raw_task.get("data")
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: 'data' must be an object")
    pages = pages_from_native(raw_task, where=where)
    source = data.get("source") if isinstance(data.get("source"), dict) else {}
    task = create_task(
        session,
        project_id=project_id,
        title=str(raw_task.get("title") or data.get(config.image_data_key) or "task"),
        data=data,
        pages=pages,
        source_sha256=(source or {}).get("sha256"),
        import_job_id=import_job_id,
    )
    statuses = [str(p.get("ocr_status") or "") for p in raw_task["pages"]]
    for page in session.scalars(select(Page).where(Page.task_id == task.id)):
        if statuses[page.page_index] in {s.value for s in OcrStatus}:
            page.ocr_status = statuses[page.page_index]
    for position, raw in enumerate(raw_task.get("annotations") or []):
        here = f"{where}.annotations[{position}]"
        body = _annotation_body(raw, here)
        validate_annotation(session, task=task, body=body, config=config)
        author = raw.get("user")
        user_id = session.scalar(select(User.id).where(User.username == author)) if author else None
        session.add(
            Annotation(
                task_id=task.id,
                user_id=user_id or importing_user_id,
                status=body.status,
                review_status=str(raw.get("review_status") or ""),
                result=body.model_dump(include={"regions", "relations", "choices"}, mode="json"),
            )
        )
    predictions = raw_task.get("predictions") or []
    for position, raw in enumerate(predictions):
        _annotation_body({**raw, "status": "submitted"}, f"{where}.predictions[{position}]")
        session.add(
            Prediction(
                task_id=task.id,
                model_version=str(raw.get("model_version") or ""),
                score=raw.get("score"),
                result={k: raw.get(k) or default for k, default in RESULT_KEYS},
            )
        )
    task.prediction_count = len(predictions)
    session.flush()
    refresh_task_status(session, task_id=task.id)
    return task


def _annotation_body(raw: Any, where: str) -> AnnotationBody:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: must be an object")
    try:
        return AnnotationBody(
            regions=raw.get("regions") or [],
            relations=raw.get("relations") or [],
            choices=raw.get("choices") or {},
            status=raw.get("status") or "submitted",
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"{where}.{location}: {first.get('msg')}") from exc
