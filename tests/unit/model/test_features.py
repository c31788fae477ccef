"""Grouping edges, group features and reading order on a tiny hand-made form."""

from __future__ import annotations

import numpy as np
from PIL import Image

from visualner.model.grouping import (
    HORIZONTAL,
    SEQUENCE,
    VERTICAL,
    build_geometry,
    candidate_edges,
    components,
    edge_feature_names,
    edge_features,
)
from visualner.model.image import PageImage, to_gray
from visualner.model.merging import group_pairs, merge_feature_names, merge_features
from visualner.model.reading_order import layout_words
from visualner.model.segments import group_feature_names, group_features, group_neighbours
from visualner.words import PageWords, Word


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


def test_the_layout_order_reads_by_block_then_segment_then_x() -> None:
    words = _tiny_form().words
    layout = layout_words(words)
    keys = [(layout.block[i], layout.segment[i], words[i].bbox[0]) for i in layout.order]
    assert keys == sorted(keys)


def test_candidate_edges_join_line_neighbours_and_words_below() -> None:
    page = _tiny_form()
    geo = build_geometry(page.words, page.width, page.height)
    edges = {(a, b): kind for a, b, kind in candidate_edges(geo)}
    assert edges[(1, 0)] == HORIZONTAL  # "Date:" -> "6/25/81"
    assert edges[(3, 4)] == HORIZONTAL  # "12" -> "Main"
    assert edges[(2, 3)] == VERTICAL  # "Address:" -> "12" under it
    assert edges[(3, 5)] == VERTICAL  # "12" -> "Springfield"


def test_candidate_edges_follow_the_source_order_where_geometry_does_not() -> None:
    page = _tiny_form()
    geo = build_geometry(page.words, page.width, page.height)
    edges = {(a, b): kind for a, b, kind in candidate_edges(geo)}
    # The source wrote "6/25/81" before "Date:" and "Date:" before "Address:": the first pair
    # is already a line edge (2 -> 1 reversed), the second has no geometric edge.
    assert edges[(1, 2)] == SEQUENCE
    assert (0, 1) not in edges and edges[(1, 0)] == HORIZONTAL
    assert (3, 4) in edges and edges[(3, 4)] == HORIZONTAL  # no duplicate sequence edge
    assert sum(1 for a, b in edges if {a, b} == {3, 4}) == 1


def test_edge_features_carry_the_source_step() -> None:
    page = _tiny_form()
    geo = build_geometry(page.words, page.width, page.height)
    rows = edge_features(geo, [(1, 0, HORIZONTAL), (3, 4, HORIZONTAL), (1, 2, SEQUENCE)], {})
    column = edge_feature_names().index("source_step")
    assert rows[:, column].tolist() == [-1.0, 1.0, 1.0]
    far = edge_features(geo, [(0, 5, VERTICAL)], {})
    assert far[0, column] == 5.0


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


def _ruled_image() -> np.ndarray:
    """A white 500x400 page with a vertical rule at x=100 and a horizontal rule at y=114."""
    gray = np.full((400, 500), 255, dtype=np.uint8)
    gray[90:125, 100] = 0
    gray[114, 290:390] = 0
    gray[100:112, 40:80:2] = 0  # "Date:" printed in dense ink
    return gray


def test_page_image_finds_rules_and_ink() -> None:
    image = PageImage(_ruled_image(), 500, 400)
    assert image.vline(95, 100, 105, 112) == 1.0
    assert image.hline(300, 110, 360, 118) == 1.0
    assert image.hline(300, 120, 360, 130) == 0.0
    assert image.density(40, 100, 80, 112) == 0.5
    assert image.density(0, 0, 0, 10) == 0.0


def test_edge_features_see_a_rule_between_words_and_are_missing_without_image() -> None:
    page = _tiny_form()
    edges = [(1, 0, HORIZONTAL), (2, 3, VERTICAL)]
    names = edge_feature_names()
    with_image = build_geometry(page.words, page.width, page.height, _ruled_image())
    rows = edge_features(with_image, edges, {})
    assert rows[0, names.index("gap_rule")] == 1.0  # the rule at x=100 splits "Date:" | "6/25"
    assert rows[1, names.index("gap_rule")] > 0.5  # the rule under "Address:"
    assert rows[0, names.index("a_img_ink")] > rows[0, names.index("b_img_ink")]
    plain = edge_features(build_geometry(page.words, page.width, page.height), edges, {})
    assert np.isnan(plain[:, names.index("gap_rule")]).all()


def test_to_gray_accepts_pil_and_rgb_arrays() -> None:
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    gray = to_gray(rgb)
    assert gray is not None and gray.shape == (4, 6)
    pil = to_gray(Image.fromarray(rgb))
    assert pil is not None and pil.shape == (4, 6)
    assert to_gray(None) is None


def test_merge_features_pair_groups_joined_by_edges() -> None:
    page = _tiny_form()
    geo = build_geometry(page.words, page.width, page.height)
    groups = [[0], [1], [2], [3, 4], [5]]
    edges = [(3, 5, VERTICAL), (4, 5, VERTICAL), (3, 4, HORIZONTAL)]
    pairs, stats = group_pairs(groups, edges, np.array([0.4, 0.2, 0.9]))
    assert pairs == [(3, 4)]
    rows, _ = group_features(geo, groups, {}, {})
    features = merge_features(geo, groups, rows, pairs, stats)
    names = merge_feature_names()
    assert features.shape == (1, len(names))
    assert features[0, names.index("max_link")] == 0.4
    assert features[0, names.index("edges")] == 2.0
    assert features[0, names.index("vertical")] == 1.0


def _nearest_groups_one_by_one(boxes: np.ndarray, mh: float) -> np.ndarray:
    """The plain definition ``group_neighbours`` computes for all groups at once."""
    out = -np.ones((len(boxes), 4), dtype=int)
    for g, (gx0, gy0, gx1, gy1) in enumerate(boxes):
        best = [(np.inf, -1)] * 4
        for h, (hx0, hy0, hx1, hy1) in enumerate(boxes):
            if h == g:
                continue
            same_row = (
                min(gy1, hy1) - max(gy0, hy0) > 0.3 * mh
                or abs((hy0 + hy1) / 2 - (gy0 + gy1) / 2) < 0.5 * mh
            )
            overlap = min(gx1, hx1) - max(gx0, hx0) > 0
            options = (
                (same_row and hx1 <= gx0 + 2, gx0 - hx1),
                (same_row and hx0 >= gx1 - 2, hx0 - gx1),
                (overlap and not same_row and hy1 <= gy0 + 2, gy0 - hy1),
                (overlap and not same_row and hy0 >= gy1 - 2, hy0 - gy1),
            )
            for side, (ok, distance) in enumerate(options):
                if ok and distance < best[side][0]:
                    best[side] = (distance, h)
        out[g] = [h for _d, h in best]
    return out


def test_group_neighbours_equal_the_one_by_one_search() -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):
        n = int(rng.integers(0, 40))
        x0 = rng.uniform(0, 800, n)
        y0 = rng.choice(np.arange(0, 600, 12.0), n) + rng.uniform(-3, 3, n)
        boxes = np.stack([x0, y0, x0 + rng.uniform(5, 200, n), y0 + rng.uniform(6, 20, n)], 1)
        if n > 3:
            boxes[1] = boxes[0]  # a tie goes to the lower index
        assert (group_neighbours(boxes, 10.0) == _nearest_groups_one_by_one(boxes, 10.0)).all()
