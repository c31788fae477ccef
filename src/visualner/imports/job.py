"""The import job: documents and JSON tasks become tasks with pages, words and annotations.

Each item's slow work (rendering, storing images, OCR, downloads, parsing and checking a
task) happens outside any transaction; its task, pages, predictions and annotations are
written in the transaction that marks the item done, so a killed worker never leaves half a
document or a duplicate. JSON tasks are small items, so up to ``TASKS_PER_TRANSACTION`` of them
share a transaction (see ``jobs.handlers.BatchPolicy``); a bad task is rolled back alone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, select, text
from sqlalchemy.orm import Session

from visualner.db import session_scope
from visualner.documents.sniff import FileKind, sniff_file_type
from visualner.errors import InvalidInput, UnsupportedFile
from visualner.formats.funsd import funsd_to_task, read_funsd_form
from visualner.imports.documents import (
    DocumentCache,
    DocumentResult,
    document_task,
    read_document,
)
from visualner.imports.first_view import SETTING as FIRST_VIEW_SETTING
from visualner.imports.first_view import placeholder_task
from visualner.imports.json.array_split import read_span
from visualner.imports.json.prefetch import HINT_BYTES, JobDownloads, SourceFile, url_hint_pattern
from visualner.imports.json.task_spec import DOCUMENT_KEYS, TaskSpec, task_spec
from visualner.imports.native_rows import prepare_native_task
from visualner.imports.options import ImportOptions
from visualner.imports.page_refs import PageImageRefs
from visualner.imports.pages import iter_stored_pages
from visualner.imports.planning import plan_import
from visualner.imports.task_rows import PreparedTask, insert_task
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import BatchPolicy, ItemOutcome, PlannedItem, SkipItem
from visualner.jobs.models import Job, JobItem
from visualner.ocr.servers.dispatch import OcrDispatcher
from visualner.ocr.servers.targets import resolve_targets
from visualner.preannotation.prediction import ImportPreannotator
from visualner.projects.config import LabelConfig, parse_label_config
from visualner.projects.models import Project
from visualner.tasks.models import Task
from visualner.tasks.service import count_and_number_imported_tasks

log = logging.getLogger(__name__)
KIND = "import"
_TASKS = cast(Table, Task.__table__)
#: a task of the project with the same document; built once, as it runs for every task (a
#: Core statement: cheaper than building an ORM query each time)
DUPLICATE_OF = (
    select(_TASKS.c.id)
    .where(
        _TASKS.c.project_id == bindparam("duplicate_project_id"),
        _TASKS.c.source_sha256 == bindparam("duplicate_sha256"),
    )
    .limit(1)
)
#: the first key of the advisory locks ordering duplicate checks (the second: the project)
DUPLICATE_LOCK_NAMESPACE = 1601
#: JSON tasks stored per transaction (a slow item is stored alone after BATCH_SECONDS)
TASKS_PER_TRANSACTION = 25
BATCH_SECONDS = 0.5


@dataclass
class _JobState:
    """Per-job things built once per worker: the parsed config, the OCR dispatcher, and what
    the job already fetched, read or looked up (URLs, documents, the page images it may
    name)."""

    project_id: int
    config: LabelConfig
    options: ImportOptions
    dispatcher: OcrDispatcher | None
    staging: Path
    user_id: int | None
    page_refs: PageImageRefs
    preannotator: ImportPreannotator | None = None
    documents: DocumentCache = field(default_factory=DocumentCache)
    downloads: JobDownloads | None = None
    url_hint: re.Pattern[bytes] | None = None
    fetch_on_first_view: bool = False


class ImportJob:
    kind = KIND
    report_seconds = True
    #: helper processes share an import's items (each builds its own ``_JobState``)
    parallel_items = True
    batch_policy = BatchPolicy(
        max_items=TASKS_PER_TRANSACTION, max_seconds=BATCH_SECONDS, pause_cyclic_gc=True
    )

    def __init__(self) -> None:
        self._states: dict[int, _JobState] = {}

    def staging_dir(self, ctx: JobContext, job: Job) -> Path:
        """The job's staged files in a local folder (fetched from shared storage if needed)."""
        return ctx.blobs.staging_folder(str(job.params["staging"]))

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        staging = self.staging_dir(ctx, job)
        planned = plan_import(staging, job.params["sources"], ctx.settings)
        ctx.blobs.publish_staging(staging, keep_local=True)  # archive members, for any worker
        return planned

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
                    ImportPreannotator.for_project(
                        session,
                        blobs=ctx.blobs,
                        project_id=project.id,
                        ocr_servers=options.ocr_servers,
                    )
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
                page_refs=PageImageRefs(project_id=project.id, user_id=job.created_by_id),
                preannotator=preannotator,
                fetch_on_first_view=bool((project.settings or {}).get(FIRST_VIEW_SETTING)),
            )
            self._states[job.id] = state
        return state

    def prepare(self, ctx: JobContext, job: Job, items: list[JobItem]) -> None:
        """Start downloading the documents the next tasks name (see ``imports.json.prefetch``)."""
        state = self._state(ctx, job)
        if state.fetch_on_first_view:  # URL tasks are stored without their documents
            return
        if state.url_hint is None:
            keys = (state.config.image_data_key, *DOCUMENT_KEYS)
            state.url_hint = url_hint_pattern(dict.fromkeys(keys))
        for item in items:
            payload = item.payload
            if payload.get("kind") != "task" or "offset" not in payload:
                continue
            head = read_span(
                state.staging / payload["path"],
                payload["offset"],
                min(payload["length"], HINT_BYTES),
            )
            found = state.url_hint.search(head)
            if found is None:
                continue
            url = found.group(1).decode("utf-8", "replace")
            self._downloads(ctx, state).hint(url)

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        state = self._state(ctx, job)
        payload = item.payload
        if payload["kind"] == "funsd":
            return self._import_funsd(ctx, state, job, item)
        if payload["kind"] == "task":
            raw_task = _raw_task(state, payload, item.name)
            named = _named_page_images(raw_task)
            if named is not None:
                with session_scope(ctx.database.read) as session:
                    media_types = state.page_refs.media_types(session, named)
                refused = [sha for sha in named if sha not in media_types]
                if not refused:
                    return self._import_native(ctx, state, job, item, raw_task, media_types)
                _refuse_unless_downloadable(raw_task, refused, state.config, item.name)
            spec = task_spec(raw_task, image_key=state.config.image_data_key, where=item.name)
            if state.fetch_on_first_view:
                placeholder = placeholder_task(spec, config=state.config, user_id=state.user_id)
                if placeholder is not None:
                    return _stored(placeholder, state.project_id, job.id)
            source = self._downloads(ctx, state).get(spec.document_ref)
            return self._import_document(ctx, state, job, source, spec)
        path = state.staging / payload["path"]
        data = {state.config.image_data_key: payload["name"], **_archive_of(payload)}
        spec = TaskSpec(data=data, document_ref="")
        return self._import_document(ctx, state, job, SourceFile.of(path, payload["name"]), spec)

    def _downloads(self, ctx: JobContext, state: _JobState) -> JobDownloads:
        """The job's downloads (one pooled client, a few threads), started on first use."""
        if state.downloads is None:
            state.downloads = JobDownloads(
                folder=state.staging / "downloads", settings=ctx.settings, blobs=ctx.blobs
            )
        return state.downloads

    def _import_native(
        self,
        ctx: JobContext,
        state: _JobState,
        job: Job,
        item: JobItem,
        raw_task: dict[str, Any],
        media_types: dict[str, str],
    ) -> ItemOutcome:
        """A task of our own JSON export whose page images the importer may name
        (``imports.page_refs``): stored with its words, its annotations as the importer's,
        nothing fetched."""
        prepared = prepare_native_task(
            raw_task,
            config=state.config,
            importing_user_id=state.user_id,
            image_media_types=media_types,
            where=item.name,
        )

        def apply(session: Session) -> dict[str, Any]:
            task_id = insert_task(
                session, project_id=state.project_id, import_job_id=job.id, task=prepared
            )
            return {"task_id": task_id, "pages": len(prepared.pages)}

        return ItemOutcome(apply=apply)

    def _import_funsd(
        self, ctx: JobContext, state: _JobState, job: Job, item: JobItem
    ) -> ItemOutcome:
        """A FUNSD form (its annotation JSON and its image) as a pre-annotated task; the
        image is stored as any uploaded page is (validated or encoded again)."""
        payload = item.payload
        image_path = state.staging / payload["image"]
        form = read_funsd_form(state.staging / payload["annotation"], name=item.name)
        kind = sniff_file_type(image_path, display_name=payload["name"])
        if not kind.is_image:
            raise UnsupportedFile(f"{payload['name']}: a FUNSD form's scan must be an image")
        pages = list(
            iter_stored_pages(
                image_path,
                kind,
                name=payload["name"],
                settings=ctx.settings,
                blobs=ctx.blobs,
                dpi=ctx.settings.pdf_dpi,
                use_text_layer=False,
            )
        )
        sha256 = pages[0].image_sha256 if len(pages) == 1 else None
        if sha256 is None:
            raise InvalidInput(f"{payload['name']}: a FUNSD form's scan must be one page")
        page = pages[0]
        state.page_refs.add_stored(sha256, page.image_mime)
        raw_task = funsd_to_task(
            form,
            name=payload["name"],
            width=page.width,
            height=page.height,
            image_sha256=sha256,
            image_mime=page.image_mime,
        )
        raw_task["data"].update(_archive_of(payload))
        return self._import_native(ctx, state, job, item, raw_task, {sha256: page.image_mime})

    def _import_document(
        self,
        ctx: JobContext,
        state: _JobState,
        job: Job,
        source: SourceFile,
        spec: TaskSpec,
    ) -> ItemOutcome:
        name, kind, sha256 = source.name, source.kind, source.sha256
        if not (kind.is_image or kind == FileKind.PDF):
            raise UnsupportedFile(f"{name}: a {kind.value} file is not a document to label")
        if state.options.skip_duplicates:  # spare the slow work; checked again when stored
            with session_scope(ctx.database.read) as session:
                duplicate = _duplicate_of(session, state.project_id, sha256)
            if duplicate is not None:
                return ItemOutcome(skipped_reason=_duplicate_reason(duplicate, sha256))
        document = state.documents.get(sha256)
        if document is None:
            document = self._read(ctx, state, source)
            state.documents.put(sha256, document)
        prepared = document_task(
            name=name,
            sha256=sha256,
            kind=kind,
            document=document,
            spec=spec,
            config=state.config,
            user_id=state.user_id,
        )
        prediction = (
            state.preannotator.predict(
                [(p.width, p.height, p.words) for p in document.pages],
                image_sha256s=[p.image_sha256 for p in document.pages],
            )
            if state.preannotator is not None and not spec.predictions
            else None
        )

        def apply(session: Session) -> dict[str, Any]:
            if state.options.skip_duplicates:
                _lock_duplicate_checks(session, state.project_id)
            duplicate = _duplicate_of(session, state.project_id, sha256)
            if duplicate is not None and state.options.skip_duplicates:
                raise SkipItem(_duplicate_reason(duplicate, sha256))
            task_id = insert_task(
                session, project_id=state.project_id, import_job_id=job.id, task=prepared
            )
            if prediction is not None and state.preannotator is not None:
                state.preannotator.store(session, task_id=task_id, prediction=prediction)
            result: dict[str, Any] = {"task_id": task_id, "pages": len(document.pages)}
            if document.ocr_errors:
                result["ocr_failed_pages"] = sorted(document.ocr_errors)
            if duplicate is not None:
                result["duplicate_of"] = duplicate
            if prediction is not None and state.preannotator is not None:
                result["preannotated_on"] = state.preannotator.predictor.name
            return result

        return ItemOutcome(apply=apply)

    def _read(self, ctx: JobContext, state: _JobState, source: SourceFile) -> DocumentResult:
        return read_document(
            source.path,
            source.kind,
            name=source.name,
            settings=ctx.settings,
            blobs=ctx.blobs,
            dpi=state.options.pdf_dpi or ctx.settings.pdf_dpi,
            use_text_layer=state.options.text_layer == "auto",
            dispatcher=state.dispatcher,
            stored=source.page,
        )

    def release(self, job_id: int) -> None:
        """Stop the job's download threads and close its OCR and model clients (the job
        finished, failed or was cancelled; a resumed job builds them again)."""
        state = self._states.pop(job_id, None)
        if state is None:
            return
        if state.downloads is not None:
            state.downloads.close()
        if state.dispatcher is not None:
            state.dispatcher.close()
        if state.preannotator is not None:
            state.preannotator.close()

    def before_batch_commit(self, session: Session, job: Job) -> None:
        """Count and number the tasks the batch stored (``insert_task`` leaves them to this,
        so the project's row is locked only while the batch commits)."""
        assert job.project_id is not None
        count_and_number_imported_tasks(session, project_id=job.project_id, import_job_id=job.id)

    def seconds_of(self, job_id: int) -> dict[str, float]:
        """Where this process's downloads for the job spent their time (the runner adds
        every worker's to the job's result)."""
        state = self._states.get(job_id)
        downloads = state.downloads if state is not None else None
        return {k: round(v, 3) for k, v in downloads.seconds.items()} if downloads else {}

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        self.release(job.id)
        ctx.blobs.discard_staging(str(job.params["staging"]))
        done = session.scalars(
            select(JobItem.result).where(JobItem.job_id == job.id, JobItem.status == "done")
        ).all()
        task_ids = [r["task_id"] for r in done if "task_id" in r]
        return {"tasks_created": len(task_ids), "task_ids": task_ids[:1000]}


