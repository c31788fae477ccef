"""Cheap cues from the page image: ink inside word boxes and ruling lines between words.

Forms draw boxes and lines: a vertical rule between two words on a line, or a horizontal rule
between two lines, nearly always separates two entities; an answer is often written on a line,
and headers are printed bold. ``PageImage`` binarises the page once and answers each question
("how dark is this box?", "is there a rule crossing this gap?") by counting the ink in that
box. Everything is in page coordinates; the image may have any resolution.

The image is optional everywhere: without one, the features are missing (NaN) and the model
falls back on the words' geometry alone (it is trained with some pages' images hidden).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# A pixel darker than this (0-255 grey) is ink.
INK_LEVEL = 160
# Images whose shorter side is at least twice this are halved before use.
MIN_SIDE = 1000


def to_gray(image: Any) -> np.ndarray | None:
    """A 2-D uint8 grey array from a PIL image or a numpy array (grey, RGB or RGBA); or None."""
    if image is None:
        return None
    if hasattr(image, "convert"):  # a PIL image
        image = image.convert("L")
    array = np.asarray(image)
    if array.ndim == 3:
        array = array[..., :3].mean(axis=2)
    if array.ndim != 2 or array.size == 0:
        return None
    if array.dtype != np.uint8:
        top = float(array.max()) if array.size else 1.0
        scale = 255.0 if top <= 1.0 else 1.0
        array = np.clip(array * scale, 0, 255).astype(np.uint8)
    return array


class PageImage:
    """The ink map of one page (one byte a pixel), asked about boxes and rules.

    Queries sum the ink of the (word-sized) box they ask about. Cumulative sums would answer
    in constant time but cost 12 bytes a pixel, and a training run holds every page's map at
    once: about 7 MB a scanned form, gigabytes for a large project. Summing a word-sized box
    costs a few microseconds, and there is no page-wide sum to build.
    """

    def __init__(self, gray: np.ndarray, width: float, height: float) -> None:
        dark = gray < INK_LEVEL
        if min(dark.shape) >= 2 * MIN_SIDE:
            # Halve the resolution, keeping a pixel dark when any of its four was (thin rules
            # survive), so a page costs a quarter of the memory.
            rows, cols = dark.shape[0] // 2 * 2, dark.shape[1] // 2 * 2
            d = dark[:rows, :cols]
            dark = d[0::2, 0::2] | d[1::2, 0::2] | d[0::2, 1::2] | d[1::2, 1::2]
        self.ink = np.ascontiguousarray(dark, dtype=np.uint8)
        self.rows, self.cols = self.ink.shape
        self.sx = self.cols / max(float(width), 1.0)
        self.sy = self.rows / max(float(height), 1.0)

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        """Pixel bounds, clipped to the image; empty ranges come back with x1 <= x0."""
        cols, rows = self.cols, self.rows
        px0 = int(x0 * self.sx + 0.5)
        px1 = int(x1 * self.sx + 0.5)
        py0 = int(y0 * self.sy + 0.5)
        py1 = int(y1 * self.sy + 0.5)
        px0 = 0 if px0 < 0 else cols if px0 > cols else px0
        px1 = 0 if px1 < 0 else cols if px1 > cols else px1
        py0 = 0 if py0 < 0 else rows if py0 > rows else py0
        py1 = 0 if py1 < 0 else rows if py1 > rows else py1
        return px0, py0, px1, py1

    def density(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """Share of ink pixels in the box (0 for an empty box)."""
        px0, py0, px1, py1 = self._box(x0, y0, x1, y1)
        if px1 <= px0 or py1 <= py0:
            return 0.0
        total = int(np.count_nonzero(self.ink[py0:py1, px0:px1]))
        return float(total) / ((px1 - px0) * (py1 - py0))

    def hline(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """Longest horizontal rule in the box: the best row's ink share over [x0, x1]."""
        px0, py0, px1, py1 = self._box(x0, y0, x1, y1)
        if px1 - px0 < 2 or py1 <= py0:
            return 0.0
        counts = self.ink[py0:py1, px0:px1].sum(axis=1)  # ink is 0/1: a sum counts it
        return int(counts.max()) / (px1 - px0)

    def vline(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """Longest vertical rule in the box: the best column's ink share over [y0, y1]."""
        px0, py0, px1, py1 = self._box(x0, y0, x1, y1)
        if py1 - py0 < 2 or px1 <= px0:
            return 0.0
        counts = self.ink[py0:py1, px0:px1].sum(axis=0)
        return int(counts.max()) / (py1 - py0)


WORD_IMAGE_FEATURES = ("ink", "rule_below", "rule_above", "rule_left", "rule_right")


def word_image_features(
    image: PageImage | None, boxes: np.ndarray, median_height: float
) -> np.ndarray:
    """(n, len(WORD_IMAGE_FEATURES)): ink share in each word box and rules around it (NaN: no
    image)."""
    out = np.full((len(boxes), len(WORD_IMAGE_FEATURES)), np.nan)
    if image is None:
        return out
    for k, (x0, y0, x1, y1) in enumerate(boxes.tolist()):
        h = max(y1 - y0, 1.0)
        m = 0.6 * min(h, 2 * median_height)
        out[k] = (
            image.density(x0, y0, x1, y1),
            image.hline(x0, y1 - 0.1 * h, x1, y1 + m),
            image.hline(x0, y0 - m, x1, y0 + 0.1 * h),
            image.vline(x0 - m, y0, x0 - 1, y1),
            image.vline(x1 + 1, y0, x1 + m, y1),
        )
    return out
