"""Grouping edges, group features and reading order on a tiny hand-made form."""

from __future__ import annotations

from visualner.model.grouping import (
    HORIZONTAL,
    VERTICAL,
    build_geometry,
    candidate_edges,
    components,
    edge_feature_names,
    edge_features,
)
from visualner.model.reading_order import layout_words, with_reading_order
from visualner.model.segments import group_feature_names, group_features
from visualner.ocr.words import PageWords, Word


def _tiny_form() -> PageWords:
    # "Date: 6/25/81" on one line, a two-line answer under "Address:" in a second column.
    words = [
        Word("6/25/81", (120, 100, 180, 112)),
        Word("Date:", (40, 100, 80, 112)),
        Word("Address:", (300, 100, 360, 112)),
        Word("12", (300, 116, 315, 128)),
        Word("Main", (320, 116, 350, 128)),
        Word("Springfield", (300, 132, 380, 144)),
    ]
    return PageWords(width=500, height=400, words=words)


def test_layout_keeps_a_multi_line_answer_contiguous() -> None:
    page = _tiny_form()
    layout = layout_words(page.words)
    texts = [page.words[i].text for i in layout.order]
    assert texts[:2] == ["Date:", "6/25/81"]
    start = texts.index("12")
    assert texts[start : start + 3] == ["12", "Main", "Springfield"]
    assert layout.block[3] == layout.block[5]


def test_with_reading_order_fills_line_and_block_ids() -> None:
    ordered = with_reading_order(_tiny_form().words)
    keys = [(w.block, w.line, w.bbox[0]) for w in ordered]
    assert keys == sorted(keys)


def test_candidate_edges_join_line_neighbours_and_words_below() -> None:
    page = _tiny_form()
    geo = build_geometry(page.words, page.width, page.height)
    edges = {(a, b): kind for a, b, kind in candidate_edges(geo)}
    assert edges[(1, 0)] == HORIZONTAL  # "Date:" -> "6/25/81"
    assert edges[(3, 4)] == HORIZONTAL  # "12" -> "Main"
    assert edges[(2, 3)] == VERTICAL  # "Address:" -> "12" under it
    assert edges[(3, 5)] == VERTICAL  # "12" -> "Springfield"


def test_edge_features_mark_the_colon_and_the_gap() -> None:
    page = _tiny_form()
    geo = build_geometry(page.words, page.width, page.height)
    edges = [(1, 0, HORIZONTAL), (3, 4, HORIZONTAL)]
    rows = edge_features(geo, edges, {"date:": 0})
    names = edge_feature_names()
    assert rows.shape == (2, len(names))
    assert rows[0, names.index("a_colon_end")] == 1.0
    assert rows[0, names.index("a_token")] == 0.0
    assert rows[1, names.index("a_token")] == -1.0
    assert rows[0, names.index("hgap")] > rows[1, names.index("hgap")]


def test_group_features_see_the_question_left_of_an_answer() -> None:
    page = _tiny_form()
    geo = build_geometry(page.words, page.width, page.height)
    groups = [[1], [0], [2], [3, 4, 5]]
    rows, neighbours = group_features(geo, groups, {}, {})
    names = group_feature_names()
    assert rows.shape == (4, len(names))
    assert neighbours[1, 0] == 0  # "Date:" is left of "6/25/81"
    assert rows[1, names.index("left_colon_end")] == 1.0
    assert rows[3, names.index("lines")] == 2.0
    assert rows[3, names.index("above_colon_end")] == 1.0


def test_components_group_connected_words() -> None:
    assert components(5, [(0, 1), (3, 4), (1, 0)]) == [[0, 1], [2], [3, 4]]


def test_empty_page_has_no_edges() -> None:
    page = PageWords(width=10, height=10, words=[])
    assert candidate_edges(build_geometry(page.words, page.width, page.height)) == []
