"""The import's quick annotation check gives what a validated ``AnnotationBody`` gives."""

from __future__ import annotations

from typing import Any

import pytest

from visualner.annotations.schemas import AnnotationBody
from visualner.errors import InvalidInput
from visualner.imports.annotation_check import checked_body

CLEAN_REGIONS: list[dict[str, Any]] = [
    {"id": "q", "page": 0, "label": "question", "tokens": [0, 1], "text": "Policy no"},
    {"id": "a", "label": "answer", "bbox": [10, 20, 30.5, 40], "score": 1},
    {"id": "h", "page": 2, "label": "header", "tokens": [], "bbox": [0, 0, 1, 1], "origin": "m"},
]


def _pydantic(regions: Any, relations: Any, choices: Any) -> dict[str, Any]:
    body = AnnotationBody(regions=regions, relations=relations, choices=choices)
    return body.model_dump(include={"regions", "relations", "choices"}, mode="json")


@pytest.mark.parametrize(
    "regions",
    [
        CLEAN_REGIONS,
        [{"id": "s", "label": "question", "page": "1", "tokens": ["2"]}],  # coerced by pydantic
    ],
)
def test_regions_come_out_as_a_validated_body_dumps_them(regions: list[dict[str, Any]]) -> None:
    relations = [{"from_id": "q", "to_id": "a"}]
    choices = {"document_type": ["form"]}
    result, status = checked_body(regions, relations, choices, where="tasks.json[0]")
    assert result == _pydantic(regions, relations, choices)
    assert status == "submitted"


@pytest.mark.parametrize(
    ("region", "location"),
    [
        ({"id": "", "label": "question", "tokens": [0]}, "regions.0.id"),
        ({"id": "x", "label": "question", "tokens": [1, 1]}, "regions.0.tokens"),
        ({"id": "x", "label": "question", "bbox": [5, 5, 1, 1]}, "regions.0.bbox"),
        ({"id": "x", "label": "question", "colour": "red"}, "regions.0.colour"),
    ],
)
def test_a_bad_region_is_named_as_a_save_would_name_it(
    region: dict[str, Any], location: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"^tasks\.json\[4\]\.annotations\[0\]\.{location}: "):
        checked_body([region], [], {}, where="tasks.json[4].annotations[0]")
