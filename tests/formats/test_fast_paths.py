"""The exports' fast paths give exactly what the plain per-word formulas they replaced give.

Exports round, scale and tag words a page at a time (numpy, word columns, one loop per
annotation) for speed; these tests pin each to the straightforward definition, on awkward
values (halves, negatives, boxes past the page, integer coordinates, odd whitespace).
"""

from __future__ import annotations

import gc
import random
import re
from typing import Any

import orjson
import pytest

from visualner.formats.conll import conll_word
from visualner.formats.csv_table import one_decimal
from visualner.formats.labelstudio_results import to_labelstudio_result
from visualner.formats.layoutlm import normalized_boxes
from visualner.formats.records import (
    ExportAnnotation,
    ExportPage,
    bio_tags,
    region_box,
    rounded_boxes,
)
from visualner.gc_pause import cyclic_gc_paused
from visualner.word_codec import decode_words, encode_words, word_columns
from visualner.words import Word

AWKWARD = [0.5, 1.5, 2.5, -0.5, -1.5, 799.5, 1000.5, 12.25, 0.0, 10, 7, -3, 1e6 + 0.5]


def _page(flat: list[float], width: int = 800, height: int = 1000) -> ExportPage:
    page = ExportPage(0, width, height, None, "image/png", None)
    page.__dict__["columns"] = {
        "text": [f"w{i}" for i in range(len(flat) // 4)],
        "bbox": flat,
        "conf": [1.0] * (len(flat) // 4),
        "line": [0] * (len(flat) // 4),
        "block": [0] * (len(flat) // 4),
    }
    return page


def _random_flat(count: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    flat: list[float] = []
    for _ in range(count):
        flat.extend(
            rng.choice([rng.choice(AWKWARD), round(rng.uniform(-50, 1100), 1)]) for _ in "xyzw"
        )
    return flat


def test_rounded_word_boxes_round_half_to_even_like_round() -> None:
    flat = _random_flat(500, seed=1)
    expected = [list(map(round, flat[i : i + 4])) for i in range(0, len(flat), 4)]
    assert rounded_boxes(flat) == expected
    assert rounded_boxes([]) == []


@pytest.mark.parametrize(("width", "height"), [(800, 1000), (1, 1), (0, 0), (1237, 1753)])
def test_layoutlm_boxes_are_the_truncated_clamped_per_mille_of_the_page(
    width: int, height: int
) -> None:
    flat = _random_flat(500, seed=2)
    page = _page(flat, width, height)
    w, h = max(width, 1), max(height, 1)
    expected = [
        [
            min(1000, max(0, int(1000 * x0 / w))),
            min(1000, max(0, int(1000 * y0 / h))),
            min(1000, max(0, int(1000 * x1 / w))),
            min(1000, max(0, int(1000 * y1 / h))),
        ]
        for x0, y0, x1, y1 in zip(*[iter(flat)] * 4, strict=True)
    ]
    assert normalized_boxes(page) == expected


def test_a_conll_word_joins_whitespace_runs_with_underscores_as_the_regex_did() -> None:
    whitespace = re.compile(r"\s+")
    for text in ["", " ", "a b", "\ta\u00a0b\n", "x\u2003\u2003y ", "\x1c", "no-space"]:
        assert conll_word(text) == whitespace.sub("_", text.strip())


def test_bio_tags_keep_the_first_regions_tag_and_skip_bad_tokens() -> None:
    regions: list[dict[str, Any]] = [
        {"label": "question", "tokens": [3, 1, 2]},
        {"label": "answer", "tokens": [2, 4, 99, -1]},
        {"label": "header", "tokens": []},
        {"label": "other"},
        {"label": "answer", "tokens": [5]},
    ]
    assert bio_tags(7, regions) == [
        "O",
        "B-question",
        "I-question",
        "I-question",
        "B-answer",
        "B-answer",
        "O",
    ]


def test_a_region_box_is_its_bbox_else_the_union_of_its_valid_words() -> None:
    boxes = [(10.0, 20.0, 30.0, 40.0), (5.0, 25.0, 35.0, 45.0), (50.0, 0.0, 60.0, 10.0)]
    assert region_box({"bbox": [1, 2, 3, 4], "tokens": [0]}, boxes) == (1.0, 2.0, 3.0, 4.0)
    assert region_box({"tokens": [1]}, boxes) == boxes[1]
    assert region_box({"tokens": [0, 1, 7]}, boxes) == (5.0, 20.0, 35.0, 45.0)
    assert region_box({"tokens": [9]}, boxes) == (0.0, 0.0, 0.0, 0.0)
    assert region_box({}, boxes) == (0.0, 0.0, 0.0, 0.0)


def test_label_studio_results_fill_token_boxes_and_skip_regions_on_missing_pages() -> None:
    boxes = [(80.0, 100.0, 160.0, 200.0), (160.0, 100.0, 240.0, 300.0)]
    annotation = {
        "regions": [
            {"id": "a", "page": 0, "label": "answer", "tokens": [0, 1], "text": "w0 w1"},
            {"id": "b", "page": 1, "label": "LOGO", "bbox": [0, 0, 80, 100], "text": ""},
            {"id": "c", "page": 2, "label": "answer", "tokens": [0]},
        ],
        "relations": [{"from_id": "a", "to_id": "b", "label": ""}],
        "choices": {},
    }
    items = to_labelstudio_result(
        annotation,
        page_sizes=[(800, 1000), (400, 500)],
        page_boxes=lambda page: boxes,
        from_name="label",
        to_name="image",
        text_name="transcription",
        label_groups={"LOGO": "box"},
    )
    assert [(i["type"], i.get("id"), i.get("from_name")) for i in items] == [
        ("rectanglelabels", "a", "label"),
        ("textarea", "a", "transcription"),
        ("rectanglelabels", "b", "box"),
        ("relation", None, None),
    ]
    assert items[0]["value"] == {
        "x": 10.0,
        "y": 10.0,
        "width": 20.0,
        "height": 20.0,
        "rotation": 0,
        "rectanglelabels": ["answer"],
    }
    assert items[2]["item_index"] == 1 and "item_index" not in items[0]
    assert list(items[1]) == [
        "id",
        "to_name",
        "original_width",
        "original_height",
        "image_rotation",
        "from_name",
        "type",
        "value",
    ]


def test_word_columns_decode_to_the_same_words_and_boxes() -> None:
    words = [Word(f"t{i}", (i, i + 0.5, i + 10, i + 20.25), 0.5, i // 3, i // 9) for i in range(30)]
    blob = encode_words(words)
    page = ExportPage(0, 800, 1000, None, "image/png", blob)
    assert page.words == decode_words(blob)
    assert page.boxes == [w.bbox for w in decode_words(blob)]
    assert page.texts == word_columns(blob)["text"]


def test_an_annotation_result_is_parsed_on_first_use_only() -> None:
    annotation = ExportAnnotation(1, orjson.dumps({"regions": [{"id": "r"}]}))
    assert "result" not in annotation.__dict__
    assert annotation.regions == [{"id": "r"}]
    assert annotation.relations == [] and annotation.choices == {}
    assert ExportAnnotation(2, None).regions == []


def test_pausing_collection_for_a_task_restores_it_as_it_was() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with cyclic_gc_paused(False):  # a job whose policy does not pause leaves it alone
        assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_csv_coordinates_are_written_as_round_to_one_decimal_writes_them() -> None:
    def as_written(values: tuple[Any, ...]) -> tuple[str, ...]:
        return tuple(map(str, values))  # what csv.writer writes for str, int and float

    rng = random.Random(3)
    values = [0.05, 0.15, 0.25, -0.04, -0.05, 2.675, 99999999999999.95, 1e-9, 0.0, -0.0]
    values += [rng.uniform(-2000, 2000) for _ in range(20_000)]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 13) for _ in range(20_000)]
    for x0, y0 in zip(values, reversed(values), strict=True):
        x1, y1 = x0 + rng.uniform(0, 500), y0 + 1.25
        expected = (round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1))
        assert as_written(one_decimal(x0, y0, x1, y1)) == as_written(expected)
    assert one_decimal(10, 20, 35, 60) == (10, 20, 25, 40)
    assert one_decimal(1e15, 0.0, 1e15, 1.0) == (1e15, 0.0, 0.0, 1.0)
