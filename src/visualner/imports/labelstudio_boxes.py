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
from typing import Any

from visualner.formats.labelstudio_results import (
    BOX_TYPES,
    regions_from_labelstudio,
    words_inside,
)
from visualner.ocr.words import Word

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


def _quick(
    result: Any,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    origin: str,
) -> dict[str, Any] | None:
    if type(result) is not list:
        return None
    texts: dict[str, str] = {}
    boxes: list[tuple[int, dict[str, Any]]] = []
    for position, item in enumerate(result):
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
            boxes.append((position, item))
        elif kind in ("relation", "choices"):
            return None
    regions = []
    for position, item in boxes:
        region = _quick_box(item, position, page_sizes, page_words, texts, origin)
        if region is None:
            return None
        if region["label"]:
            regions.append(region)
    return {"regions": regions, "relations": [], "choices": {}}


def _quick_box(
    item: dict[str, Any],
    position: int,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    texts: dict[str, str],
    origin: str,
) -> dict[str, Any] | None:
    value = item.get("value") or {}
    if type(value) is not dict:
        return None
    page = item.get("item_index") or value.get("item_index") or 0
    if type(page) is not int or not 0 <= page < len(page_sizes):
        return None
    x, y = value.get("x"), value.get("y")
    w, h = value.get("width", 0), value.get("height", 0)
    if (
        type(x) not in NUMBER_TYPES
        or type(y) not in NUMBER_TYPES
        or type(w) not in NUMBER_TYPES
        or type(h) not in NUMBER_TYPES
    ):
        return None
    x, y = float(x), float(y)  # type: ignore[arg-type]  # numbers, checked above
    right, bottom = x + w, y + h
    score = item.get("score")
    if score is not None and type(score) not in NUMBER_TYPES:
        return None
    width, height = page_sizes[page]
    # max(0.0, v) and min(100.0, v), written out: the same values (NaN included)
    bbox = [
        round((x if x > 0.0 else 0.0) * width / 100, 1),
        round((y if y > 0.0 else 0.0) * height / 100, 1),
        round((right if right < 100.0 else 100.0) * width / 100, 1),
        round((bottom if bottom < 100.0 else 100.0) * height / 100, 1),
    ]
    label = ""
    for key in LABEL_KEYS:
        labels = value.get(key)
        if labels:
            label = str(labels[0])
            break
    region_id = str(item.get("id") or f"ls{position}")
    words = page_words[page] if page < len(page_words) else ()
    tokens = words_inside(words, bbox) if words else []
    text = texts.get(region_id)
    if text is None:
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
    return region
