"""Drop OCR words unlikely to be a form annotator's word: a learned filter for rapidocr.

Unmatched predictions on FUNSD are mostly tokenisation pieces, misreads, punctuation variants
and marks read as text (docs/ocr.md, session 5). A gradient-boosted model over a word's own
evidence (confidence, length, character mix, box shape, words on its line) predicts whether the
word will match a gold word; words below ``below`` are dropped. The model file ships in this
folder and is rebuilt by ``bench/ocr_word_filter.py``, which also prints its cross-validated
effect. The features are computed on the engine's final words (split, fitted and padded).
"""

from __future__ import annotations

import importlib
import statistics
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from visualner.words import Word

MODEL_PATH = Path(__file__).with_name("funsd_word_filter.txt")


def word_features(words: Sequence[Word]) -> np.ndarray:
    """One row per word; the columns are the model's inputs, in order."""
    if not words:
        return np.zeros((0, 12))
    median_height = statistics.median(w.bbox[3] - w.bbox[1] for w in words) or 1.0
    per_line = Counter(w.line for w in words)
    rows = []
    for word in words:
        text = word.text
        width = word.bbox[2] - word.bbox[0]
        height = max(word.bbox[3] - word.bbox[1], 1.0)
        rows.append(
            [
                word.confidence,
                len(text),
                sum(c.isalpha() for c in text) / len(text),
                sum(c.isdigit() for c in text) / len(text),
                sum(not c.isalnum() for c in text) / len(text),
                float(text[-1] in ".,:;)"),
                float(text[0] in "(-"),
                height / median_height,
                width / height / len(text),
                per_line[word.line],
                float(text.isupper()),
                float(text[:1].isupper()),
            ]
        )
    return np.array(rows, dtype=float)


@cache
def _model() -> Any:
    # Imported on first use: lightgbm pulls in pandas and scikit-learn when installed.
    lightgbm = importlib.import_module("lightgbm")
    return lightgbm.Booster(model_file=str(MODEL_PATH))


def drop_unlikely_words(words: Sequence[Word], *, below: float) -> list[Word]:
    """The words whose predicted chance of being an annotator's word is at least ``below``."""
    if below <= 0 or not words:
        return list(words)
    chances = _model().predict(word_features(words))
    return [word for word, chance in zip(words, chances, strict=True) if chance >= below]
