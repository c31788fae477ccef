"""What changed between two versions of an annotation: regions added, removed, relabelled,
their text edited, or their words or box moved (matched by region id)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation, AnnotationVersion
from visualner.errors import NotFound


@dataclass
class VersionDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    relabelled: list[dict[str, Any]] = field(default_factory=list)
    text_edited: list[dict[str, Any]] = field(default_factory=list)
    reshaped: list[dict[str, Any]] = field(default_factory=list)


def _brief(region: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": region.get("id"),
        "label": region.get("label"),
        "text": region.get("text", ""),
        "page": region.get("page", 0),
    }


def diff_results(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """The region changes from ``old`` to ``new`` (two annotation results)."""
    before = {r.get("id"): r for r in old.get("regions", [])}
    after = {r.get("id"): r for r in new.get("regions", [])}
    diff = VersionDiff()
    for region_id, region in after.items():
        previous = before.get(region_id)
        if previous is None:
            diff.added.append(_brief(region))
            continue
        if previous.get("label") != region.get("label"):
            diff.relabelled.append({**_brief(region), "from_label": previous.get("label")})
        if previous.get("text", "") != region.get("text", ""):
            diff.text_edited.append({**_brief(region), "from_text": previous.get("text", "")})
        if (previous.get("tokens"), previous.get("bbox"), previous.get("page")) != (
            region.get("tokens"),
            region.get("bbox"),
            region.get("page"),
        ):
            diff.reshaped.append(_brief(region))
    diff.removed = [_brief(r) for region_id, r in before.items() if region_id not in after]
    return diff


def version_result(session: Session, annotation: Annotation, version: int) -> dict[str, Any]:
    """The result ``annotation`` had at ``version`` (its current one, or a kept one)."""
    if version == annotation.version:
        return annotation.result or {}
    result = session.scalar(
        select(AnnotationVersion.result).where(
            AnnotationVersion.annotation_id == annotation.id, AnnotationVersion.version == version
        )
    )
    if result is None:
        raise NotFound(f"annotation {annotation.id} has no version {version}")
    return dict(result)
