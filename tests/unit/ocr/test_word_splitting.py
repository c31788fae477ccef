"""Engine words cut where FUNSD-style annotators cut them, with boxes that follow."""

from __future__ import annotations

import numpy as np
import pytest

from visualner.ocr.engines.word_splitting import split_text, split_words
from visualner.words import Word


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("9/3/92", ["9/", "3/", "92"]),
        ("Manager/Supervisor?", ["Manager/", "Supervisor?"]),
        ("25-84", ["25-", "84"]),
        ("B.A.T.", ["B.", "A.", "T."]),
        ("PAGES,PLEASE", ["PAGES,", "PLEASE"]),
        ("$84.2", ["$", "84.2"]),
        ("Date:9/3/92", ["Date:", "9/", "3/", "92"]),
        ("Ext.:M.", ["Ext.:", "M."]),
        ("(7=More)", ["(7=", "More)"]),
        ("()Certified", ["()", "Certified"]),
        ("Date_", ["Date"]),
        ("of_May", ["of", "May"]),
        ("__Final__Report:9/", ["Final", "Report:", "9/"]),
        ("__", []),
    ],
)
def test_split_text_cuts_where_annotators_cut(text: str, pieces: list[str]) -> None:
    assert split_text(text) == pieces


@pytest.mark.parametrize(
    "text", ["Date:", "24.75", "33,675", "(212)", "Non", "-6", "1/", "Supplier(s)", "$"]
)
def test_split_text_keeps_words_annotators_keep_whole(text: str) -> None:
    assert split_text(text) == [text]


def test_split_words_share_the_box_by_characters_and_keep_the_line() -> None:
    word = Word(text="25-84", bbox=(0.0, 10.0, 50.0, 20.0), confidence=0.7, line=3, block=1)

    first, second = split_words([word])

    assert (first.text, first.bbox) == ("25-", (0.0, 10.0, 30.0, 20.0))
    assert (second.text, second.bbox) == ("84", (30.0, 10.0, 50.0, 20.0))
    assert {(w.confidence, w.line, w.block) for w in (first, second)} == {(0.7, 3, 1)}


def test_split_words_fit_each_piece_to_its_ink() -> None:
    ink = np.zeros((30, 60), dtype=bool)
    ink[12:18, 2:25] = True  # "9/"
    ink[11:19, 33:48] = True  # "92"
    word = Word(text="9/92", bbox=(0.0, 8.0, 50.0, 22.0))

    first, second = split_words([word], ink)

    assert first.bbox == (2.0, 12.0, 25.0, 18.0)
    assert second.bbox == (33.0, 11.0, 48.0, 19.0)


def test_split_words_drop_fill_in_lines_read_as_words() -> None:
    words = [Word(text="___", bbox=(0, 0, 9, 9)), Word(text="Name", bbox=(10, 0, 30, 9))]

    assert [w.text for w in split_words(words)] == ["Name"]
