"""Box arithmetic for many boxes at once (numpy), where a loop per box is the cost.

Each function is pinned by tests to the plain per-value computation it replaces
(``round(v, 1)``; a word is inside a box when its centre is).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualner.words import Word


def rounded_tenths(values: np.ndarray) -> list[list[float]]:
    """``round(v, 1)`` of every value, row by row, computed for the whole array at once.

    For a value whose tenfold is not within 1e-6 of a half, the nearest integer k of the
    computed tenfold is that of the exact one (the product's error is ~1e-10 at page sizes)
    and k / 10 is the double nearest to the decimal k/10, which is what ``round`` returns.
    Values near a half (ties included), negative, huge or not finite go through ``round``.
    """
    tenfold = values * 10.0
    with np.errstate(invalid="ignore"):
        fraction = tenfold - np.floor(tenfold)
        doubtful = (
            ~np.isfinite(tenfold)
            | (np.abs(fraction - 0.5) < 1e-6)
            | (values < 0.0)
            | (values > 1e12)
        )
        quick = np.floor(tenfold + 0.5) / 10.0
    rows = quick.tolist()
    if doubtful.any():
        for row, column in zip(*np.nonzero(doubtful), strict=True):
            rows[row][column] = round(float(values[row, column]), 1)
    return rows


def tokens_inside(
    pages: Sequence[int], boxes: Sequence[list[float]], page_words: Sequence[Sequence[Word]]
) -> list[list[int]]:
    """The indices of the words whose centre lies in each box (reading order kept), for every
    box at once: per page, one comparison of all the boxes with all the word centres instead
    of a loop over the page's words for each box."""
    found: list[list[int]] = [[] for _ in boxes]
    for page in set(pages):
        words = page_words[page] if page < len(page_words) else ()
        if not words:
            continue
        rows = [k for k, p in enumerate(pages) if p == page]
        word_boxes = np.array([word.bbox for word in words], dtype=np.float64)
        cx = (word_boxes[:, 0] + word_boxes[:, 2]) / 2
        cy = (word_boxes[:, 1] + word_boxes[:, 3]) / 2
        region_boxes = np.array([boxes[k] for k in rows], dtype=np.float64)
        x0, y0, x1, y1 = (region_boxes[:, i : i + 1] for i in range(4))
        inside = (x0 <= cx) & (cx <= x1) & (y0 <= cy) & (cy <= y1)
        for k, mask in zip(rows, inside, strict=True):
            found[k] = np.flatnonzero(mask).tolist()
    return found
