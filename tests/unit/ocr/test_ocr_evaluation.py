"""The scoring rules the OCR bench uses to choose engine defaults."""

from __future__ import annotations

import itertools
import random

import pytest

from visualner.ocr.engines.evaluation import (
    box_iou,
    levenshtein,
    match_words,
    page_char_errors,
    page_text,
)
from visualner.words import Word


def _word(text: str, x0: float, y0: float, x1: float, y1: float) -> Word:
    return Word(text=text, bbox=(x0, y0, x1, y1))


def _table_levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def test_box_iou_of_identical_disjoint_and_half_overlapping_boxes() -> None:
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)


def test_a_word_matches_only_with_the_same_text_and_enough_overlap() -> None:
    gold = [_word("Date:", 0, 0, 40, 10), _word("9/3/92", 50, 0, 90, 10)]
    predicted = [_word("Date:", 1, 0, 41, 10), _word("9/3/82", 50, 0, 90, 10)]

    match = match_words(predicted, gold)

    assert (match.matched, match.recall, match.precision) == (1, 0.5, 0.5)


def test_a_word_far_from_its_gold_box_does_not_match() -> None:
    assert match_words([_word("No", 0, 0, 10, 10)], [_word("No", 8, 0, 18, 10)]).matched == 0


def test_one_predicted_word_cannot_match_two_gold_words() -> None:
    gold = [_word("X", 0, 0, 10, 10), _word("X", 1, 0, 11, 10)]

    assert match_words([_word("X", 0, 0, 10, 10)], gold).matched == 1


def test_levenshtein_agrees_with_the_textbook_table() -> None:
    rng = random.Random(7)
    for length_a, length_b in itertools.product([0, 1, 5, 70], [0, 3, 64, 90]):
        a = "".join(rng.choice("abc ") for _ in range(length_a))
        b = "".join(rng.choice("abcd") for _ in range(length_b))
        assert levenshtein(a, b) == _table_levenshtein(a, b), (a, b)


def test_page_text_reads_rows_left_to_right_and_ignores_spaces() -> None:
    words = [
        _word("Phone", 60, 30, 100, 40),
        _word("Name", 0, 0, 40, 10),
        _word("Date", 300, 1, 340, 11),
        _word("Ext.", 110, 30, 140, 40),
    ]

    assert page_text(words) == "NameDatePhoneExt."


def test_page_cer_counts_edits_against_the_gold_length() -> None:
    gold = [_word("Name", 0, 0, 40, 10), _word("/", 40, 0, 45, 10), _word("Phone", 46, 0, 90, 10)]
    predicted = [_word("Name/Phcne", 0, 0, 90, 10)]

    errors = page_char_errors(predicted, gold)

    assert (errors.distance, errors.gold_chars) == (1, len("Name/Phone"))
    assert errors.rate == 0.1
