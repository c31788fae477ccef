"""Label Studio ``result`` lists ⇄ our regions, relations and choices.

Label Studio keeps boxes in percent of the image (``x, y, width, height``) and puts the text of
a region in a ``textarea`` result sharing the region's ``id``. We keep pixels, plus the indices
of the OCR words the box covers, so imported pre-annotations become clickable word regions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from visualner.errors import InvalidInput
from visualner.formats.records import Box, region_box
from visualner.words import Word

BOX_TYPES = {"rectanglelabels", "labels", "rectangle", "polygonlabels"}


def words_inside(words: Sequence[Word], bbox: Sequence[float]) -> list[int]:
    """Indices of the words whose centre lies in ``bbox`` (reading order kept)."""
    x0, y0, x1, y1 = bbox
    inside = []
    for index, word in enumerate(words):
        cx = (word.bbox[0] + word.bbox[2]) / 2
        cy = (word.bbox[1] + word.bbox[3]) / 2
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            inside.append(index)
    return inside


def _label_of(item: dict[str, Any]) -> str:
    value = item.get("value") or {}
    for key in ("rectanglelabels", "labels", "polygonlabels"):
        labels = value.get(key)
        if labels:
            return str(labels[0])
    return ""


def regions_from_labelstudio(
    result: Sequence[Any],
    *,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    origin: str,
) -> dict[str, Any]:
    """Convert one Label Studio annotation/prediction ``result`` list."""
    if not isinstance(result, list):
        raise InvalidInput("a Label Studio result must be a list")
    texts: dict[str, str] = {}
    for item in result:
        if isinstance(item, dict) and item.get("type") == "textarea":
            text = (item.get("value") or {}).get("text") or []
            texts[str(item.get("id"))] = (
                " ".join(str(t) for t in text) if isinstance(text, list) else str(text)
            )
    regions: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    choices: dict[str, list[str]] = {}
    for position, item in enumerate(result):
        if not isinstance(item, dict):
            raise InvalidInput(f"result[{position}] is not an object")
        kind = item.get("type")
        if kind in BOX_TYPES:
            regions.append(_box_region(item, position, page_sizes, page_words, texts, origin))
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
    regions = [r for r in regions if r["label"]]
    return {"regions": regions, "relations": relations, "choices": choices}


def _box_region(
    item: dict[str, Any],
    position: int,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    texts: dict[str, str],
    origin: str,
) -> dict[str, Any]:
    value = item.get("value") or {}
    page = int(item.get("item_index") or value.get("item_index") or 0)
    if not 0 <= page < len(page_sizes):
        raise InvalidInput(f"result[{position}]: the task has no page {page}")
    width, height = page_sizes[page]
    try:
        x, y = float(value["x"]), float(value["y"])
        w, h = float(value.get("width", 0)), float(value.get("height", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"result[{position}]: a box needs numeric x, y, width, height") from exc
    bbox = [
        round(max(0.0, x) * width / 100, 1),
        round(max(0.0, y) * height / 100, 1),
        round(min(100.0, x + w) * width / 100, 1),
        round(min(100.0, y + h) * height / 100, 1),
    ]
    region_id = str(item.get("id") or f"ls{position}")
    tokens = words_inside(page_words[page], bbox) if page < len(page_words) else []
    text = texts.get(region_id)
    if text is None:
        text = " ".join(page_words[page][i].text for i in tokens) if tokens else ""
    region: dict[str, Any] = {
        "id": region_id[:64],
        "page": page,
        "label": _label_of(item),
        "tokens": tokens,
        "bbox": bbox,
        "text": text,
        "origin": origin,
    }
    if item.get("score") is not None:
        region["score"] = float(item["score"])
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
        box_item["value"] = {
            "x": x,
            "y": y,
            "width": w,
            "height": h,
            "rotation": 0,
            "rectanglelabels": [label],
        }
        score = region.get("score")
        if score is not None:
            box_item["score"] = score
        append(box_item)
        if text_item is not None:
            text_item["from_name"] = text_name
            text_item["type"] = "textarea"
            text_item["value"] = {
                "x": x,
                "y": y,
                "width": w,
                "height": h,
                "rotation": 0,
                "text": [region["text"]],
            }
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
