"""Scoring OCR words against gold words: box IoU, word matching and character error rate.

Used by ``bench/ocr.py`` to choose engine defaults and by the tests, so the definitions live
in one place:

* A predicted word **matches** a gold word when the texts are exactly equal and the boxes
  overlap with IoU >= 0.5. Each word takes part in at most one match; pairs are taken best
  IoU first, so a duplicated word elsewhere on the page cannot steal a match.
* **Recall** = matched / gold words, **precision** = matched / predicted words.
* **Page CER** = Levenshtein distance between the predicted page text and the gold page text,
  divided by the gold text length. Both texts are built the same way (``page_text``): words
  put into reading order by geometry alone (engine line ids ignored, so gold and prediction
  are ordered by one rule) and concatenated *without spaces*, so FUNSD's habit of splitting
  ``Name/Phone`` into three tokens costs nothing. It measures misread, missing and extra
  characters without demanding the exact tokenisation that word recall does; words read
  in a different order than the gold still cost edits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from visualner.ocr.engines.reading_order import order_words_by_geometry
from visualner.words import Word

Box = tuple[float, float, float, float]

MATCH_IOU = 0.5


def funsd_gold_words(annotation: Path) -> list[Word]:
    """The gold words of one FUNSD annotation file (``form[].words[]``), empty texts skipped.

    FUNSD has a few words with empty text (checkbox marks); no OCR engine can produce them.
    """
    form = json.loads(annotation.read_text(encoding="utf-8"))["form"]
    words = []
    for entity in form:
        for raw in entity["words"]:
            text = raw["text"].strip()
            if text:
                x0, y0, x1, y1 = (float(v) for v in raw["box"])
                words.append(Word(text=text, bbox=(x0, y0, x1, y1)))
    return words


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes; 0 when either is empty."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class WordMatch:
    """How many words of one page matched, and of how many on each side."""

    matched: int
    gold: int
    predicted: int

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0


def matched_pairs(
    predicted: Sequence[Word], gold: Sequence[Word], *, min_iou: float = MATCH_IOU
) -> dict[int, int]:
    """One-to-one matches ``{gold index: predicted index}``: same text, IoU >= ``min_iou``."""
    by_text: dict[str, list[int]] = {}
    for index, word in enumerate(predicted):
        by_text.setdefault(word.text, []).append(index)
    pairs: list[tuple[float, int, int]] = []
    for gold_index, gold_word in enumerate(gold):
        for pred_index in by_text.get(gold_word.text, []):
            iou = box_iou(gold_word.bbox, predicted[pred_index].bbox)
            if iou >= min_iou:
                pairs.append((iou, gold_index, pred_index))
    pairs.sort(key=lambda pair: pair[0], reverse=True)
    matches: dict[int, int] = {}
    used_pred: set[int] = set()
    for _, gold_index, pred_index in pairs:
        if gold_index in matches or pred_index in used_pred:
            continue
        matches[gold_index] = pred_index
        used_pred.add(pred_index)
    return matches


def match_words(
    predicted: Sequence[Word], gold: Sequence[Word], *, min_iou: float = MATCH_IOU
) -> WordMatch:
    """Count one-to-one matches (same text, IoU >= ``min_iou``) between two word lists."""
    matches = matched_pairs(predicted, gold, min_iou=min_iou)
    return WordMatch(matched=len(matches), gold=len(gold), predicted=len(predicted))


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute, each cost 1) between two strings.

    Bit-parallel (Myers/Hyyrö) on Python integers: one big-integer operation per character
    instead of a row of the textbook table, so a whole page compares quickly.
    """
    if a == b:
        return 0
    if not a:
        return len(b)
    if not b:
        return len(a)
    if len(a) > len(b):
        a, b = b, a
    pattern_masks: dict[str, int] = {}
    for i, char in enumerate(a):
        pattern_masks[char] = pattern_masks.get(char, 0) | (1 << i)
    full = (1 << len(a)) - 1
    high_bit = 1 << (len(a) - 1)
    plus_v, minus_v, score = full, 0, len(a)
    for char in b:
        eq = pattern_masks.get(char, 0)
        x_v = eq | minus_v
        x_h = ((((eq & plus_v) + plus_v) & full) ^ plus_v) | eq
        plus_h = minus_v | (~(x_h | plus_v) & full)
        minus_h = plus_v & x_h
        if plus_h & high_bit:
            score += 1
        elif minus_h & high_bit:
            score -= 1
        plus_h = ((plus_h << 1) | 1) & full
        minus_h = (minus_h << 1) & full
        plus_v = minus_h | (~(x_v | plus_h) & full)
        minus_v = plus_h & x_v
    return score


def page_text(words: Sequence[Word]) -> str:
    """The page as one string: words in geometric reading order, spaces dropped."""
    return "".join("".join(word.text.split()) for word in order_words_by_geometry(words))


@dataclass(frozen=True, slots=True)
class CharErrors:
    """Edit distance of one page's text and the gold length it is measured against."""

    distance: int
    gold_chars: int

    @property
    def rate(self) -> float:
        return self.distance / self.gold_chars if self.gold_chars else 0.0


def page_char_errors(predicted: Sequence[Word], gold: Sequence[Word]) -> CharErrors:
    """Character errors of the predicted page text against the gold page text."""
    gold_text = page_text(gold)
    return CharErrors(
        distance=levenshtein(page_text(predicted), gold_text), gold_chars=len(gold_text)
    )
