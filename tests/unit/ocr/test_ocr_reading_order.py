"""Reading order: lines, blocks and ids that read a page the way a person would."""

from __future__ import annotations

from visualner.ocr.engines.reading_order import (
    lines_by_geometry,
    order_words_by_engine_lines,
    order_words_by_geometry,
    pad_boxes,
)
from visualner.words import Word


def _word(text: str, x0: float, y0: float, *, line: int = 0, block: int = 0) -> Word:
    return Word(text=text, bbox=(x0, y0, x0 + 10 * len(text), y0 + 12), line=line, block=block)


def test_words_on_one_row_form_a_line_read_left_to_right() -> None:
    words = [_word("world", 70, 101), _word("hello", 0, 100)]

    lines = lines_by_geometry(words)

    assert [[w.text for w in line] for line in lines] == [["hello", "world"]]


def test_a_wide_gap_splits_a_row_into_two_lines() -> None:
    words = [_word("Name:", 0, 100), _word("Date:", 400, 100)]

    assert len(lines_by_geometry(words)) == 2


def test_two_columns_read_column_by_column() -> None:
    left = [_word("left1", 0, 0), _word("left2", 0, 16), _word("left3", 0, 32)]
    right = [_word("right1", 300, 0), _word("right2", 300, 16)]

    ordered = order_words_by_geometry(right + left[::-1])

    assert [w.text for w in ordered] == ["left1", "left2", "left3", "right1", "right2"]
    assert [w.block for w in ordered] == [0, 0, 0, 1, 1]
    assert [w.line for w in ordered] == [0, 1, 2, 3, 4]


def test_distant_paragraphs_become_separate_blocks_top_to_bottom() -> None:
    words = [_word("footer", 0, 500), _word("title", 0, 0), _word("body", 0, 100)]

    ordered = order_words_by_geometry(words)

    assert [(w.text, w.block) for w in ordered] == [("title", 0), ("body", 1), ("footer", 2)]


def test_engine_lines_are_kept_even_when_geometry_would_merge_them() -> None:
    words = [_word("b", 40, 0, line=7), _word("a", 0, 0, line=3)]

    ordered = order_words_by_engine_lines(words)

    assert [(w.text, w.line) for w in ordered] == [("a", 0), ("b", 1)]


def test_an_empty_page_has_no_order() -> None:
    assert order_words_by_geometry([]) == []


def test_box_padding_is_measured_in_word_heights_per_side_and_stays_on_the_page() -> None:
    words = [_word("on", 5, 100), _word("the", 100, 200)]  # both 12 px high

    left, right = pad_boxes(words, fraction=(0.5, 0.25, 1.0, 0.0), page_size=(120, 300))

    assert left.bbox == (0.0, 97.0, 37.0, 112.0)
    assert right.bbox == (94.0, 197.0, 120.0, 212.0)


def test_one_box_padding_applies_to_every_side() -> None:
    (word,) = pad_boxes([_word("on", 50, 100)], fraction=0.5, page_size=(500, 500))

    assert word.bbox == (44.0, 94.0, 76.0, 118.0)
