"""The one-pass Label Studio conversion gives the box-by-box reference's regions, and an
annotation checked at once is what checking its conversion gives."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import orjson
import pytest

from tests.imports.labelstudio_reference import reference_regions, words_inside
from visualner.errors import InvalidInput
from visualner.formats.box_arrays import rounded_tenths, tokens_inside
from visualner.formats.labelstudio_results import regions_from_labelstudio
from visualner.imports.annotation_check import checked_body
from visualner.imports.labelstudio_boxes import checked_conversion
from visualner.words import Word

SIZES = [(800, 600), (1000, 1400)]
WORDS = [
    [Word("Policy", (10, 10, 90, 30)), Word("12345", (100, 10, 160, 30))],
    [Word("Total", (500, 700, 560, 720))],
]


def _random_item(rng: random.Random, position: int) -> dict[str, Any]:
    geometry = {
        "x": rng.choice([0, 1.25, -3.0, 12, 99.5]),
        "y": rng.choice([0, 2.5, 50, 101.0]),
        "width": rng.choice([0, 10, 25.125, 80]),
        "height": rng.choice([0, 5, 60.5]),
    }
    kind = rng.choice(["rectanglelabels", "labels", "polygonlabels", "textarea", "rectangle"])
    item: dict[str, Any] = {
        "id": rng.choice([f"r{position}", f"r{position - 1}", None]),
        "type": kind,
    }
    if kind == "textarea":
        item["value"] = {**geometry, "text": rng.choice([["a", "b"], ["one"], [7], "plain", []])}
    else:
        item["value"] = {**geometry, kind: rng.choice([["question"], [], ["answer", "x"]])}
    if rng.random() < 0.3:
        item["item_index"] = rng.choice([0, 1])
    if rng.random() < 0.3:
        item["score"] = rng.choice([0.5, 1])
    return item


def test_the_one_pass_conversion_gives_the_reference_regions() -> None:
    rng = random.Random(3)
    for _ in range(300):
        result = [_random_item(rng, n) for n in range(rng.randint(0, 12))]
        expected = reference_regions(result, page_sizes=SIZES, page_words=WORDS, origin="ls-model")
        assert (
            regions_from_labelstudio(result, page_sizes=SIZES, page_words=WORDS, origin="ls-model")
            == expected
        )


@pytest.mark.parametrize(
    "result",
    [
        [{"id": "r", "type": "rectanglelabels", "item_index": 5, "value": {"x": 1, "y": 1}}],
        [{"id": "r", "type": "rectanglelabels", "value": {"x": "a", "y": 1}}],
        "not a list",
        ["not an object"],
    ],
)
def test_unusual_results_get_the_reference_errors(result: Any) -> None:
    with pytest.raises(InvalidInput) as reference:
        reference_regions(result, page_sizes=SIZES, page_words=WORDS, origin="m")
    with pytest.raises(InvalidInput) as quick:
        regions_from_labelstudio(result, page_sizes=SIZES, page_words=WORDS, origin="m")
    assert quick.value.message == reference.value.message


def test_relations_and_choices_are_kept() -> None:
    result = [
        {
            "id": "q",
            "type": "labels",
            "value": {"x": 0, "y": 0, "width": 10, "height": 10, "labels": ["question"]},
        },
        {"type": "relation", "from_id": "q", "to_id": "q", "labels": ["answers"]},
        {"type": "choices", "from_name": "kind", "value": {"choices": ["form"]}},
    ]
    converted = regions_from_labelstudio(result, page_sizes=SIZES, page_words=WORDS, origin="m")
    assert converted["relations"] == [{"from_id": "q", "to_id": "q", "label": "answers"}]
    assert converted["choices"] == {"kind": ["form"]}


def test_rounding_a_whole_array_gives_round_of_each_value() -> None:
    rng = random.Random(11)
    widths = [612, 762, 800, 1000, 1275, 1654, 2480, 3508]
    values = [rng.uniform(0, 100) * rng.choice(widths) / 100 for _ in range(20_000)]
    values += [k / 20 for k in range(2_000)]  # exact and near ties: 0.05, 0.15, 0.25, ...
    values += [p * w / 100 for p in (0.125, 12.345, 33.35, 50.05, 99.95) for w in widths]
    values += [0.0, 1e13, float("inf"), float("nan"), -0.04, -12.25]
    rows = np.array(values + [0.0] * (-len(values) % 4)).reshape(-1, 4)

    rounded = rounded_tenths(rows)

    for row, got in zip(rows.tolist(), rounded, strict=True):
        for value, quick in zip(row, got, strict=True):
            expected = round(value, 1)
            assert repr(quick) == repr(expected), value


def test_tokens_of_all_boxes_at_once_are_the_words_inside_each() -> None:
    rng = random.Random(5)
    page_words = [
        [
            Word("w", (x, y, x + rng.uniform(5, 80), y + rng.choice([10, 12.5, 15])))
            for x, y in ((rng.uniform(0, 700), rng.uniform(0, 950)) for _ in range(count))
        ]
        for count in (200, 0, 37)
    ]
    pages = [rng.choice([0, 1, 2]) for _ in range(600)]
    boxes = [
        [x, y, x + rng.uniform(0, 200), y + rng.uniform(0, 60)]
        for x, y in ((round(rng.uniform(0, 750), 1), round(rng.uniform(0, 990), 1)) for _ in pages)
    ]
    pages[0], boxes[0] = 0, list(page_words[0][0].bbox)  # a word's own box holds its centre

    found = tokens_inside(pages, boxes, page_words)

    assert found == [words_inside(page_words[p], box) for p, box in zip(pages, boxes, strict=True)]
    assert any(found) and 0 in found[0]


def test_an_annotation_checked_at_once_is_what_checking_its_conversion_gives() -> None:
    rng = random.Random(8)
    quick_ones = 0
    for _ in range(400):
        result = [_random_item(rng, n) for n in range(rng.randint(0, 12))]
        if rng.random() < 0.2:  # what the check refuses or the conversion cannot vouch for
            item = rng.choice([*result, {"type": "labels", "value": {}}])
            value = item.setdefault("value", {})
            value.update(
                rng.choice(
                    [
                        {"labels": ["q" * 201]},
                        {"text": ["t" * 100_001]},
                        {"width": -30.0},
                        {"x": float("inf")},
                    ]
                )
            )
        try:
            converted = regions_from_labelstudio(
                result, page_sizes=SIZES, page_words=WORDS, origin="manual"
            )
        except InvalidInput:
            continue
        quick = checked_conversion(json.loads(json.dumps(converted)))
        try:
            expected, _ = checked_body(
                converted["regions"], converted["relations"], converted["choices"], where="a"
            )
        except InvalidInput:
            assert quick is None
            continue
        if quick is not None:
            quick_ones += 1
            assert orjson.dumps(quick) == orjson.dumps(expected)
    assert quick_ones > 80


def test_a_label_studio_export_is_checked_at_once() -> None:
    result = [
        {
            "id": f"r{n}",
            "type": "rectanglelabels",
            "score": 0.9 if n % 2 else None,
            "value": {"x": n, "y": 2.5, "width": 10, "height": 5, "rectanglelabels": ["answer"]},
        }
        for n in range(50)
    ] + [{"id": "r3", "type": "textarea", "value": {"text": ["Policy"]}}]
    converted = regions_from_labelstudio(
        result, page_sizes=SIZES, page_words=WORDS, origin="manual"
    )
    expected = checked_body(converted["regions"], [], {}, where="a")[0]
    quick = checked_conversion(converted)

    assert quick == expected
    assert quick is not None and quick["regions"][3]["text"] == "Policy"