def _raw_task(state: _JobState, payload: dict[str, Any], where: str) -> Any:
    """The item's task: parsed from its byte range of the staged list (planning only split
    the list), or carried in the payload (a small or older job)."""
    if "task" in payload:
        return payload["task"]
    raw = read_span(state.staging / payload["path"], payload["offset"], payload["length"])
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{where}: not valid JSON ({exc})") from exc


def _named_page_images(raw_task: Any) -> list[str] | None:
    """The page images a task of our native shape names by sha256 (``[]`` when its pages
    have none); ``None`` for any other task (Label Studio's, flat data)."""
    if not isinstance(raw_task, dict):
        return None
    raw_pages = raw_task.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        return None
    named: list[str] = []
    for raw in raw_pages:
        if not isinstance(raw, dict):
            continue  # the native reader names the bad page
        image = raw.get("image")
        sha = image.get("sha256") if isinstance(image, dict) else None
        if sha is not None:
            if not isinstance(sha, str):
                return None
            named.append(sha)
    return list(dict.fromkeys(named))


def _refuse_unless_downloadable(
    raw_task: dict[str, Any], refused: list[str], config: LabelConfig, where: str
) -> None:
    """A native task naming images it may not: imported from its document URL when it has
    one (an export of another installation), refused otherwise."""
    data = raw_task.get("data")
    keys = (config.image_data_key, *DOCUMENT_KEYS)
    if isinstance(data, dict) and any(
        isinstance(data.get(key), str) and data[key].startswith(("http://", "https://"))
        for key in keys
    ):
        return
    raise InvalidInput(
        f"{where}: page image {refused[0][:12]}… is not a page image of this project or of a "
        "project you can open; import the document itself, or give its URL in "
        f"data.{config.image_data_key}"
    )


