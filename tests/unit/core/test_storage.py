"""Word storage codec (the blob store: tests/unit/documents/test_blobstore.py)."""

from __future__ import annotations

from visualner.word_codec import decode_words, encode_words, page_text, words_as_json
from visualner.words import Word


def test_words_survive_an_encode_decode_round_trip() -> None:
    words = [
        Word("Invoice", (10, 20, 80, 40), 0.98, line=0, block=0),
        Word("<script>", (90, 20, 160, 40), 0.5, line=0, block=0),
        Word("Total:", (10, 60, 70, 80), 1.0, line=1, block=1),
    ]
    blob = encode_words(words)
    assert decode_words(blob) == words
    assert words_as_json(blob)[1] == {
        "text": "<script>",
        "bbox": [90, 20, 160, 40],
        "confidence": 0.5,
        "line": 0,
        "block": 0,
    }
    assert page_text(words) == "Invoice <script>\nTotal:"


def test_a_thousand_words_stay_compact() -> None:
    words = [Word(f"w{i}", (i, i, i + 5, i + 5), 0.9, i // 10, 0) for i in range(1000)]
    assert len(encode_words(words)) < 12 * 1000


def test_no_words_decode_to_an_empty_list() -> None:
    assert decode_words(None) == []
    assert words_as_json(encode_words([])) == []
