"""Label Studio annotations that need no second check after their conversion.

``formats.labelstudio_results.regions_from_labelstudio`` already makes what the annotation
check looks at right — string ids of 1–64 characters, labels that are not empty, pages, unique
word indices, four numbers per box, numeric scores — so for boxes alone only lengths and box
corners are left to look at, for all regions at once. Checking each region again (as
``annotation_check.checked_body`` does) would cost as much as the conversion.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from visualner.annotations.schemas import MAX_ITEMS, MAX_LABEL, MAX_ORIGIN, MAX_TEXT, MAX_TOKENS


def checked_conversion(converted: dict[str, Any]) -> dict[str, Any] | None:
    """What ``checked_body`` gives for a ``regions_from_labelstudio`` result, or None when
    only ``checked_body`` can tell (relations, choices, a length or a box it may refuse)."""
    regions = converted["regions"]
    if converted["relations"] or converted["choices"] or not _passes_checks(regions):
        return None
    for region in regions:
        if "score" not in region:
            region["score"] = None  # the checked shape names every field
    return {"regions": regions, "relations": [], "choices": {}}


def _passes_checks(regions: list[dict[str, Any]]) -> bool:
    """Whether ``checked_body`` takes these converted regions as they are: not too many, no
    label, text, origin or word list too long, every box's right/bottom corner at or past its
    left/top one (false for NaN)."""
    return (
        len(regions) <= MAX_ITEMS
        and max(map(len, map(itemgetter("origin"), regions)), default=0) <= MAX_ORIGIN
        and max(map(len, map(itemgetter("label"), regions)), default=0) <= MAX_LABEL
        and max(map(len, map(itemgetter("text"), regions)), default=0) <= MAX_TEXT
        and max(map(len, map(itemgetter("tokens"), regions)), default=0) <= MAX_TOKENS
        and all(x1 >= x0 and y1 >= y0 for x0, y0, x1, y1 in map(itemgetter("bbox"), regions))
    )
