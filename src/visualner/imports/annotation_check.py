"""Checking imported annotations at bulk speed, with the messages a save would give.

An imported task brings hundreds of regions per annotation, and a list brings thousands of
tasks: building a pydantic ``AnnotationBody`` for each (and dumping it back) cost more than
everything else an import does. Clean input — the common case, exports of this or another
tool — is checked here with plain type tests and comes out exactly as
``AnnotationBody.model_dump(mode="json")`` would give it; anything unusual (a coercible string,
an unknown key, a bad value) goes through pydantic, so its error message and its coercions are
the ones a save through the API gives.

The rules against the project's config are ``annotations.rules.check_annotation``, the same
function a save through the API runs.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from visualner.annotations.schemas import (
    MAX_ID,
    MAX_ITEMS,
    MAX_LABEL,
    MAX_ORIGIN,
    MAX_TEXT,
    MAX_TOKENS,
    AnnotationBody,
)
from visualner.errors import InvalidInput

REGION_KEYS = frozenset({"id", "page", "label", "tokens", "bbox", "text", "origin", "score"})
RELATION_KEYS = frozenset({"from_id", "to_id", "label"})


NUMBER_TYPES = (int, float)


def _clean_region(raw: Any) -> dict[str, Any] | None:
    """The region as pydantic would dump it, or None when only pydantic can tell.

    Written as plain loops and exact type tests: this runs for every region of every task."""
    if type(raw) is not dict or not raw.keys() <= REGION_KEYS:
        return None
    region_id, label = raw.get("id"), raw.get("label")
    if type(region_id) is not str or not 0 < len(region_id) <= MAX_ID:
        return None
    if type(label) is not str or not 0 < len(label) <= MAX_LABEL:
        return None
    page = raw.get("page", 0)
    if type(page) is not int or page < 0:
        return None
    text, origin = raw.get("text", ""), raw.get("origin", "manual")
    if type(text) is not str or len(text) > MAX_TEXT:
        return None
    if type(origin) is not str or len(origin) > MAX_ORIGIN:
        return None
    score = raw.get("score")
    if score is not None:
        if type(score) not in NUMBER_TYPES:
            return None
        score = float(score)
    tokens = raw.get("tokens", [])
    if type(tokens) is not list or len(tokens) > MAX_TOKENS:
        return None
    for token in tokens:
        if type(token) is not int or token < 0:
            return None
    if len(tokens) > 1 and len(set(tokens)) != len(tokens):
        return None
    bbox = raw.get("bbox")
    if bbox is not None:
        if type(bbox) is not list or len(bbox) != 4:
            return None
        x0, y0, x1, y1 = bbox
        if (
            type(x0) not in NUMBER_TYPES
            or type(y0) not in NUMBER_TYPES
            or type(x1) not in NUMBER_TYPES
            or type(y1) not in NUMBER_TYPES
            or x1 < x0
            or y1 < y0
        ):
            return None
        bbox = [float(x0), float(y0), float(x1), float(y1)]
    return {
        "id": region_id,
        "page": page,
        "label": label,
        "tokens": tokens,
        "bbox": bbox,
        "text": text,
        "origin": origin,
        "score": score,
    }


def _clean_relation(raw: Any) -> dict[str, Any] | None:
    if type(raw) is not dict or not raw.keys() <= RELATION_KEYS:
        return None
    from_id, to_id, label = raw.get("from_id"), raw.get("to_id"), raw.get("label", "")
    if not (
        type(from_id) is str
        and 0 < len(from_id) <= MAX_ID
        and type(to_id) is str
        and 0 < len(to_id) <= MAX_ID
        and type(label) is str
        and len(label) <= MAX_LABEL
    ):
        return None
    return {"from_id": from_id, "to_id": to_id, "label": label}


def _clean_choices(raw: Any) -> dict[str, list[str]] | None:
    if type(raw) is not dict:
        return None
    for name, values in raw.items():
        if type(name) is not str or type(values) is not list:
            return None
        if not all(type(v) is str for v in values):
            return None
    return raw


def _fast(
    regions: Any, relations: Any, choices: Any, status: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, list[str]]] | None:
    if type(regions) is not list or type(relations) is not list:
        return None
    if (
        len(regions) > MAX_ITEMS
        or len(relations) > MAX_ITEMS
        or status not in {"draft", "submitted"}
    ):
        return None
    clean_regions = [_clean_region(r) for r in regions]
    clean_relations = [_clean_relation(r) for r in relations]
    clean_choices = _clean_choices(choices)
    if clean_choices is None or None in clean_regions or None in clean_relations:
        return None
    return clean_regions, clean_relations, clean_choices  # type: ignore[return-value]


def checked_body(
    regions: Any, relations: Any, choices: Any, *, status: Any = "submitted", where: str
) -> tuple[dict[str, Any], str]:
    """``({"regions", "relations", "choices"}, status)`` as a validated ``AnnotationBody``
    dumps them; raises ``InvalidInput`` naming the first bad field under ``where``."""
    fast = _fast(regions, relations, choices, status)
    if fast is not None:
        clean_regions, clean_relations, clean_choices = fast
        result = {"regions": clean_regions, "relations": clean_relations, "choices": clean_choices}
        return result, str(status)
    try:
        body = AnnotationBody(regions=regions, relations=relations, choices=choices, status=status)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"{where}.{location}: {first.get('msg')}") from exc
    dumped = body.model_dump(include={"regions", "relations", "choices"}, mode="json")
    return dumped, body.status