def _stored(prepared: PreparedTask, project_id: int, job_id: int) -> ItemOutcome:
    """A task stored as prepared (its document is fetched at its first view)."""

    def apply(session: Session) -> dict[str, Any]:
        task_id = insert_task(session, project_id=project_id, import_job_id=job_id, task=prepared)
        return {"task_id": task_id, "pages": len(prepared.pages), "fetch": "on first view"}

    return ItemOutcome(apply=apply)


def _archive_of(payload: dict[str, Any]) -> dict[str, str]:
    """``{"archive": name}`` for a document that came out of an archive (its task's title is
    the member's own path; the archive is kept in the task's data), else nothing."""
    return {"archive": payload["archive"]} if payload.get("archive") else {}


def _lock_duplicate_checks(session: Session, project_id: int) -> None:
    """Make "is it a duplicate? store it" one step per project until the transaction ends.

    Workers sharing an import store at once; on PostgreSQL each would miss the other's
    uncommitted copy of a document, so a transaction-scoped advisory lock per project
    orders them. SQLite runs one writing transaction at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :project_id)"),
            {"namespace": DUPLICATE_LOCK_NAMESPACE, "project_id": project_id},
        )


def _duplicate_of(session: Session, project_id: int, sha256: str) -> int | None:
    found: int | None = session.execute(
        DUPLICATE_OF, {"duplicate_project_id": project_id, "duplicate_sha256": sha256}
    ).scalar()
    return found


def _duplicate_reason(task_id: int, sha256: str) -> str:
    return f"duplicate of task {task_id} (sha256 {sha256[:12]}…)"
