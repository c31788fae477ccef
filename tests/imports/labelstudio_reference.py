"""The plain Label Studio conversion, one box at a time: the readable statement of the rules
that ``formats.labelstudio_results.regions_from_labelstudio`` (one pass, boxes rounded and
matched to words all at once) is held to by ``test_labelstudio_boxes.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from visualner.errors import InvalidInput
from visualner.formats.labelstudio_results import BOX_TYPES
from visualner.words import Word


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


def reference_regions(
    result: Sequence[Any],
    *,
    page_sizes: Sequence[tuple[int, int]],
    page_words: Sequence[Sequence[Word]],
    origin: str,
) -> dict[str, Any]:
    """Convert one Label Studio annotation/prediction ``result`` list, box by box."""
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
