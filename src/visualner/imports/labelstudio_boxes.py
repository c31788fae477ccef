"""Label Studio result lists as our regions, at bulk speed.

``formats.labelstudio_results.regions_from_labelstudio`` is the reference (exports and their
round trips are tested against it). A pre-annotated Label Studio task carries hundreds of
boxes with their transcriptions, and a list thousands of tasks, so the common shape — boxes
with numeric percent geometry, ``textarea`` transcriptions — is converted here in one pass
with the same arithmetic, giving the same regions. Anything else (relations, choices, a
string where a number belongs, a page the task lacks) goes to the reference, so its result
and its error messages are the reference's.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from visualner.formats.labelstudio_results import (
    BOX_TYPES,
    regions_from_labelstudio,
)
from visualner.imports.annotation_check import MAX_ITEMS, MAX_LABEL, MAX_ORIGIN, MAX_TEXT
from visualner.words import Word

LABEL_KEYS = ("rectanglelabels", "labels", "polygonlabels")
NUMBER_TYPES = (int, float)


def convert_labelstudio_result(
    result: Any,
    *,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    origin: str,
) -> dict[str, Any]:
    """``regions_from_labelstudio``'s result, quicker for the common shape."""
    quick = _quick(result, page_sizes, page_words, origin)
    if quick is not None:
        return quick
    return regions_from_labelstudio(
        result, page_sizes=page_sizes, page_words=page_words, origin=origin
    )


def checked_labelstudio_annotation(
    result: Any,
    *,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
) -> dict[str, Any] | None:
    """What ``annotation_check.checked_body`` gives for the regions of
    ``convert_labelstudio_result(result, origin="manual")``, built in that shape at once; None
    when only the two of them can tell (then call them).

    The conversion already makes what the check looks at right — string ids of 1–64
    characters, labels that are not empty, pages, unique word indices, four numbers per box,
    numeric scores — so only lengths and box corners are left to look at, for all regions at
    once."""
    return _quick(result, page_sizes, page_words, "manual", checked=True)


def _quick(
    result: Any,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    origin: str,
    *,
    checked: bool = False,
) -> dict[str, Any] | None:
    if type(result) is not list:
        return None
    texts: dict[str, str] = {}
    boxes: list[tuple[int, dict[str, Any], dict[str, Any], int, Any]] = []
    flat_corners: list[float] = []
    page_count = len(page_sizes)
    for position, item in enumerate(result):  # one pass, no call per item: the hot loop
        if type(item) is not dict:
            return None
        kind = item.get("type")
        if kind == "textarea":
            text = (item.get("value") or {}).get("text") or []
            if type(text) is list and len(text) == 1 and type(text[0]) is str:
                joined = text[0]  # the usual one-line transcription
            elif isinstance(text, list):
                joined = " ".join(str(t) for t in text)
            else:
                joined = str(text)
            texts[str(item.get("id"))] = joined
        elif kind in BOX_TYPES:
            # the box's page and unrounded pixel corners, or None when only the reference
            # can tell (odd types, a page the task lacks)
            value = item.get("value") or {}
            if type(value) is not dict:
                return None
            page = item.get("item_index") or value.get("item_index") or 0
            if type(page) is not int or not 0 <= page < page_count:
                return None
            x, y = value.get("x"), value.get("y")
            w, h = value.get("width", 0), value.get("height", 0)
            score = item.get("score")
            if (
                type(x) not in NUMBER_TYPES
                or type(y) not in NUMBER_TYPES
                or type(w) not in NUMBER_TYPES
                or type(h) not in NUMBER_TYPES
                or (score is not None and type(score) not in NUMBER_TYPES)
            ):
                return None
            x, y = float(x), float(y)  # type: ignore[arg-type]  # numbers, checked above
            right, bottom = x + w, y + h
            width, height = page_sizes[page]
            # max(0.0, v) and min(100.0, v), written out: the same values (NaN included)
            flat_corners += (
                (x if x > 0.0 else 0.0) * width / 100,
                (y if y > 0.0 else 0.0) * height / 100,
                (right if right < 100.0 else 100.0) * width / 100,
                (bottom if bottom < 100.0 else 100.0) * height / 100,
            )
            boxes.append((position, item, value, page, score))
        elif kind in ("relation", "choices"):
            return None
    corners = np.array(flat_corners, dtype=np.float64).reshape(-1, 4)
    all_boxes = rounded_tenths(corners)
    pages = [box[3] for box in boxes]
    all_tokens = tokens_inside(pages, all_boxes, page_words)
    regions = []
    for (position, item, value, page, score), bbox, tokens in zip(
        boxes, all_boxes, all_tokens, strict=True
    ):
        label = ""
        for key in LABEL_KEYS:
            labels = value.get(key)
            if labels:
                label = str(labels[0])
                break
        if not label:
            continue
        region_id = str(item.get("id") or f"ls{position}")
        text = texts.get(region_id)
        if text is None:
            words = page_words[page] if page < len(page_words) else ()
            text = " ".join(words[i].text for i in tokens) if tokens else ""
        region: dict[str, Any] = {
            "id": region_id[:64],
            "page": page,
            "label": label,
            "tokens": tokens,
            "bbox": bbox,
            "text": text,
            "origin": origin,
        }
        if score is not None:
            region["score"] = float(score)
        elif checked:
            region["score"] = None
        regions.append(region)
    if checked and not _passes_checks(regions, corners, page_words, origin):
        return None
    return {"regions": regions, "relations": [], "choices": {}}


