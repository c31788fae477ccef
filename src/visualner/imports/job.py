"""The import job: documents and JSON tasks become tasks with pages, words and annotations.

Each item's slow work (rendering, storing images, OCR, downloads) happens outside any
transaction; its task, pages, predictions and annotations are written in the one transaction
that marks the item done, so a killed worker never leaves half a document or a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation, Prediction
from visualner.annotations.schemas import AnnotationBody
from visualner.annotations.service import refresh_task_status, validate_annotation
from visualner.db import session_scope
from visualner.documents.sniff import FileKind, sniff_file_type
from visualner.documents.url_fetch import fetch_url
from visualner.errors import InvalidInput, UnsupportedFile
from visualner.formats.funsd import funsd_to_task, read_funsd_form
from visualner.formats.labelstudio_results import regions_from_labelstudio
from visualner.formats.native import create_task_from_native, is_self_contained
from visualner.imports.options import ImportOptions
from visualner.imports.pages import StoredPage, iter_stored_pages, load_stored_image
from visualner.imports.planning import plan_import
from visualner.imports.task_json import TaskSpec, task_spec
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import ItemOutcome, PlannedItem
from visualner.jobs.models import Job, JobItem
from visualner.ocr.dispatch import OcrDispatcher
from visualner.ocr.targets import resolve_targets
from visualner.ocr.words import Word
from visualner.preannotation.prediction import ImportPreannotator
from visualner.projects.config import LabelConfig, parse_label_config
from visualner.projects.models import Project
from visualner.tasks.models import OcrStatus, Task
from visualner.tasks.service import NewPage, create_task, pages_of_task

log = logging.getLogger(__name__)
KIND = "import"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _JobState:
    """Per-job things built once per worker: the parsed config and the OCR dispatcher."""

    project_id: int
    config: LabelConfig
    options: ImportOptions
    dispatcher: OcrDispatcher | None
    staging: Path
    user_id: int | None
    preannotator: ImportPreannotator | None = None


@dataclass
class DocumentResult:
    pages: list[StoredPage]
    ocr_errors: dict[int, str] = field(default_factory=dict)
    ocr_engines: dict[int, str] = field(default_factory=dict)


class ImportJob:
    kind = KIND

    def __init__(self) -> None:
        self._states: dict[int, _JobState] = {}

    def staging_dir(self, ctx: JobContext, job: Job) -> Path:
        return ctx.settings.upload_dir / str(job.params["staging"])

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        return plan_import(self.staging_dir(ctx, job), job.params["sources"], ctx.settings)

    def _state(self, ctx: JobContext, job: Job) -> _JobState:
        state = self._states.get(job.id)
        if state is None:
            options = ImportOptions(**job.params["options"])
            with session_scope(ctx.database.read) as session:
                project = session.get(Project, job.project_id)
                if project is None:
                    raise InvalidInput(f"project {job.project_id} no longer exists")
                config = parse_label_config(project.label_config)
                targets = (
                    resolve_targets(session, ctx.settings, options.ocr_servers)
                    if options.ocr
                    else []
                )
                preannotator = (
                    ImportPreannotator.for_project(session, blobs=ctx.blobs, project_id=project.id)
                    if options.preannotate
                    else None
                )
            state = _JobState(
                project_id=project.id,
                config=config,
                options=options,
                dispatcher=OcrDispatcher(targets) if targets else None,
                staging=self.staging_dir(ctx, job),
                user_id=job.created_by_id,
                preannotator=preannotator,
            )
            self._states[job.id] = state
        return state

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        state = self._state(ctx, job)
        payload = item.payload
        if payload["kind"] == "task" and is_self_contained(payload["task"], ctx.blobs):
            return self._import_native(state, job, item, payload["task"])
        if payload["kind"] == "funsd":
            return self._import_funsd(ctx, state, job, item)
        if payload["kind"] == "task":
            spec = task_spec(
                payload["task"], image_key=state.config.image_data_key, where=item.name
            )
            downloads = state.staging / "downloads"
            downloads.mkdir(exist_ok=True)
            fetched = fetch_url(
                spec.document_ref,
                dest_dir=downloads,
                max_bytes=ctx.settings.url_fetch_max_mb * 2**20,
                timeout_s=ctx.settings.url_fetch_timeout_s,
                allowlist=ctx.settings.url_allowlist,
            )
            return self._import_document(ctx, state, fetched.path, fetched.filename, spec)
        path = state.staging / payload["path"]
        spec = TaskSpec(data={state.config.image_data_key: payload["name"]}, document_ref="")
        return self._import_document(ctx, state, path, payload["name"], spec)

    def _import_native(
        self, state: _JobState, job: Job, item: JobItem, raw_task: dict[str, Any]
    ) -> ItemOutcome:
        """A task of our own JSON export whose page images are in this installation's blob
        store: stored as exported (words, annotations, versions' authors), nothing fetched."""

        def apply(session: Session) -> dict[str, Any]:
            task = create_task_from_native(
                session,
                project_id=state.project_id,
                raw_task=raw_task,
                config=state.config,
                importing_user_id=state.user_id,
                import_job_id=job.id,
                where=item.name,
            )
            return {"task_id": task.id, "pages": task.page_count}

        return ItemOutcome(apply=apply)

    def _import_funsd(
        self, ctx: JobContext, state: _JobState, job: Job, item: JobItem
    ) -> ItemOutcome:
        """A FUNSD form (its annotation JSON and its image) as a pre-annotated task."""
        payload = item.payload
        image_path = state.staging / payload["image"]
        form = read_funsd_form(state.staging / payload["annotation"], name=item.name)
        with Image.open(image_path) as image:
            width, height = image.size
        sha256 = ctx.blobs.put_file(image_path)
        raw_task = funsd_to_task(
            form, name=payload["name"], width=width, height=height, image_sha256=sha256
        )
        return self._import_native(state, job, item, raw_task)

    def _import_document(
        self, ctx: JobContext, state: _JobState, path: Path, name: str, spec: TaskSpec
    ) -> ItemOutcome:
        kind = sniff_file_type(path, display_name=name)
        if not (kind.is_image or kind == FileKind.PDF):
            raise UnsupportedFile(f"{name}: a {kind.value} file is not a document to label")
        sha256 = file_sha256(path)
        with session_scope(ctx.database.read) as session:
            duplicate = session.scalar(
                select(Task.id)
                .where(Task.project_id == state.project_id, Task.source_sha256 == sha256)
                .limit(1)
            )
        if duplicate is not None and state.options.skip_duplicates:
            return ItemOutcome(
                skipped_reason=f"duplicate of task {duplicate} (sha256 {sha256[:12]}…)"
            )
        document = self._read_pages(ctx, state, path, kind, name)
        prediction = (
            state.preannotator.predict([(p.width, p.height, p.words) for p in document.pages])
            if state.preannotator is not None and not spec.predictions
            else None
        )

        def apply(session: Session) -> dict[str, Any]:
            task = create_task(
                session,
                project_id=state.project_id,
                title=name,
                data={**spec.data, "source": {"name": name, "sha256": sha256, "type": kind.value}},
                pages=[_new_page(i, page, document) for i, page in enumerate(document.pages)],
                source_sha256=sha256,
            )
            _mark_ocr_outcome(session, task.id, document)
            _attach_preannotations(session, task, spec, document.pages, state)
            if prediction is not None and state.preannotator is not None:
                state.preannotator.store(session, task_id=task.id, prediction=prediction)
            result: dict[str, Any] = {"task_id": task.id, "pages": len(document.pages)}
            if document.ocr_errors:
                result["ocr_failed_pages"] = sorted(document.ocr_errors)
            if duplicate is not None:
                result["duplicate_of"] = duplicate
            return result

        return ItemOutcome(apply=apply)

    def _read_pages(
        self, ctx: JobContext, state: _JobState, path: Path, kind: FileKind, name: str
    ) -> DocumentResult:
        pages = list(
            iter_stored_pages(
                path,
                kind,
                name=name,
                settings=ctx.settings,
                blobs=ctx.blobs,
                dpi=state.options.pdf_dpi or ctx.settings.pdf_dpi,
                use_text_layer=state.options.text_layer == "auto",
            )
        )
        document = DocumentResult(pages=pages)
        need_ocr = [i for i, page in enumerate(pages) if page.words is None]
        if need_ocr and state.dispatcher is not None:
            loaders = [
                (lambda sha=pages[i].image_sha256: load_stored_image(ctx.blobs, sha))
                for i in need_ocr
            ]
            for index, outcome in zip(
                need_ocr, state.dispatcher.recognize_many(loaders), strict=True
            ):
                if outcome.page_words is None:
                    document.ocr_errors[index] = outcome.error
                    continue
                pages[index].words = _scaled(
                    outcome.page_words.words,
                    outcome.page_words.width,
                    outcome.page_words.height,
                    pages[index],
                )
                pages[index].words_source = "ocr"
                document.ocr_engines[index] = f"{outcome.target}: {outcome.page_words.engine}"
        return document

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        state = self._states.pop(job.id, None)
        if state is not None and state.dispatcher is not None:
            state.dispatcher.close()
        shutil.rmtree(self.staging_dir(ctx, job), ignore_errors=True)
        done = session.scalars(
            select(JobItem.result).where(JobItem.job_id == job.id, JobItem.status == "done")
        ).all()
        task_ids = [r["task_id"] for r in done if "task_id" in r]
        return {"tasks_created": len(task_ids), "task_ids": task_ids[:1000]}


def _scaled(words: list[Word], width: int, height: int, page: StoredPage) -> list[Word]:
    """Words measured on an image of another size, mapped to the stored page's pixels."""
    if (width, height) == (page.width, page.height) or not width or not height:
        return words
    sx, sy = page.width / width, page.height / height
    return [
        Word(
            w.text,
            (w.bbox[0] * sx, w.bbox[1] * sy, w.bbox[2] * sx, w.bbox[3] * sy),
            w.confidence,
            w.line,
            w.block,
        )
        for w in words
    ]


def _new_page(index: int, page: StoredPage, document: DocumentResult) -> NewPage:
    return NewPage(
        width=page.width,
        height=page.height,
        image_sha256=page.image_sha256,
        image_mime=page.image_mime,
        words=page.words,
        words_source=page.words_source,
        ocr_engine=document.ocr_engines.get(index, "pdf-text-layer" if page.words else ""),
    )


def _mark_ocr_outcome(session: Session, task_id: int, document: DocumentResult) -> None:
    """Pages without words are either failed OCR (re-runnable) or skipped (OCR off)."""
    for page in pages_of_task(session, task_id=task_id):
        if page.words_blob is not None:
            continue
        error = document.ocr_errors.get(page.page_index)
        page.ocr_status = (OcrStatus.FAILED if error else OcrStatus.SKIPPED).value
        page.ocr_error = error or ""
        page.ocr_attempts = 1 if error else 0


def _attach_preannotations(
    session: Session, task: Task, spec: TaskSpec, pages: list[StoredPage], state: _JobState
) -> None:
    sizes = [(p.width, p.height) for p in pages]
    words = [p.words or [] for p in pages]
    for position, raw in enumerate(spec.predictions):
        origin = str(raw.get("model_version") or "prediction")
        result = _result_of(raw, sizes, words, origin, f"predictions[{position}]")
        session.add(
            Prediction(task_id=task.id, model_version=origin, result=result, score=raw.get("score"))
        )
    for position, raw in enumerate(spec.annotations):
        result = _result_of(raw, sizes, words, "manual", f"annotations[{position}]")
        try:
            body = AnnotationBody(**result, status="submitted")
        except ValidationError as exc:
            first = exc.errors()[0]
            location = ".".join(str(p) for p in first.get("loc", ()))
            raise InvalidInput(f"annotations[{position}].{location}: {first.get('msg')}") from exc
        validate_annotation(session, task=task, body=body, config=state.config)
        session.add(
            Annotation(
                task_id=task.id,
                user_id=state.user_id,
                status="submitted",
                result=body.model_dump(include={"regions", "relations", "choices"}, mode="json"),
            )
        )
    if spec.predictions:
        task.prediction_count = len(spec.predictions)
    session.flush()
    if spec.annotations:
        refresh_task_status(session, task_id=task.id)


def _result_of(
    raw: dict[str, Any],
    sizes: list[tuple[int, int]],
    words: list[list[Word]],
    origin: str,
    where: str,
) -> dict[str, Any]:
    try:
        if "regions" in raw:  # our native shape
            return {
                k: raw.get(k, default)
                for k, default in (("regions", []), ("relations", []), ("choices", {}))
            }
        return regions_from_labelstudio(
            raw.get("result", []), page_sizes=sizes, page_words=words, origin=origin
        )
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from exc
