"""What every export format reads: a task with its pages, annotations and predictions.

The exports service builds these from database rows one batch at a time; format modules only
see these records, never the database. A page's words are decoded on first use, so formats
that never look at words (CSV, COCO, VOC) never pay for decoding them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, BinaryIO

import numpy as np
import orjson

from visualner.word_codec import box_tuples, columns_as_json, word_columns
from visualner.words import Word

Box = tuple[float, float, float, float]
ImageRef = Callable[[int, int, str | None], str]
"""``(task_id, page_index, image_sha256)`` → where an export says the page image is."""


@dataclass
class ExportPage:
    index: int
    width: int
    height: int
    image_sha256: str | None
    image_mime: str
    words_blob: bytes | None
    words_source: str = ""
    ocr_engine: str = ""
    ocr_status: str = ""

    @cached_property
    def columns(self) -> dict[str, Any]:
        """The stored word columns, decoded once; formats read the columns they need
        (building a ``Word`` per word costs more than most formats' own work)."""
        return word_columns(self.words_blob)

    @property
    def texts(self) -> list[str]:
        """The words' texts (the stored column itself: read, don't edit)."""
        texts: list[str] = self.columns["text"]
        return texts

    @cached_property
    def boxes(self) -> list[Box]:
        """The words' boxes as tuples, straight from the stored columns."""
        return box_tuples(self.columns["bbox"])

    @cached_property
    def rounded_boxes(self) -> list[list[int]]:
        """The words' boxes in whole pixels (``round`` of each corner)."""
        return rounded_boxes(self.columns["bbox"])

    @cached_property
    def words(self) -> list[Word]:
        c = self.columns
        return [
            Word(text, bbox, conf, line, block)
            for text, bbox, conf, line, block in zip(
                c["text"], self.boxes, c["conf"], c["line"], c["block"], strict=True
            )
        ]

    def words_json(self) -> list[dict[str, Any]]:
        """The words in the API's JSON shape, straight from the stored columns."""
        return columns_as_json(self.columns)


@dataclass
class ExportAnnotation:
    """An annotation or (``is_prediction``) a prediction, with its result and metadata.

    The result is kept as the stored JSON text and parsed on first use: single-annotation
    formats parse only the one they export, and only one task's parsed results are alive at
    a time (a batch of parsed 300-region results made the garbage collector rescan tens of
    thousands of objects on every collection, which cost more than the parsing itself)."""

    id: int
    result_json: str | bytes | None
    is_prediction: bool = False
    user: str | None = None
    status: str = "submitted"
    review_status: str = ""
    version: int = 1
    model_version: str = ""
    score: float | None = None
    created_at: str = ""
    updated_at: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def result(self) -> dict[str, Any]:
        parsed = orjson.loads(self.result_json) if self.result_json else None
        return parsed if isinstance(parsed, dict) else {}

    @property
    def regions(self) -> list[dict[str, Any]]:
        return self.result.get("regions") or []

    @property
    def relations(self) -> list[dict[str, Any]]:
        return self.result.get("relations") or []

    @property
    def choices(self) -> dict[str, list[str]]:
        return self.result.get("choices") or {}


@dataclass
class ExportTask:
    id: int
    title: str
    status: str
    data: dict[str, Any]
    pages: list[ExportPage]
    annotations: list[ExportAnnotation]
    predictions: list[ExportAnnotation] = field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""

    def chosen_result(self) -> ExportAnnotation | None:
        """The one annotation single-annotation formats export (see docs/export-formats.md):
        the latest accepted one, else the latest submitted, else the latest draft, else
        (when predictions are exported) the latest prediction."""

        def rank(annotation: ExportAnnotation) -> tuple[int, str, int]:
            level = (
                2
                if annotation.review_status == "accepted"
                else int(annotation.status == "submitted")
            )
            return (level, annotation.updated_at, annotation.id)

        if len(self.annotations) == 1:
            return self.annotations[0]
        if self.annotations:
            return max(self.annotations, key=rank)
        if self.predictions:
            return max(self.predictions, key=lambda p: (p.created_at, p.id))
        return None


@dataclass(frozen=True)
class ExportContext:
    """Project-wide facts a format needs, from the labeling config."""

    project_id: int
    project_title: str
    label_values: tuple[str, ...]
    label_groups: dict[str, str]
    """label value → the name of its ``<Labels>``/``<RectangleLabels>`` control"""
    image_name: str
    image_data_key: str
    text_area_name: str | None
    image_ref: ImageRef
    include_predictions: bool = False


ZERO_BOX: Box = (0.0, 0.0, 0.0, 0.0)


def region_box(region: dict[str, Any], boxes: Sequence[Box]) -> Box:
    """The region's box in page pixels: its ``bbox``, or the union of its words' ``boxes``."""
    bbox = region.get("bbox")
    if bbox:
        return (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    tokens = region.get("tokens")
    if not tokens:
        return ZERO_BOX
    count = len(boxes)
    if len(tokens) == 1:
        index = tokens[0]
        return boxes[index] if 0 <= index < count else ZERO_BOX
    tokens = [i for i in tokens if 0 <= i < count]
    if not tokens:
        return ZERO_BOX
    x0, y0, x1, y1 = boxes[tokens[0]]
    for i in tokens[1:]:
        bx0, by0, bx1, by1 = boxes[i]
        x0, y0 = min(x0, bx0), min(y0, by0)
        x1, y1 = max(x1, bx1), max(y1, by1)
    return (x0, y0, x1, y1)


def rounded_boxes(flat: Sequence[float]) -> list[list[int]]:
    """Flat ``[x0, y0, x1, y1, …]`` word boxes as integer boxes, rounded half to even as
    ``round`` does, for a whole page in one numpy call instead of 1,200 ``round`` calls."""
    if not flat:
        return []
    rounded: list[list[int]] = (
        np.rint(np.asarray(flat, dtype=np.float64)).astype(np.int64).reshape(-1, 4).tolist()
    )
    return rounded


def union_box(boxes: list[list[int]], tokens: list[int]) -> list[int]:
    """The union of the integer ``boxes`` of ``tokens`` (valid, at least one)."""
    if len(tokens) == 1:
        return boxes[tokens[0]]
    chosen = [boxes[i] for i in tokens]
    return [
        min(b[0] for b in chosen),
        min(b[1] for b in chosen),
        max(b[2] for b in chosen),
        max(b[3] for b in chosen),
    ]


def rounded_region_box(region: dict[str, Any], rounded: list[list[int]]) -> list[int]:
    """``round`` of each corner of ``region_box``, from the page's ``rounded`` word boxes:
    rounding keeps order, so the union of rounded boxes is the rounded union. The list may
    be a word's own box: read, don't edit."""
    bbox = region.get("bbox")
    if bbox:
        return [
            round(float(bbox[0])),
            round(float(bbox[1])),
            round(float(bbox[2])),
            round(float(bbox[3])),
        ]
    tokens = region.get("tokens")
    if not tokens:
        return [0, 0, 0, 0]
    count = len(rounded)
    if len(tokens) == 1:
        index = tokens[0]
        return rounded[index] if 0 <= index < count else [0, 0, 0, 0]
    valid = [i for i in tokens if 0 <= i < count]
    return union_box(rounded, valid) if valid else [0, 0, 0, 0]


def annotated_pages(
    task: ExportTask,
) -> Iterator[tuple[ExportPage, list[dict[str, Any]], ExportAnnotation]]:
    """Each page of the task with the chosen annotation's regions on it (and the annotation);
    nothing when the task has no annotation to export."""
    annotation = task.chosen_result()
    if annotation is None:
        return
    grouped = regions_by_page(annotation)
    for page in task.pages:
        yield page, grouped.get(page.index, []), annotation


def regions_by_page(annotation: ExportAnnotation | None) -> dict[int, list[dict[str, Any]]]:
    """The annotation's regions grouped by page, in their order. The lists are the
    annotation's own when every region is on one page (the common case): read, don't edit."""
    if annotation is None:
        return {}
    regions = annotation.regions
    pages = {region.get("page", 0) for region in regions}
    if len(pages) == 1:
        return {int(pages.pop()): regions}
    grouped: dict[int, list[dict[str, Any]]] = {}
    for region in regions:
        grouped.setdefault(int(region.get("page", 0)), []).append(region)
    return grouped


def bio_tags(word_count: int, regions: Sequence[dict[str, Any]]) -> list[str]:
    """BIO tags of a page's words from its token regions. A word already tagged by an
    earlier region keeps that tag; free boxes (no tokens) tag nothing."""
    tags = ["O"] * word_count
    for region in regions:
        tokens = region.get("tokens")
        if not tokens:
            continue
        if len(tokens) == 1:
            index = tokens[0]
            if 0 <= index < word_count and tags[index] == "O":
                tags[index] = f"B-{region.get('label', '')}"
            continue
        tokens = sorted(tokens)
        free = [i for i in tokens if 0 <= i < word_count and tags[i] == "O"]
        if not free:
            continue
        label = str(region.get("label", ""))
        tag, inside = f"B-{label}", f"I-{label}"
        for index in free:
            tags[index] = tag
            tag = inside
    return tags


def word_corrections(
    texts: Sequence[str], regions: Sequence[dict[str, Any]]
) -> dict[int, list[str]]:
    """``word index → its words as the annotator corrected them``, for the words of token
    regions whose text was edited (word-level formats write these instead of the OCR's).

    The corrected text is split on whitespace and laid onto the region's words in order: with
    as many words, one each; with more, the region's last word takes the rest; with fewer,
    the region's last words take none (they leave the export). An earlier region's
    correction of a word wins, as its tag does in ``bio_tags``. Regions whose text is empty
    or equals their words' text change nothing.
    """
    count = len(texts)
    corrections: dict[int, list[str]] = {}
    for region in regions:
        text = region.get("text")
        tokens = region.get("tokens")
        if not text or not tokens or not isinstance(text, str):
            continue
        indices = sorted(i for i in tokens if 0 <= i < count)
        corrected = text.split()
        if not indices or corrected == [w for i in indices for w in texts[i].split()]:
            continue
        last = len(indices) - 1
        for position, index in enumerate(indices):
            if index in corrections:
                continue
            if position < last:
                corrections[index] = corrected[position : position + 1]
            else:
                corrections[index] = corrected[position:]
    return corrections


def corrected_tagged_words(
    texts: Sequence[str], tags: Sequence[str], regions: Sequence[dict[str, Any]]
) -> Iterator[tuple[int, str, str]]:
    """``(word index, text, tag)`` of a page's words with the annotation's text corrections
    (``word_corrections``): a word corrected into several yields each of them, the later
    ones inside its entity (``I-``); a word corrected away yields nothing."""
    corrections = word_corrections(texts, regions)
    for index, (text, tag) in enumerate(zip(texts, tags, strict=True)):
        replaced = corrections.get(index)
        if replaced is None:
            yield index, text, tag
            continue
        inside = "I-" + tag[2:] if tag != "O" else "O"
        for position, word in enumerate(replaced):
            yield index, word, tag if position == 0 else inside


def page_stem(task: ExportTask, page: ExportPage) -> str:
    """A file-name stem unique in the export: ``task-12_page-0``."""
    return f"task-{task.id}_page-{page.index}"


class JsonArrayWriter:
    """Writes ``[task, task, …]`` one task at a time, so no export holds the whole list;
    a format says how one task looks in ``task_json``."""

    def __init__(self, sink: BinaryIO, ctx: ExportContext) -> None:
        self.sink = sink
        self.ctx = ctx
        self.count = 0
        sink.write(b"[")

    def task_json(self, task: ExportTask) -> dict[str, Any]:
        raise NotImplementedError

    def write_task(self, task: ExportTask) -> None:
        separator = b"\n" if self.count == 0 else b",\n"
        self.sink.write(separator + orjson.dumps(self.task_json(task)))
        self.count += 1

    def close(self) -> Iterator[None]:
        self.sink.write(b"\n]\n" if self.count else b"]\n")
        yield
