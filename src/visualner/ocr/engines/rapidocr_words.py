"""Words from rapidocr's text lines, cut where the recogniser placed each character.

rapidocr boxes each space-separated word of a line from the recogniser's CTC frames, but
then keeps only the word text, its box and one confidence that is in fact the confidence
of the line's *n*-th character (rapidocr 3.10 zips words with per-character scores). This
module keeps what the recogniser knew: each character's frame and confidence. A word's
confidence is the mean of its characters' (as rapidocr scores a line; on FUNSD it told wrong
words from right ones better than the least sure character, docs/ocr.md). When a word is cut
into the pieces annotators expect (``word_splitting.piece_spans``), each cut falls between
the frames of the two characters around it, within rapidocr's box of the word, rather than
at a share of the box by character count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from visualner.ocr.engines.word_splitting import piece_spans
from visualner.words import Word

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class EngineWord:
    """One word of a text line as the recogniser read it."""

    text: str
    #: Left to right, one per character of ``text``.
    confidences: tuple[float, ...]
    #: The CTC frame each character was read at (same length as ``text``).
    frames: tuple[int, ...]
    bbox: Box


def engine_words(info: Any, boxed: Sequence[Sequence[Any]]) -> list[EngineWord]:
    """Join rapidocr's ``WordInfo`` of a line with its boxed words ``(text, score, quad)``.

    A line with a CJK character is boxed character by character; then each boxed item is
    one character of ``info``.
    """
    texts = ["".join(chars) for chars in info.words]
    frames = list(info.word_cols)
    confidences = [float(c) for c in info.confs]
    if len(boxed) != len(texts):
        texts = [char for text in texts for char in text]
        frames = [[frame] for cols in frames for frame in cols]
    words: list[EngineWord] = []
    start = 0
    for text, cols, item in zip(texts, frames, boxed, strict=False):
        quad = item[2]
        end = start + len(text)
        if quad is not None and text and len(cols) == len(text):
            xs = [float(point[0]) for point in quad]
            ys = [float(point[1]) for point in quad]
            words.append(
                EngineWord(
                    text=text,
                    confidences=tuple(confidences[start:end]) or (0.0,),
                    frames=tuple(int(c) for c in cols),
                    bbox=(min(xs), min(ys), max(xs), max(ys)),
                )
            )
        start = end
    return words


def words_of_lines(lines: Sequence[Sequence[EngineWord]], *, split: bool) -> Iterator[Word]:
    """Page words, one engine word or (with ``split``) each of its pieces; line ids kept."""
    for line_id, line in enumerate(lines):
        for word in line:
            spans = piece_spans(word.text) if split else [(0, len(word.text))]
            for start, end in spans:
                yield Word(
                    text=word.text[start:end],
                    bbox=_piece_box(word, start, end),
                    confidence=_mean(word.confidences[start:end]),
                    line=line_id,
                    block=0,
                )


def _mean(confidences: Sequence[float]) -> float:
    """The mean confidence, clamped to 0-1 (0 for no characters)."""
    return max(0.0, min(sum(confidences) / len(confidences), 1.0)) if confidences else 0.0


def _piece_box(word: EngineWord, start: int, end: int) -> Box:
    """The part of the word box from the cut before character ``start`` to the one before ``end``.

    The box spans the first to the last character's frame plus half a character spacing on
    either side (as rapidocr draws it); a cut lies midway between two characters' frames.
    """
    x0, y0, x1, y1 = word.bbox
    count = len(word.text)
    if start == 0 and end == count:
        return word.bbox
    frames = word.frames
    spacing = (frames[-1] - frames[0]) / (count - 1) if count > 1 else 1.0
    first, last = frames[0] - spacing / 2, frames[-1] + spacing / 2
    scale = (x1 - x0) / max(last - first, 1e-6)

    def cut(index: int) -> float:
        return x0 + ((frames[index - 1] + frames[index]) / 2 - first) * scale

    left = x0 if start == 0 else cut(start)
    right = x1 if end == count else cut(end)
    return (left, y0, right, y1)
