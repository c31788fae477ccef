"""Re-OCR one region of a page: the annotator's fix for words the page-level OCR misread.

The drawn box is cropped from the stored page image (with a small margin so glyphs cut by the
box are still read), enlarged (``scale``, 2x by default: small print is where OCR fails),
recognised by the chosen OCR server, and the words whose centres fall inside the box replace
the page's words whose centres fall inside it. The page is put back in reading order, and
``word_map`` tells callers where each old word went (``None``: replaced), so annotations that
point at words by index can follow.

Other annotators' saved labels also point at this page's words by index; rather than move
their work behind their backs, a re-OCR is refused while anyone else's annotation of the task
labels words on the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.auth.models import User
from visualner.documents.blobstore import BlobStore
from visualner.documents.images import load_stored_image
from visualner.errors import Conflict, InvalidInput, NotFound
from visualner.ocr.engines.reading_order import lines_by_engine_ids, order_lines
from visualner.ocr.servers.dispatch import OcrDispatcher
from visualner.ocr.servers.targets import OcrTarget, resolve_targets
from visualner.settings import Settings
from visualner.tasks.models import Page, Task
from visualner.tasks.service import store_page_words
from visualner.word_codec import decode_words
from visualner.words import Word

Box = tuple[float, float, float, float]

#: Margin around the drawn box, in page pixels, read but not kept.
CROP_MARGIN = 6
#: Largest enlarged crop, in pixels (a whole-page box at 4x would be ~50 MP).
MAX_CROP_PIXELS = 16_000_000
MIN_BOX_SIDE = 4


@dataclass(frozen=True, slots=True)
class RegionOcrResult:
    words: list[Word]
    word_map: list[int | None]  # per old word: its new index, None when replaced
    replaced: int
    added: int
    engine: str


def _centre_inside(word: Word, box: Box) -> bool:
    x = (word.bbox[0] + word.bbox[2]) / 2
    y = (word.bbox[1] + word.bbox[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def checked_box(bbox: list[float], width: int, height: int) -> Box:
    """The drawn box clipped to the page; refused when it is empty or too small to read."""
    if len(bbox) != 4:
        raise InvalidInput("bbox must be [x0, y0, x1, y1] in page pixels", field="bbox")
    x0, y0 = max(bbox[0], 0.0), max(bbox[1], 0.0)
    x1, y1 = min(bbox[2], float(width)), min(bbox[3], float(height))
    if x1 - x0 < MIN_BOX_SIDE or y1 - y0 < MIN_BOX_SIDE:
        raise InvalidInput(
            f"bbox must cover at least {MIN_BOX_SIDE}x{MIN_BOX_SIDE} pixels inside the "
            f"{width}x{height} page",
            field="bbox",
        )
    return (x0, y0, x1, y1)


def _labels_words_on_page(annotation: Annotation, page_index: int) -> bool:
    regions = (annotation.result or {}).get("regions") or []
    return any(r.get("page") == page_index and r.get("tokens") for r in regions)


def merged_words(old: list[Word], new: list[Word], box: Box) -> tuple[list[Word], list[int | None]]:
    """The page's words with those inside ``box`` replaced by ``new``, in reading order."""
    kept = [w for w in old if not _centre_inside(w, box)]
    first_line = max((w.line for w in old), default=-1) + 1
    block = max((w.block for w in old), default=-1) + 1
    fresh = [replace(w, line=first_line + w.line, block=block) for w in new]
    ordered = order_lines(lines_by_engine_ids(kept + fresh))
    slots: dict[tuple[str, Box], list[int]] = defaultdict(list)
    for index, word in enumerate(ordered):
        slots[(word.text, word.bbox)].append(index)
    word_map: list[int | None] = []
    for word in old:
        if _centre_inside(word, box):
            word_map.append(None)
        else:
            word_map.append(slots[(word.text, word.bbox)].pop(0))
    return ordered, word_map


@dataclass(slots=True)
class RegionPlan:
    """What the read phase found: the page, the box, its crop and where to send it."""

    page_id: int
    image_sha256: str
    page_size: tuple[int, int]
    box: Box
    crop: tuple[int, int, int, int]
    scale: float
    old_words: list[Word]
    words_blob: bytes | None
    targets: list[OcrTarget]


