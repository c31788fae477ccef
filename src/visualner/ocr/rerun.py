"""The OCR job: (re-)recognise pages of existing tasks, one job item per page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.db import session_scope
from visualner.documents.images import load_stored_image
from visualner.errors import InvalidInput, NotFound
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import ItemOutcome, PlannedItem
from visualner.jobs.models import Job, JobItem
from visualner.jobs.service import create_job
from visualner.ocr.servers.dispatch import OcrDispatcher
from visualner.ocr.servers.targets import resolve_targets, servers_named
from visualner.tasks.models import OcrStatus, Page, Task
from visualner.tasks.service import store_page_words

KIND = "ocr"


def create_ocr_job(
    session: Session, *, task: Task, user: User, page: int | None, ocr_servers: list[str]
) -> Job:
    if page is not None and not 0 <= page < task.page_count:
        raise InvalidInput(f"task {task.id} has no page {page}", field="page")
    readable = select(Page.id).where(Page.task_id == task.id, Page.image_sha256.is_not(None))
    if page is not None:
        readable = readable.where(Page.page_index == page)
    if session.scalar(readable.limit(1)) is None:
        raise InvalidInput(
            f"task {task.id} has no page image to read"
            + (f" on page {page}" if page is not None else "")
            + " (a task still waiting for its document gets its pages when first opened)"
        )
    return create_tasks_ocr_job(
        session,
        project_id=task.project_id,
        task_ids=[task.id],
        user=user,
        page=page,
        ocr_servers=ocr_servers,
    )


def create_tasks_ocr_job(
    session: Session,
    *,
    project_id: int,
    task_ids: list[int],
    user: User,
    ocr_servers: list[str],
    page: int | None = None,
) -> Job:
    """OCR again every page (or page ``page``) of these tasks, on the servers named."""
    servers_named(session, ocr_servers)
    return create_job(
        session,
        kind=KIND,
        user=user,
        project_id=project_id,
        params={"task_ids": task_ids, "page": page, "ocr_servers": ocr_servers},
    )


class OcrJob:
    kind = KIND

    def __init__(self) -> None:
        self._dispatchers: dict[int, OcrDispatcher] = {}

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        # Jobs queued before several tasks could be chosen name one ``task_id``.
        task_ids = job.params.get("task_ids") or [job.params["task_id"]]
        with session_scope(ctx.database.read) as session:
            query = select(Page.id, Page.task_id, Page.page_index).where(Page.task_id.in_(task_ids))
            if job.params.get("page") is not None:
                query = query.where(Page.page_index == job.params["page"])
            rows = session.execute(query.order_by(Page.task_id, Page.page_index)).all()
        if not rows:
            raise NotFound(f"task(s) {', '.join(map(str, task_ids[:10]))} have no such page")
        one_task = len(task_ids) == 1
        return [
            PlannedItem(
                f"page {index}" if one_task else f"task {task_id} page {index}",
                {"page_id": page_id},
            )
            for page_id, task_id, index in rows
        ]

    def _dispatcher(self, ctx: JobContext, job: Job) -> OcrDispatcher:
        dispatcher = self._dispatchers.get(job.id)
        if dispatcher is None:
            with session_scope(ctx.database.read) as session:
                targets = resolve_targets(session, ctx.settings, job.params.get("ocr_servers", []))
            dispatcher = self._dispatchers[job.id] = OcrDispatcher(targets)
        return dispatcher

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        page_id = item.payload["page_id"]
        with session_scope(ctx.database.read) as session:
            page = session.get(Page, page_id)
            if page is None or page.image_sha256 is None:
                raise NotFound(f"{item.name}: the page or its image is gone")
            sha, size = page.image_sha256, (page.width, page.height)
        outcome = self._dispatcher(ctx, job).recognize(lambda: load_stored_image(ctx.blobs, sha))
        if outcome.page_words is None:
            with session_scope(ctx.database.write) as session:
                failed = session.get(Page, page_id)
                if failed is not None:
                    failed.ocr_status = OcrStatus.FAILED.value
                    failed.ocr_error = outcome.error
                    failed.ocr_attempts += outcome.attempts
            raise InvalidInput(f"{item.name}: {outcome.error}")
        words = outcome.page_words

        def apply(session: Session) -> dict[str, Any]:
            stored = session.get(Page, page_id)
            if stored is None:
                raise NotFound(f"{item.name}: the page was deleted")
            stored.ocr_attempts += outcome.attempts
            if (words.width, words.height) != size:
                raise InvalidInput(f"{item.name}: the OCR server measured another image size")
            store_page_words(
                stored, words.words, source="ocr", engine=f"{outcome.target}: {words.engine}"
            )
            return {"page_id": page_id, "words": len(words.words)}

        return ItemOutcome(apply=apply)

    def release(self, job_id: int) -> None:
        """Close the job's OCR dispatcher once the job has stopped, however it stopped."""
        dispatcher = self._dispatchers.pop(job_id, None)
        if dispatcher is not None:
            dispatcher.close()

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        self.release(job.id)
        return {}
