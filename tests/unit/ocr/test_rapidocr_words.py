"""rapidocr's lines into words: restricted characters, per-character cuts and confidences."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from rapidocr.ch_ppocr_rec.typings import WordInfo, WordType
from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

from tests.datasets import FUNSD_TRAINING as FUNSD
from visualner.ocr.engines.base import create_engine
from visualner.ocr.engines.character_set import ENGLISH, allowed_characters, restrict_decoder
from visualner.ocr.engines.rapidocr_words import EngineWord, engine_words, words_of_lines


def _frames(labels: list[int], size: int, runner_up: list[int] | None = None) -> np.ndarray:
    """CTC outputs (1 x frames x labels): each frame's best label at 0.6, a runner-up at 0.3."""
    preds = np.full((1, len(labels), size), 0.001, dtype=np.float32)
    for frame, label in enumerate(labels):
        preds[0, frame, label] = 0.6
        if runner_up is not None:
            preds[0, frame, runner_up[frame]] = 0.3
    return preds


def test_a_restricted_decoder_reads_the_best_allowed_character_instead_of_a_cjk_one() -> None:
    decoder = CTCLabelDecode(character=["D", "a", "t", "e", ":", "：", "四"])
    labels = {char: i for i, char in enumerate(decoder.character)}  # blank is 0, space last
    read = [labels[c] for c in "Date"] + [labels["："], 0, labels["四"]]
    second = [0, 0, 0, 0, labels[":"], 0, labels["D"]]
    preds = _frames(read, len(decoder.character), second)

    [(plain, _)], _ = decoder(preds)
    [(restricted, score)], _ = restrict_decoder(decoder, ENGLISH)(preds)

    assert plain == "Date：四"
    assert restricted == "Date:D"
    assert score == pytest.approx((0.6 * 4 + 0.3 * 2) / 6, abs=1e-4)


@pytest.mark.parametrize(
    ("languages", "expected"),
    [(["eng"], "english"), (["eng", "deu"], "latin"), (["fra"], "latin"), (["eng", "jpn"], None)],
)
def test_the_characters_follow_the_project_languages(
    languages: list[str], expected: str | None
) -> None:
    allowed = allowed_characters(languages)

    if expected is None:
        assert allowed is None  # a CJK language keeps every character
    else:
        assert {"A", "z", "0", ":", "$", "☐"} <= allowed
        assert ("ü" in allowed) is (expected == "latin")
        assert "四" not in allowed and "：" not in allowed


def _info(words: list[str], frames: list[list[int]], confidences: list[float]) -> WordInfo:
    return WordInfo(
        words=[list(w) for w in words],
        word_cols=frames,
        word_types=[WordType.EN_NUM] * len(words),
        line_txt_len=40.0,
        confs=confidences,
    )


def _quad(x0: float, x1: float) -> list[list[float]]:
    return [[x0, 10], [x1, 10], [x1, 30], [x0, 30]]


def test_engine_words_keep_each_characters_frame_and_confidence() -> None:
    info = _info(["Date:", "9/3"], [[1, 3, 5, 7, 9], [20, 22, 24]], [0.9] * 5 + [0.99, 0.5, 0.98])
    # rapidocr's own word scores are the line's first characters' (0.9, 0.9): not used
    boxed = [("Date:", 0.9, _quad(0, 50)), ("9/3", 0.9, _quad(100, 130))]

    words = engine_words(info, boxed)

    assert [w.text for w in words] == ["Date:", "9/3"]
    assert words[1].frames == (20, 22, 24)
    assert words[1].confidences == (0.99, 0.5, 0.98)
    assert words[1].bbox == (100.0, 10.0, 130.0, 30.0)


def test_a_line_boxed_character_by_character_still_gives_its_characters() -> None:
    info = _info(["ab", "四"], [[1, 3], [6]], [0.9, 0.8, 0.7])
    boxed = [("a", 0.9, _quad(0, 10)), ("b", 0.8, _quad(10, 20)), ("四", 0.7, _quad(30, 40))]

    words = engine_words(info, boxed)

    assert [(w.text, w.frames, w.confidences) for w in words] == [
        ("a", (1,), (0.9,)),
        ("b", (3,), (0.8,)),
        ("四", (6,), (0.7,)),
    ]


def test_pieces_are_cut_between_the_frames_of_their_characters() -> None:
    # "Date:9/3": wide letters, then a narrow date squeezed at the right end
    word = EngineWord(
        text="Date:9/3",
        confidences=(0.99,) * 5 + (0.7, 0.99, 0.99),
        frames=(0, 2, 4, 6, 8, 9, 10, 11),
        bbox=(0.0, 0.0, 170.0, 20.0),
    )

    date, day, month = words_of_lines([[word]], split=True)

    # the word box spans frames 0 - 11 plus half the mean spacing (11 / 7) on either side
    half = 11 / 7 / 2
    scale = 170 / (11 + 2 * half)
    assert [w.text for w in (date, day, month)] == ["Date:", "9/", "3"]
    assert date.bbox == (0.0, 0.0, pytest.approx((8.5 + half) * scale), 20.0)
    assert day.bbox == (date.bbox[2], 0.0, pytest.approx((10.5 + half) * scale), 20.0)
    assert month.bbox == (day.bbox[2], 0.0, 170.0, 20.0)
    assert date.bbox[2] > 170 * 5 / 8  # a share by characters would cut earlier
    assert date.confidence == pytest.approx(0.99)
    assert day.confidence == pytest.approx((0.7 + 0.99) / 2)
    assert [w.text for w in words_of_lines([[word]], split=False)] == ["Date:9/3"]


def test_the_default_engine_reads_a_full_width_colon_as_an_ascii_one() -> None:
    # On this FUNSD form the multilingual recogniser reads "FAX NUMBER：" with a CJK colon.
    image_path = FUNSD / "images" / "0011845203.png"
    if not image_path.exists():
        pytest.skip(f"FUNSD dataset not found at {FUNSD.resolve()} (see docs/ocr.md)")
    with Image.open(image_path) as image:
        line = image.crop((130, 630, image.width, 690))
        line.load()

    restricted = [w.text for w in create_engine("rapidocr").recognize(line).words]
    unrestricted = create_engine("rapidocr", restrict_characters=False).recognize(line).words

    assert "NUMBER:" in restricted
    assert all(char.isascii() for text in restricted for char in text)
    assert any("：" in w.text for w in unrestricted)
