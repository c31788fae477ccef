"""Split engine words where form annotators split them: ``9/3/92`` -> ``9/`` ``3/`` ``92``.

Engines cut words at spaces, but FUNSD-style annotation (and the tokenisers trained on it)
also cuts inside a space-free run: after a slash or a hyphen between word characters, between
initials (``B.A.T.``), after a comma before a letter, after a colon the engine ran into the
next word (``Date:9/3/92``), after ``=`` or ``)`` before a letter, and after a dollar sign
(``$84.2``). The first rules were chosen on the first 40 FUNSD training forms and checked on
the rest, the colon, ``=`` and ``)`` ones on forms 0-79 and checked on 80-148, the dollar sign
(and dropping a cut before ``(``: FUNSD keeps ``Supplier(s)`` whole more often than not) by
4-fold cross-validation (docs/ocr.md). Each piece's box is the word box cut in proportion to
the characters (or, from rapidocr, between the characters' positions), then shrunk to the ink
inside it when the page's ink mask is given. Underscores that an engine
reads from fill-in lines around or between words (``Date_``, ``of_May``) are dropped, and a
word is cut where they were (checked by 4-fold cross-validation, docs/ocr.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from itertools import pairwise

import numpy as np

from visualner.ocr.engines.ink import tighten_to_ink
from visualner.words import Word

#: Runs of characters between fill-in lines (underscores).
NOT_UNDERSCORE = re.compile(r"[^_]+")
#: Zero-width split points; see the module docstring for where each comes from.
SPLIT_POINTS = re.compile(
    r"(?<=/)(?=\w)"  # after a slash: 9/|3/|92, Manager/|Supervisor
    r"|(?<=\w-)(?=\w)"  # after an inner hyphen: 25-|84, TOP-|LINES
    r"|(?<=[A-Za-z]\.)(?=[A-Za-z])"  # between initials: B.|A.|T.
    r"|(?<=,)(?=[A-Za-z])"  # after a comma before a letter: PAGES,|PLEASE
    r"|(?<=:)(?=[A-Za-z0-9])"  # after a colon run into the next word: Ext.:|M., Date:|9/
    r"|(?<=[=)])(?=[A-Za-z])"  # after = or ) before a letter: (7=|More), ()|Certified
    r"|(?<=\$)(?=\d)"  # after a dollar sign: $|84.2
)


def piece_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each piece of one engine word's text, underscores left out.

    A run of underscores is a fill-in line, around a word (``Date_``) or between two
    (``of_May``): the word is cut there and the underscores dropped. Engines that know where
    each character sits cut the box there; the others cut it in proportion to the characters
    (``split_words``).
    """
    spans: list[tuple[int, int]] = []
    for run in NOT_UNDERSCORE.finditer(text):
        start, inner = run.start(), run.group()
        cuts = [start + m.start() for m in SPLIT_POINTS.finditer(inner) if m.start() > 0]
        spans += [(a, b) for a, b in pairwise([start, *cuts, run.end()]) if b > a]
    return spans


def split_text(text: str) -> list[str]:
    """The pieces of one engine word's text (no underscores around it); may be empty."""
    return [text[a:b] for a, b in piece_spans(text)]


def split_words(words: Iterable[Word], ink: np.ndarray | None = None) -> list[Word]:
    """Every word cut into its pieces, keeping line/block/confidence; order is kept."""
    result: list[Word] = []
    for word in words:
        pieces = split_text(word.text)
        if pieces == [word.text]:
            result.append(word)
            continue
        x0, y0, x1, y1 = word.bbox
        total = sum(len(piece) for piece in pieces)
        done = 0
        for piece in pieces:
            left = x0 + (x1 - x0) * done / total
            done += len(piece)
            right = x0 + (x1 - x0) * done / total
            bbox = (left, y0, right, y1)
            if ink is not None:
                bbox = tighten_to_ink(ink, bbox)
            result.append(replace(word, text=piece, bbox=bbox))
    return result
