"""Project setting "fetch images on first view": Label Studio's lazy import, SSRF-checked.

With ``fetch_images_on_first_view`` on, a JSON task with a document URL is imported without
downloading anything: its page is a placeholder of the size the task's Label Studio results
give (``original_width``/``original_height``, so their percent boxes land where they belong),
and the URL stays in ``data.source.url``. The first time anyone opens the task, the server
fetches the document through the same SSRF checks as an import (``documents/url_fetch.py``),
stores its pages as an import would (browser-ready originals kept as they are) and fills in
the placeholder. A fetch that fails is retried at the next view and its reason is shown on
the page. A task whose boxes give no page size is downloaded at import as usual, since its
boxes cannot be placed without one; OCR does not run on lazily fetched pages (re-run it from
the task when wanted).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from visualner.db import Database, session_scope
from visualner.documents.blobstore import BlobStore
from visualner.documents.sniff import FileKind, sniff_file_type
from visualner.documents.ssrf import parse_url
from visualner.documents.url_fetch import download_filename, fetch_url
from visualner.errors import InvalidInput, UnsupportedFile
from visualner.imports.documents import (
    DocumentResult,
    document_source,
    document_task,
    file_sha256,
)
from visualner.imports.json.task_spec import TaskSpec
from visualner.imports.pages import StoredPage, iter_stored_pages
from visualner.imports.task_rows import PreparedTask, page_side
from visualner.projects.config import LabelConfig
from visualner.settings import Settings
from visualner.tasks.models import Page, Task

logger = logging.getLogger(__name__)

SETTING = "fetch_images_on_first_view"
_PAGES = cast(Table, Page.__table__)


def placeholder_task(
    spec: TaskSpec, *, config: LabelConfig, user_id: int | None
) -> PreparedTask | None:
    """The task as imported without its document, or ``None`` when it must be fetched now
    (its results carry boxes but no page size). The URL is checked for its form here and
    for its destination when fetched."""
    document = _placeholder_document(spec)
    if document is None:
        return None
    name = download_filename(parse_url(spec.document_ref), None)
    return document_task(
        name=name,
        sha256=None,
        kind=None,
        document=document,
        spec=spec,
        config=config,
        user_id=user_id,
    )


def _placeholder_document(spec: TaskSpec) -> DocumentResult | None:
    size = _original_size(spec)
    if size is None:
        if _has_results(spec):
            return None
        size = (0, 0)  # nothing to place: the size is learnt at the first view
    width, height = size
    return DocumentResult(pages=[StoredPage(width, height, None, "")])


def _has_results(spec: TaskSpec) -> bool:
    return any(
        raw.get("result") or raw.get("regions") for raw in (*spec.annotations, *spec.predictions)
    )


def _original_size(spec: TaskSpec) -> tuple[int, int] | None:
    for raw in (*spec.annotations, *spec.predictions):
        for item in raw.get("result") or ():
            if not isinstance(item, dict) or item.get("item_index", 0):
                continue
            width, height = (
                page_side(item.get("original_width")),
                page_side(item.get("original_height")),
            )
            if width is not None and height is not None:
                return width, height
    return None


def fetch_on_first_view(
    *, database: Database, settings: Settings, blobs: BlobStore, task_id: int
) -> str | None:
    """Fetch and store the pages of a task still waiting for its document (nothing to do
    for other tasks). Returns why the fetch failed, or ``None``."""
    with session_scope(database.read) as session:
        url = _pending_url(session, task_id)
    if url is None:
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="first-view-") as folder:
            fetched = fetch_url(
                url,
                dest_dir=Path(folder),
                max_bytes=settings.url_fetch_max_mb * 2**20,
                timeout_s=settings.url_fetch_timeout_s,
                allowlist=settings.url_allowlist,
            )
            kind = sniff_file_type(fetched.path, display_name=fetched.filename)
            if not (kind.is_image or kind == FileKind.PDF):
                raise UnsupportedFile(f"{fetched.filename}: a {kind.value} file is not a document")
            sha256 = file_sha256(fetched.path)
            pages = list(
                iter_stored_pages(
                    fetched.path,
                    kind,
                    name=fetched.filename,
                    settings=settings,
                    blobs=blobs,
                    dpi=settings.pdf_dpi,
                    use_text_layer=True,
                )
            )
    except InvalidInput as exc:
        logger.info("first view of task %s: %s", task_id, exc.message)
        return exc.message
    with session_scope(database.write) as session:
        _fill_in(session, task_id, pages, sha256=sha256, kind=kind)
    return None


def _pending_url(session: Session, task_id: int) -> str | None:
    """The document URL of a task whose first page has no image yet."""
    waiting = session.scalar(
        select(Page.id).where(
            Page.task_id == task_id, Page.page_index == 0, Page.image_sha256.is_(None)
        )
    )
    if waiting is None:
        return None
    data = session.scalar(select(Task.data).where(Task.id == task_id)) or {}
    source = data.get("source") if isinstance(data, dict) else None
    url = source.get("url") if isinstance(source, dict) else None
    return url if isinstance(url, str) and url else None


def _fill_in(
    session: Session, task_id: int, pages: list[StoredPage], *, sha256: str, kind: FileKind
) -> None:
    """Store the fetched pages over the placeholder (once, however many viewers raced)."""
    task = session.get(Task, task_id, with_for_update=True)
    if task is None or _pending_url(session, task_id) is None:
        return
    rows = DocumentResult(pages=pages).page_rows()  # pages without words: OCR skipped
    session.execute(
        update(_PAGES)
        .where(_PAGES.c.task_id == task_id, _PAGES.c.page_index == 0)
        .values(**rows[0])
    )
    if len(rows) > 1:
        session.execute(
            _PAGES.insert(),
            [{**row, "task_id": task_id, "page_index": i} for i, row in enumerate(rows) if i],
        )
    source: dict[str, Any] = dict(task.data.get("source") or {})
    task.data = {
        **task.data,
        "source": document_source(source.get("name", ""), sha256, kind, source.get("url", "")),
    }
    task.source_sha256 = sha256
    task.page_count = len(rows)
