"""Label Studio ``result`` lists ⇄ our regions, relations and choices.

Label Studio keeps boxes in percent of the image (``x, y, width, height``) and puts the text of
a region in a ``textarea`` result sharing the region's ``id``. We keep pixels, plus the indices
of the OCR words the box covers, so imported pre-annotations become clickable word regions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from visualner.annotations.schemas import MAX_ID
from visualner.errors import InvalidInput
from visualner.formats.box_arrays import rounded_tenths, tokens_inside
from visualner.formats.records import Box, region_box
from visualner.words import Word

BOX_TYPES = {"rectanglelabels", "labels", "rectangle", "polygonlabels"}
LABEL_KEYS = ("rectanglelabels", "labels", "polygonlabels")
NUMBER_TYPES = (int, float)


def regions_from_labelstudio(
    result: Sequence[Any],
    *,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    origin: str,
) -> dict[str, Any]:
    """Convert one Label Studio annotation/prediction ``result`` list to our regions,
    relations and choices; raises ``InvalidInput`` naming the first bad item.

    A box covers the OCR words whose centre it holds; its text is the ``textarea`` result of
    the same id, else those words' text. Boxes without a label are left out. A pre-annotated
    task carries hundreds of boxes, and a list thousands of tasks, so the items are read in
    one pass and the boxes rounded and matched to words all at once (``box_arrays``)."""
    if not isinstance(result, list):
        raise InvalidInput("a Label Studio result must be a list")
    texts: dict[str, str] = {}
    boxes: list[tuple[int, dict[str, Any], str, int]] = []  # position, item, label, page
    flat_corners: list[float] = []
    relations: list[dict[str, Any]] = []
    choices: dict[str, list[str]] = {}
    page_count = len(page_sizes)
    for position, item in enumerate(result):  # one pass, few calls per item: the hot loop
        if not isinstance(item, dict):
            raise InvalidInput(f"result[{position}] is not an object")
        kind = item.get("type")
        if kind == "textarea":
            text = (item.get("value") or {}).get("text") or []
            if type(text) is list and len(text) == 1 and type(text[0]) is str:
                texts[str(item.get("id"))] = text[0]  # the usual one-line transcription
            else:
                texts[str(item.get("id"))] = (
                    " ".join(str(t) for t in text) if isinstance(text, list) else str(text)
                )
        elif kind in BOX_TYPES:
            value = item.get("value") or {}
            page = item.get("item_index") or value.get("item_index") or 0
            if type(page) is not int or not 0 <= page < page_count:
                page = _page_number(page, position, page_count)
            x, y = value.get("x"), value.get("y")
            w, h = value.get("width", 0), value.get("height", 0)
            if (  # plain numbers, the usual case, are read without a call
                type(x) in NUMBER_TYPES
                and type(y) in NUMBER_TYPES
                and type(w) in NUMBER_TYPES
                and type(h) in NUMBER_TYPES
            ):
                x, y = float(x), float(y)  # type: ignore[arg-type]  # numbers, checked above
            else:
                x, y, w, h = _numbers(value, position)
            right, bottom = x + w, y + h
            width, height = page_sizes[page]
            # max(0.0, v) and min(100.0, v), written out: the same values (NaN included)
            flat_corners += (
                (x if x > 0.0 else 0.0) * width / 100,
                (y if y > 0.0 else 0.0) * height / 100,
                (right if right < 100.0 else 100.0) * width / 100,
                (bottom if bottom < 100.0 else 100.0) * height / 100,
            )
            boxes.append((position, item, _label_of(value), page))
        elif kind == "relation":
            labels = item.get("labels") or []
            relations.append(
                {
                    "from_id": str(item.get("from_id")),
                    "to_id": str(item.get("to_id")),
                    "label": str(labels[0]) if labels else "",
                }
            )
        elif kind == "choices":
            value = item.get("value") or {}
            choices[str(item.get("from_name", "choices"))] = [
                str(c) for c in value.get("choices", [])
            ]
    rounded = rounded_tenths(np.array(flat_corners, dtype=np.float64).reshape(-1, 4))
    all_tokens = tokens_inside([box[3] for box in boxes], rounded, page_words)
    regions = []
    for (position, item, label, page), bbox, tokens in zip(boxes, rounded, all_tokens, strict=True):
        if label:
            place = (position, page, bbox, tokens)
            regions.append(_region(item, label, origin, place, texts, page_words))
    return {"regions": regions, "relations": relations, "choices": choices}


def _page_number(page: Any, position: int, page_count: int) -> int:
    """An ``item_index`` that is not a plain page number: a number of another type, or an
    error naming the item."""
    try:
        page = int(page)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"result[{position}]: item_index must be a page number") from exc
    if not 0 <= page < page_count:
        raise InvalidInput(f"result[{position}]: the task has no page {page}")
    return page


def _numbers(value: dict[str, Any], position: int) -> tuple[float, float, float, float]:
    """A box's ``x, y, width, height`` that are not all plain numbers, as floats."""
    try:
        return (
            float(value["x"]),
            float(value["y"]),
            float(value.get("width", 0)),
            float(value.get("height", 0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"result[{position}]: a box needs numeric x, y, width, height") from exc


def _label_of(value: dict[str, Any]) -> str:
    for key in LABEL_KEYS:
        labels = value.get(key)
        if labels:
            return str(labels[0])
    return ""


def _region(
    item: dict[str, Any],
    label: str,
    origin: str,
    place: tuple[int, int, list[float], list[int]],
    texts: dict[str, str],
    page_words: Sequence[Sequence[Word]],
) -> dict[str, Any]:
    """One box as our region; ``place`` is its position in the result, page, rounded box and
    the words it covers."""
    position, page, bbox, tokens = place
    region_id = str(item.get("id") or f"ls{position}")
    text = texts.get(region_id)
    if text is None:
        words = page_words[page] if page < len(page_words) else ()
        text = " ".join(words[i].text for i in tokens) if tokens else ""
    region: dict[str, Any] = {
        "id": region_id[:MAX_ID],
        "page": page,
        "label": label,
        "tokens": tokens,
        "bbox": bbox,
        "text": text,
        "origin": origin,
    }
    score = item.get("score")
    if score is not None:
        try:
            region["score"] = float(score)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"result[{position}]: score must be a number") from exc
    return region


def to_labelstudio_result(
    annotation: dict[str, Any],
    *,
    page_sizes: Sequence[tuple[int, int]],
    from_name: str,
    to_name: str,
    text_name: str | None,
    label_groups: Mapping[str, str] | None = None,
    page_boxes: Callable[[int], Sequence[Box]] | None = None,
) -> list[dict[str, Any]]:
    """Our regions as a Label Studio result list (percent boxes, per-region text).

    ``label_groups`` maps a label to the name of its control when the config has several
    (``<Labels name="label">`` and ``<RectangleLabels name="box">``); other labels use
    ``from_name``. A region's ``score`` (predictions) is kept. A region without ``bbox`` gets
    the union of its words' boxes, ``page_boxes(page)`` (the words' boxes of that page);
    regions on pages beyond ``page_sizes`` are left out.

    This runs once per region of every exported annotation, so it builds each item as one
    dict literal rather than merging shared parts."""
    groups = label_groups or {}
    page_count = len(page_sizes)
    items: list[dict[str, Any]] = []
    append = items.append
    boxes_of: dict[int, Sequence[Box]] = {}
    for region in annotation.get("regions", []):
        page = int(region.get("page", 0))
        if page >= page_count:
            continue
        width, height = page_sizes[page]
        bbox = region.get("bbox")
        if not bbox:
            boxes = boxes_of.get(page)
            if boxes is None:
                boxes = boxes_of[page] = page_boxes(page) if page_boxes else ()
            bbox = region_box(region, boxes)
        x0, y0, x1, y1 = bbox
        x, y = 100 * x0 / width, 100 * y0 / height
        w, h = 100 * (x1 - x0) / width, 100 * (y1 - y0) / height
        label = region["label"]
        region_id = region["id"]
        box_item: dict[str, Any] = {
            "id": region_id,
            "to_name": to_name,
            "original_width": width,
            "original_height": height,
            "image_rotation": 0,
        }
        if page:
            box_item["item_index"] = page
        text_item = box_item.copy() if text_name and region.get("text") else None
        box_item["from_name"] = groups.get(label, from_name)
        box_item["type"] = "rectanglelabels"
        # the box and its transcription are two Label Studio items with the same geometry
        geometry = {"x": x, "y": y, "width": w, "height": h, "rotation": 0}
        box_item["value"] = {**geometry, "rectanglelabels": [label]}
        score = region.get("score")
        if score is not None:
            box_item["score"] = score
        append(box_item)
        if text_item is not None:
            text_item["from_name"] = text_name
            text_item["type"] = "textarea"
            text_item["value"] = {**geometry, "text": [region["text"]]}
            append(text_item)
    for relation in annotation.get("relations", []):
        append(
            {
                "type": "relation",
                "from_id": relation["from_id"],
                "to_id": relation["to_id"],
                "direction": "right",
                "labels": [relation["label"]] if relation.get("label") else [],
            }
        )
    for name, values in annotation.get("choices", {}).items():
        append(
            {"type": "choices", "from_name": name, "to_name": to_name, "value": {"choices": values}}
        )
    return items
