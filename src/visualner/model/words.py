"""Step 0 of the tagger: a first guess at each word's label, to tell the grouping where the
boundary between a question and its answer falls.

Most grouping mistakes on forms join a field label to the value written right after it on the
same line ("Supplier Code T.K. 9220"): the gap is small and nothing in the two words alone says
"new entity". What does say it is *what kind* of word each one is: a printed label word, left on
its line and often ended by ':', against a typed or handwritten value right of a ':' word, in
other ink. A multiclass classifier here guesses each word's label from the word, its line and
its neighbours; the link, merge and group classifiers then read those guesses (cross-fitted at
training time, so they learn how far to trust them).
"""

from __future__ import annotations

import numpy as np

from visualner.model.grouping import ALIGNMENT_FEATURES, EDGE_TEXT_FLAGS, PageGeometry, text_flags
from visualner.model.image import WORD_IMAGE_FEATURES

_CONTEXT = (
    "left_gap",
    "right_gap",
    "left_gap_vs_line",
    "right_gap_vs_line",
    "position",
    "from_end",
    "line_words",
    "colons_left",
    "words_since_colon",
    "colon_right",
    "line_has_colon",
    "x0",
    "x1",
    "y0",
    "height",
    "segment_words",
    "segment_position",
    "block_words",
    "above_gap",
    "below_gap",
    "above_colon_end",
    "below_colon_end",
    "above_left_diff",
    "token",
    "left_token",
    "right_token",
    "first_token",
)


def word_feature_names() -> list[str]:
    """Columns of ``word_features``: the word's text flags, its line context, its image cues."""
    names = [f"w_{n}" for n in EDGE_TEXT_FLAGS]
    names += [f"left_{n}" for n in EDGE_TEXT_FLAGS]
    names += [f"right_{n}" for n in EDGE_TEXT_FLAGS]
    names += list(_CONTEXT)
    names += [f"img_{n}" for n in WORD_IMAGE_FEATURES]
    names += list(ALIGNMENT_FEATURES)
    return names


WORD_CATEGORICAL = tuple(
    word_feature_names().index(n) for n in ("token", "left_token", "right_token", "first_token")
)


def _above_below(geo: PageGeometry) -> tuple[np.ndarray, np.ndarray]:
    """For each word, the nearest word above and below it that overlaps it horizontally."""
    boxes = geo.boxes
    count = len(boxes)
    above = -np.ones(count, dtype=int)
    below = -np.ones(count, dtype=int)
    if count == 0:
        return above, below
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    heights = np.maximum(y1 - y0, 1.0)
    for a in range(count):
        overlap = np.minimum(x1[a], x1) - np.maximum(x0[a], x0) > 0
        down = overlap & (y0 >= y1[a] - 0.3 * heights)
        down[a] = False
        gaps = np.where(down, y0 - y1[a], np.inf)
        b = int(np.argmin(gaps))
        if np.isfinite(gaps[b]):
            below[a] = b
            if above[b] < 0 or y1[above[b]] < y1[a]:
                above[b] = a
    return above, below


def word_features(geo: PageGeometry, vocab: dict[str, int]) -> np.ndarray:
    """One row of ``word_feature_names()`` per word (caller's order); tokens index ``vocab``."""
    count = len(geo.words)
    width = len(word_feature_names())
    if count == 0:
        return np.zeros((0, width))
    nan = float("nan")
    mh = geo.median_height
    flags = [text_flags(w.text) for w in geo.words]
    missing = [nan] * len(EDGE_TEXT_FLAGS)
    tokens = [float(vocab.get(w.text.lower(), -1)) for w in geo.words]
    boxes = geo.boxes
    above, below = _above_below(geo)
    segment_size: dict[int, int] = {}
    segment_rank: list[int] = [0] * count
    block_size: dict[int, int] = {}
    for i in geo.layout.order:
        s = geo.layout.segment[i]
        segment_rank[i] = segment_size.get(s, 0)
        segment_size[s] = segment_rank[i] + 1
        block_size[geo.layout.block[i]] = block_size.get(geo.layout.block[i], 0) + 1
    image = (
        geo.word_image
        if geo.word_image is not None
        else np.full((count, len(WORD_IMAGE_FEATURES)), nan)
    )
    alignment = (
        geo.alignment if geo.alignment is not None else np.zeros((count, len(ALIGNMENT_FEATURES)))
    )
    rows = np.empty((count, width))
    for k, line in enumerate(geo.lines):
        line_gap = geo.line_gap_median[k]
        colon_ends = [flags[i][0] for i in line]
        line_has_colon = float(any(flags[i][1] for i in line))
        colons_seen = 0.0
        last_colon = -1
        for pos, i in enumerate(line):
            left = line[pos - 1] if pos else -1
            right = line[pos + 1] if pos + 1 < len(line) else -1
            left_gap = (boxes[i, 0] - boxes[left, 2]) / mh if left >= 0 else nan
            right_gap = (boxes[right, 0] - boxes[i, 2]) / mh if right >= 0 else nan
            up, down = int(above[i]), int(below[i])
            context = [
                left_gap,
                right_gap,
                left_gap - line_gap,
                right_gap - line_gap,
                float(pos),
                float(len(line) - 1 - pos),
                float(len(line)),
                colons_seen,
                float(pos - last_colon) if last_colon >= 0 else nan,
                float(any(colon_ends[pos:])),
                line_has_colon,
                boxes[i, 0] / geo.width,
                boxes[i, 2] / geo.width,
                boxes[i, 1] / geo.height,
                (boxes[i, 3] - boxes[i, 1]) / mh,
                float(segment_size[geo.layout.segment[i]]),
                float(segment_rank[i]),
                float(block_size[geo.layout.block[i]]),
                (boxes[i, 1] - boxes[up, 3]) / mh if up >= 0 else nan,
                (boxes[down, 1] - boxes[i, 3]) / mh if down >= 0 else nan,
                flags[up][0] if up >= 0 else nan,
                flags[down][0] if down >= 0 else nan,
                (boxes[i, 0] - boxes[up, 0]) / mh if up >= 0 else nan,
                tokens[i],
                tokens[left] if left >= 0 else -1.0,
                tokens[right] if right >= 0 else -1.0,
                tokens[line[0]],
            ]
            rows[i] = [
                *flags[i],
                *(flags[left] if left >= 0 else missing),
                *(flags[right] if right >= 0 else missing),
                *context,
                *image[i],
                *alignment[i],
            ]
            if colon_ends[pos]:
                colons_seen += 1.0
                last_colon = pos
    return rows