def _passes_checks(
    regions: list[dict[str, Any]],
    corners: np.ndarray,
    page_words: Sequence[Sequence[Word]],
    origin: str,
) -> bool:
    """Whether ``checked_body`` takes these converted regions as they are: not too many, no
    label, text or origin too long, every box's right/bottom corner at or past its left/top
    one (on the unrounded corners: rounding keeps that order, so a box refused here only goes
    the slow way)."""
    return (
        len(regions) <= MAX_ITEMS
        and len(origin) <= MAX_ORIGIN
        and max(map(len, map(itemgetter("label"), regions)), default=0) <= MAX_LABEL
        and max(map(len, map(itemgetter("text"), regions)), default=0) <= MAX_TEXT
        and max(map(len, page_words), default=0) <= MAX_TEXT  # tokens per region
        and bool(np.all(corners[:, 2] >= corners[:, 0]))
        and bool(np.all(corners[:, 3] >= corners[:, 1]))
    )


def rounded_tenths(values: np.ndarray) -> list[list[float]]:
    """``round(v, 1)`` of every value, row by row, computed for the whole array at once.

    For a value whose tenfold is not within 1e-6 of a half, the nearest integer k of the
    computed tenfold is that of the exact one (the product's error is ~1e-10 at page sizes)
    and k / 10 is the double nearest to the decimal k/10, which is what ``round`` returns.
    Values near a half (ties included), negative, huge or not finite go through ``round``.
    """
    tenfold = values * 10.0
    with np.errstate(invalid="ignore"):
        fraction = tenfold - np.floor(tenfold)
        doubtful = (
            ~np.isfinite(tenfold)
            | (np.abs(fraction - 0.5) < 1e-6)
            | (values < 0.0)
            | (values > 1e12)
        )
        quick = np.floor(tenfold + 0.5) / 10.0
    rows = quick.tolist()
    if doubtful.any():
        for row, column in zip(*np.nonzero(doubtful), strict=True):
            rows[row][column] = round(float(values[row, column]), 1)
    return rows


def tokens_inside(
    pages: Sequence[int], boxes: Sequence[list[float]], page_words: Sequence[Sequence[Word]]
) -> list[list[int]]:
    """``words_inside`` for every box at once: per page, one comparison of all the boxes with
    all the word centres (computed as ``words_inside`` does), instead of a loop over the
    page's words for each box — 600 boxes on a page of 200 OCR words take ~1 ms, not ~14."""
    found: list[list[int]] = [[] for _ in boxes]
    for page in set(pages):
        words = page_words[page] if page < len(page_words) else ()
        if not words:
            continue
        rows = [k for k, p in enumerate(pages) if p == page]
        word_boxes = np.array([word.bbox for word in words], dtype=np.float64)
        cx = (word_boxes[:, 0] + word_boxes[:, 2]) / 2
        cy = (word_boxes[:, 1] + word_boxes[:, 3]) / 2
        region_boxes = np.array([boxes[k] for k in rows], dtype=np.float64)
        x0, y0, x1, y1 = (region_boxes[:, i : i + 1] for i in range(4))
        inside = (x0 <= cx) & (cx <= x1) & (y0 <= cy) & (cy <= y1)
        for k, mask in zip(rows, inside, strict=True):
            found[k] = np.flatnonzero(mask).tolist()
    return found
