"""A document (uploaded, or downloaded for a JSON task) read into stored pages and words,
and the rows of the task it becomes, with the task's pre-annotations.

Reading is cached per job by content: a Label Studio list often points thousands of tasks at
a few images, and the same bytes always give the same stored pages (the blob store is
content-addressed) and the same words, so each distinct document is rendered and OCR'd once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visualner.annotations.rules import check_annotation
from visualner.documents.blobstore import BlobStore
from visualner.documents.images import load_stored_image
from visualner.documents.sniff import FileKind
from visualner.errors import InvalidInput
from visualner.formats.labelstudio_results import regions_from_labelstudio
from visualner.imports.annotation_check import checked_body
from visualner.imports.json.task_spec import TaskSpec
from visualner.imports.labelstudio_boxes import checked_conversion
from visualner.imports.pages import StoredPage, iter_stored_pages
from visualner.imports.task_rows import PreparedTask, page_row
from visualner.ocr.servers.dispatch import OcrDispatcher
from visualner.projects.config import LabelConfig
from visualner.settings import Settings
from visualner.tasks.models import OcrStatus
from visualner.words import Word

#: distinct documents whose pages and words a job keeps for reuse
DOCUMENT_CACHE_SIZE = 16


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class DocumentResult:
    pages: list[StoredPage]
    ocr_errors: dict[int, str] = field(default_factory=dict)
    ocr_engines: dict[int, str] = field(default_factory=dict)
    _rows: list[dict[str, Any]] | None = None

    def page_rows(self) -> list[dict[str, Any]]:
        """The pages as ``create_task`` stores them; a page without words is either failed
        OCR (re-runnable) or skipped (OCR off). Built once per document (tasks sharing a
        document share its word blobs); callers copy a row before changing it."""
        if self._rows is None:
            self._rows = self._page_rows()
        return self._rows

    def _page_rows(self) -> list[dict[str, Any]]:
        rows = []
        for index, page in enumerate(self.pages):
            row = page_row(
                width=page.width,
                height=page.height,
                image_sha256=page.image_sha256,
                image_mime=page.image_mime,
                words=page.words,
                words_source=page.words_source,
                ocr_engine=self.ocr_engines.get(index, "pdf-text-layer" if page.words else ""),
            )
            if page.words is None:
                error = self.ocr_errors.get(index, "")
                row.update(
                    ocr_status=(OcrStatus.FAILED if error else OcrStatus.SKIPPED).value,
                    ocr_error=error,
                    ocr_attempts=1 if error else 0,
                )
            rows.append(row)
        return rows


class DocumentCache:
    """The last few documents read by a job, by the sha256 of their bytes."""

    def __init__(self, size: int = DOCUMENT_CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[str, DocumentResult] = OrderedDict()

    def get(self, sha256: str) -> DocumentResult | None:
        document = self._entries.get(sha256)
        if document is not None:
            self._entries.move_to_end(sha256)
        return document

    def put(self, sha256: str, document: DocumentResult) -> None:
        self._entries[sha256] = document
        self._entries.move_to_end(sha256)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def read_document(
    path: Path,
    kind: FileKind,
    *,
    name: str,
    settings: Settings,
    blobs: BlobStore,
    dpi: int,
    use_text_layer: bool,
    dispatcher: OcrDispatcher | None,
    stored: StoredPage | None = None,
) -> DocumentResult:
    """Store the document's pages, then OCR those without words (when OCR is on).
    ``stored``: the document's one page when it is already stored (a kept original)."""
    if stored is not None:
        pages = [stored]
    else:
        pages = list(
            iter_stored_pages(
                path,
                kind,
                name=name,
                settings=settings,
                blobs=blobs,
                dpi=dpi,
                use_text_layer=use_text_layer,
            )
        )
    document = DocumentResult(pages=pages)
    need_ocr = [i for i, page in enumerate(pages) if page.words is None]
    if need_ocr and dispatcher is not None:
        loaders = [
            (lambda sha=pages[i].image_sha256: load_stored_image(blobs, sha)) for i in need_ocr
        ]
        for index, outcome in zip(need_ocr, dispatcher.recognize_many(loaders), strict=True):
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


def document_task(
    *,
    name: str,
    sha256: str | None,
    kind: FileKind | None,
    document: DocumentResult,
    spec: TaskSpec,
    config: LabelConfig,
    user_id: int | None,
) -> PreparedTask:
    """The task a document becomes, with the spec's predictions and annotations (ours or
    Label Studio's) mapped onto its pages; annotations are checked as a save would be.
    ``sha256`` and ``kind`` are ``None`` for a document not fetched yet (its URL is kept)."""
    pages = document.page_rows()
    sizes = [(p.width, p.height) for p in document.pages]
    words = [p.words or [] for p in document.pages]
    word_counts = {i: row["word_count"] for i, row in enumerate(pages)}
    predictions = []
    for position, raw in enumerate(spec.predictions):
        origin = str(raw.get("model_version") or "prediction")
        result = _result_of(raw, sizes, words, origin, f"predictions[{position}]")
        predictions.append({"model_version": origin, "result": result, "score": raw.get("score")})
    annotations = []
    for position, raw in enumerate(spec.annotations):
        here = f"annotations[{position}]"
        checked = _checked_annotation(raw, sizes, words, here)
        check_annotation(checked, config=config, word_counts=word_counts, where=here)
        annotations.append(
            {"user_id": user_id, "status": "submitted", "review_status": "", "result": checked}
        )
    return PreparedTask(
        title=name,
        data={**spec.data, "source": document_source(name, sha256, kind, spec.document_ref)},
        source_sha256=sha256,
        pages=pages,
        annotations=annotations,
        predictions=predictions,
    )


def document_source(
    name: str, sha256: str | None, kind: FileKind | None, url: str
) -> dict[str, Any]:
    """What a task's ``data.source`` says of its document: name, content hash and kind once
    stored, and the URL it came from (where the first view fetches it, when lazy)."""
    source: dict[str, Any] = {"name": name}
    if sha256 is not None and kind is not None:
        source.update(sha256=sha256, type=kind.value)
    if url:
        source["url"] = url
    return source


def _checked_annotation(
    raw: dict[str, Any], sizes: list[tuple[int, int]], words: list[list[Word]], where: str
) -> dict[str, Any]:
    """The annotation's regions, relations and choices as a save would store them (Label
    Studio boxes come out of the conversion already in that shape when they can)."""
    result = _result_of(raw, sizes, words, "manual", where)
    if "regions" not in raw:
        quick = checked_conversion(result)
        if quick is not None:
            return quick
    checked, _ = checked_body(
        result["regions"], result["relations"], result["choices"], where=where
    )
    return checked


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