def plan_region_ocr(
    session: Session,
    *,
    settings: Settings,
    task: Task,
    user: User,
    page_index: int,
    bbox: list[float],
    ocr_server: str | None,
    scale: float,
) -> RegionPlan:
    """Check the request against the page (reads only; see the module doc for the refusals)."""
    page = session.scalar(
        select(Page).where(Page.task_id == task.id, Page.page_index == page_index)
    )
    if page is None:
        raise NotFound(f"task {task.id} has no page {page_index}")
    if page.image_sha256 is None:
        raise InvalidInput(f"page {page_index} has no stored image to read", field="page")
    box = checked_box(bbox, page.width, page.height)
    others = session.scalars(
        select(Annotation).where(Annotation.task_id == task.id, Annotation.user_id != user.id)
    ).all()
    if any(_labels_words_on_page(a, page_index) for a in others):
        raise Conflict(
            "another annotator's labels point at this page's words; re-OCR of a region "
            "would move them (ask them to finish, or re-run OCR on the whole task)"
        )
    left, top = max(int(box[0]) - CROP_MARGIN, 0), max(int(box[1]) - CROP_MARGIN, 0)
    right = min(int(box[2] + 0.999) + CROP_MARGIN, page.width)
    bottom = min(int(box[3] + 0.999) + CROP_MARGIN, page.height)
    fitting = (MAX_CROP_PIXELS / ((right - left) * (bottom - top))) ** 0.5
    return RegionPlan(
        page_id=page.id,
        image_sha256=page.image_sha256,
        page_size=(page.width, page.height),
        box=box,
        crop=(left, top, right, bottom),
        scale=max(min(scale, fitting), 1.0),
        old_words=decode_words(page.words_blob),
        words_blob=page.words_blob,
        targets=resolve_targets(session, settings, [ocr_server] if ocr_server else []),
    )


def read_region(plan: RegionPlan, blobs: BlobStore) -> tuple[list[Word], str]:
    """OCR the enlarged crop (no database session held); words in page pixels, engine name."""
    left, top = plan.crop[:2]
    scale = plan.scale

    def crop() -> Image.Image:
        image = load_stored_image(blobs, plan.image_sha256)
        if image.size != plan.page_size:
            image = image.resize(plan.page_size)
        region = image.crop(plan.crop)
        size = (round(region.width * scale), round(region.height * scale))
        return region.resize(size, Image.Resampling.LANCZOS) if scale != 1.0 else region

    dispatcher = OcrDispatcher(plan.targets)
    try:
        outcome = dispatcher.recognize(crop)
    finally:
        dispatcher.close()
    if outcome.page_words is None:
        raise InvalidInput(f"OCR of the region failed: {outcome.error}", field="ocr_server")
    found = [
        replace(
            w,
            bbox=(
                left + w.bbox[0] / scale,
                top + w.bbox[1] / scale,
                left + w.bbox[2] / scale,
                top + w.bbox[3] / scale,
            ),
        )
        for w in outcome.page_words.words
    ]
    inside = [w for w in found if _centre_inside(w, plan.box)]
    return inside, f"{outcome.target}: {outcome.page_words.engine}"


def apply_region_ocr(
    session: Session, *, plan: RegionPlan, new_words: list[Word], engine: str
) -> RegionOcrResult:
    """Store the page's merged words, unless they changed since the plan was made."""
    page = session.get(Page, plan.page_id)
    if page is None:
        raise NotFound("the page was deleted while its region was read")
    if page.words_blob != plan.words_blob:
        raise Conflict("the page's words changed while the region was read; try again")
    words, word_map = merged_words(plan.old_words, new_words, plan.box)
    store_page_words(page, words, source=page.words_source or "ocr", engine=page.ocr_engine)
    return RegionOcrResult(
        words=words,
        word_map=word_map,
        replaced=sum(1 for m in word_map if m is None),
        added=len(new_words),
        engine=engine,
    )
