"""Features and reading order on a tiny hand-made form."""

from __future__ import annotations

from visualner.model.features import build_context, page_features, short_shape, word_shape
from visualner.model.reading_order import layout_words, with_reading_order
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


def test_shapes_generalise_words_and_numbers() -> None:
    assert word_shape("Date:") == "Xxxx:"
    assert short_shape("6/25/81") == "d/d/d"


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


def test_features_mark_colon_cues_and_segment_edges() -> None:
    page = _tiny_form()
    ctx = build_context(page)
    features = page_features(ctx)
    assert len(features) == len(page.words)
    by_text = {ctx.words[p].text: f for p, f in enumerate(features)}
    assert by_text["Date:"]["colon"] == 1.0
    assert by_text["Date:"]["seg_first"] == 1.0
    assert by_text["6/25/81"]["date"] == 1.0
    assert by_text["6/25/81"]["left_ends_colon"] == 1.0
    assert by_text["Springfield"]["prev_newline"] == 1.0


def test_empty_page_has_no_features() -> None:
    page = PageWords(width=10, height=10, words=[])
    assert page_features(build_context(page)) == []
