"""Line clustering, step 0's word features, column alignment and step 3's links, on tiny pages."""

from __future__ import annotations

import numpy as np

from visualner.model.grouping import alignment_counts, build_geometry
from visualner.model.reading_order import layout_words
from visualner.model.relations import (
    RELATION_FEATURES,
    decode_links,
    entity_boxes,
    relation_candidates,
    relation_features,
)
from visualner.model.words import word_feature_names, word_features
from visualner.words import PageWords, Word


def test_two_tight_rows_of_small_print_stay_two_lines() -> None:
    # Rows 9 units apart with 12-unit-high boxes overlap vertically by 3/12; the second row's
    # words sit under the first row's, so they must not be read as one interleaved line.
    words = [
        Word("Philip", (100, 100, 140, 112)),
        Word("Morris", (145, 100, 190, 112)),
        Word("Fabriques", (100, 106, 160, 118)),
        Word("de", (165, 106, 180, 118)),
    ]
    layout = layout_words(words)
    assert layout.line[0] == layout.line[1]
    assert layout.line[2] == layout.line[3]
    assert layout.line[0] != layout.line[2]
    assert [words[i].text for i in layout.order] == ["Philip", "Morris", "Fabriques", "de"]


def _key_value_form() -> PageWords:
    words = [
        Word("Name:", (40, 100, 80, 112)),
        Word("John", (120, 100, 150, 112)),
        Word("Smith", (155, 100, 190, 112)),
        Word("Phone:", (40, 120, 85, 132)),
        Word("555-1234", (120, 120, 180, 132)),
    ]
    return PageWords(width=500, height=400, words=words)


def test_word_features_see_the_colon_to_the_left() -> None:
    page = _key_value_form()
    geo = build_geometry(page.words, page.width, page.height)
    rows = word_features(geo, {"name:": 3})
    names = word_feature_names()
    assert rows.shape == (5, len(names))
    assert rows[0, names.index("w_colon_end")] == 1.0
    assert rows[0, names.index("token")] == 3.0
    assert rows[1, names.index("colons_left")] == 1.0
    assert rows[2, names.index("words_since_colon")] == 2.0
    assert rows[0, names.index("colons_left")] == 0.0


def test_a_value_column_is_aligned_across_lines() -> None:
    page = _key_value_form()
    geo = build_geometry(page.words, page.width, page.height)
    counts = alignment_counts(
        geo.boxes, geo.line_of, np.array([p == 0 for p in geo.position_in_line]), 4.0
    )
    assert counts[1].tolist() == [1.0, 0.0, 1.0]  # "John" starts where "555-1234" does
    assert counts[0].tolist() == [1.0, 0.0, 0.0]  # "Name:" aligns with "Phone:", a line start
    assert counts[2].tolist() == [0.0, 0.0, 0.0]


def test_relations_pair_each_question_with_its_nearest_answers() -> None:
    page = _key_value_form()
    geo = build_geometry(page.words, page.width, page.height)
    members = [[0], [1, 2], [3], [4]]
    labels = ["question", "answer", "question", "answer"]
    boxes = entity_boxes(geo.boxes, members)
    candidates = relation_candidates(labels, boxes, {("question", "answer")})
    assert set(candidates) == {(0, 1), (0, 3), (2, 1), (2, 3)}
    rows = relation_features(
        labels,
        ["O", "question", "answer"],
        boxes,
        [1, 2, 1, 1],
        [True, False, True, False],
        candidates,
        geo.median_height,
        (page.width, page.height),
    )
    assert rows.shape == (4, len(RELATION_FEATURES))
    same_row = RELATION_FEATURES.index("same_row")
    assert rows[candidates.index((0, 1)), same_row] == 1.0
    assert rows[candidates.index((0, 3)), same_row] == 0.0


def test_each_answer_keeps_its_best_question() -> None:
    candidates = [(0, 1), (2, 1), (2, 3), (0, 3)]
    links = decode_links(candidates, np.array([0.9, 0.6, 0.8, 0.3]))
    assert links == [(0, 1, 0.9), (2, 3, 0.8)]
