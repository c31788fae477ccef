"""Ink on a page image: which pixels are print, and word boxes fitted to it.

Engines place word boxes from their own geometry (padded text lines, recogniser timings,
proportional cuts of a longer word), which overhang the glyphs; annotators and box IoU want
the box on the ink.
"""

from __future__ import annotations

import cv2
import numpy as np


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark pixels of a page, split from the paper by Otsu's threshold."""
    _, mask = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return mask.astype(bool)


def tighten_to_ink(
    ink: np.ndarray, bbox: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Shrink a word box to the ink inside it.

    When the box also catches a neighbouring line's ascenders or descenders, the densest
    band of ink rows is kept. A box with no ink is left alone.
    """
    height, width = ink.shape
    x0, y0 = max(int(bbox[0]), 0), max(int(bbox[1]), 0)
    x1, y1 = min(int(np.ceil(bbox[2])), width), min(int(np.ceil(bbox[3])), height)
    region = ink[y0:y1, x0:x1]
    if region.size == 0 or not region.any():
        return bbox
    row_ink = region.sum(axis=1)
    bands: list[tuple[int, int, int]] = []  # (ink, first row, last row)
    for row in np.flatnonzero(row_ink):
        if bands and row - bands[-1][2] <= 2:
            total, first, _ = bands[-1]
            bands[-1] = (total + int(row_ink[row]), first, int(row))
        else:
            bands.append((int(row_ink[row]), int(row), int(row)))
    _, top, bottom = max(bands)
    columns = np.flatnonzero(region[top : bottom + 1].any(axis=0))
    return (
        float(x0 + columns[0]),
        float(y0 + top),
        float(x0 + columns[-1] + 1),
        float(y0 + bottom + 1),
    )
