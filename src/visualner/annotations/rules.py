"""The rules an annotation follows against its project's config and its task's pages.

One implementation for every way in: a save (``service.validate_annotation`` counts the stored
pages' words) and an import (which passes the counts of the pages it is about to store). It
reads the plain JSON shape (``AnnotationBody.model_dump()``), which imports build without
pydantic at bulk speed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from visualner.errors import InvalidInput
from visualner.projects.config import LabelConfig


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


def check_annotation(
    result: Mapping[str, Any],
    *,
    config: LabelConfig,
    word_counts: Mapping[int, int],
    where: str = "",
) -> None:
    """Refuse labels the config lacks, pages the task lacks (``word_counts``: words per page;
    empty when unknown), tokens past a page's words, regions without tokens or a box, unknown
    relation ends and labels, and choices the config does not offer. Messages name the place
    under ``where`` (``tasks.json[3].annotations[0].regions[2] (id 'r2'): …``)."""
    prefix = f"{where}." if where else ""
    labels = set(config.label_values)
    region_ids: set[str] = set()
    for position, region in enumerate(result["regions"]):
        problem = _region_problem(region, region_ids, labels, word_counts)
        if problem:  # named only when there is one: this runs for every region of a list
            raise InvalidInput(f"{prefix}regions[{position}] (id {region['id']!r}): {problem}")
        region_ids.add(region["id"])
    relation_labels = {r.value for r in config.relations}
    for position, relation in enumerate(result["relations"]):
        for end in (relation["from_id"], relation["to_id"]):
            if end not in region_ids:
                raise InvalidInput(f"{prefix}relations[{position}]: no region with id {end!r}")
        if relation_labels and relation["label"] and relation["label"] not in relation_labels:
            raise InvalidInput(
                f"{prefix}relations[{position}]: label {relation['label']!r} is not one of "
                + ", ".join(sorted(relation_labels))
            )
    config.check_choices(result["choices"], where=f"{prefix}choices")
