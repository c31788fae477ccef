"""Checking imported annotations at bulk speed, with the messages a save would give.

An imported task brings hundreds of regions per annotation, and a list brings thousands of
tasks: building a pydantic ``AnnotationBody`` for each (and dumping it back) cost more than
everything else an import does. Clean input — the common case, exports of this or another
tool — is checked here with plain type tests and comes out exactly as
``AnnotationBody.model_dump(mode="json")`` would give it; anything unusual (a coercible string,
an unknown key, a bad value) goes through pydantic, so its error message and its coercions are
the ones a save through the API gives.

``check_against_config`` is ``annotations.service.validate_annotation`` for a task not stored
yet: the word counts come from the pages about to be stored, not from a query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from visualner.annotations.schemas import AnnotationBody
from visualner.errors import InvalidInput
from visualner.projects.config import LabelConfig

REGION_KEYS = frozenset({"id", "page", "label", "tokens", "bbox", "text", "origin", "score"})
RELATION_KEYS = frozenset({"from_id", "to_id", "label"})
MAX_ITEMS = 20_000
MAX_TEXT = 100_000
MAX_LABEL = MAX_ORIGIN = 200


NUMBER_TYPES = (int, float)


def _clean_region(raw: Any) -> dict[str, Any] | None:
    """The region as pydantic would dump it, or None when only pydantic can tell.

    Written as plain loops and exact type tests: this runs for every region of every task."""
    if type(raw) is not dict or not raw.keys() <= REGION_KEYS:
        return None
    region_id, label = raw.get("id"), raw.get("label")
    if type(region_id) is not str or not 0 < len(region_id) <= 64:
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
    if type(tokens) is not list or len(tokens) > MAX_TEXT:
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
        and 0 < len(from_id) <= 64
        and type(to_id) is str
        and 0 < len(to_id) <= 64
        and type(label) is str
        and len(label) <= 200
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


def _region_problem(
    region: Mapping[str, Any],
    region_ids: set[str],
    labels: set[str],
    word_counts: Mapping[int, int],
) -> str:
    """What is wrong with one region of an annotation (``""``: nothing)."""
    if region["id"] in region_ids:
        return "duplicate region id"
    if region["label"] not in labels:
        return (
            f"label {region['label']!r} is not in the project's config "
            f"({', '.join(sorted(labels))})"
        )
    page, tokens = region["page"], region["tokens"]
    if word_counts and page not in word_counts:
        return f"the task has no page {page}"
    if tokens and word_counts and max(tokens) >= word_counts[page]:
        return f"token {max(tokens)} is past the {word_counts[page]} words of page {page}"
    if not tokens and region["bbox"] is None:
        return "a region needs tokens or a bbox"
    return ""


def check_against_config(
    result: Mapping[str, Any], *, config: LabelConfig, word_counts: Mapping[int, int], where: str
) -> None:
    """Refuse labels the config lacks, pages the task lacks, tokens past a page's words,
    unknown relation ends and choices (the rules of ``validate_annotation``)."""
    labels = set(config.label_values)
    region_ids: set[str] = set()
    for position, region in enumerate(result["regions"]):
        problem = _region_problem(region, region_ids, labels, word_counts)
        if problem:  # named only when there is one: this runs for every region of a list
            raise InvalidInput(f"{where}.regions[{position}] (id {region['id']!r}): {problem}")
        region_ids.add(region["id"])
    relation_labels = {r.value for r in config.relations}
    for position, relation in enumerate(result["relations"]):
        for end in (relation["from_id"], relation["to_id"]):
            if end not in region_ids:
                raise InvalidInput(f"{where}.relations[{position}]: no region with id {end!r}")
        if relation_labels and relation["label"] and relation["label"] not in relation_labels:
            raise InvalidInput(
                f"{where}.relations[{position}]: label {relation['label']!r} is not one of "
                + ", ".join(sorted(relation_labels))
            )
    config.check_choices(result["choices"], where=f"{where}.choices")
