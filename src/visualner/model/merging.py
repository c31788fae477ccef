"""Step 1b of the tagger: join candidate entities that step 1 cut apart.

Step 1 decides each link between two words from those two words; a multi-line answer whose
second line starts under a short first line, or a header broken over two lines, often loses its
only link. Here each pair of step-1 groups joined by a candidate edge is scored again, now with
whole-group features (the label-relevant description of both groups from ``segments.py``, how
their edges line up, the best link score between them, a rule drawn between them) and the pairs
a classifier keeps are merged.
"""

from __future__ import annotations

import numpy as np

from visualner.model.grouping import HORIZONTAL, VERTICAL, PageGeometry, _gap_image
from visualner.model.segments import group_feature_names

PAIR_FEATURES = (
    "dx0",
    "dx1",
    "vgap",
    "hgap",
    "height_ratio",
    "max_link",
    "mean_link",
    "edges",
    "vertical",
    "horizontal",
    "gap_rule",
    "gap_ink",
)


def merge_feature_names() -> list[str]:
    names = [f"g_{n}" for n in group_feature_names()]
    names += [f"h_{n}" for n in group_feature_names()]
    return names + list(PAIR_FEATURES)


def group_pairs(
    groups: list[list[int]],
    edges: list[tuple[int, int, int]],
    scores: np.ndarray,
) -> tuple[list[tuple[int, int]], list[list[float]]]:
    """Pairs of groups joined by at least one candidate edge, with the edges' link scores."""
    gid = {i: g for g, members in enumerate(groups) for i in members}
    found: dict[tuple[int, int], list[float]] = {}
    kinds: dict[tuple[int, int], set[int]] = {}
    for (a, b, kind), q in zip(edges, scores, strict=True):
        g, h = gid[a], gid[b]
        if g == h:
            continue
        key = (g, h) if (h, g) not in found else (h, g)
        found.setdefault(key, []).append(float(q))
        kinds.setdefault(key, set()).add(kind)
    pairs = list(found)
    stats = [
        [
            max(found[p]),
            float(np.mean(found[p])),
            float(len(found[p])),
            float(VERTICAL in kinds[p]),
            float(HORIZONTAL in kinds[p]),
        ]
        for p in pairs
    ]
    return pairs, stats


def merge_features(
    geo: PageGeometry,
    groups: list[list[int]],
    group_rows: np.ndarray,
    pairs: list[tuple[int, int]],
    stats: list[list[float]],
) -> np.ndarray:
    """One row of ``merge_feature_names()`` per pair of groups."""
    width = len(merge_feature_names())
    if not pairs:
        return np.zeros((0, width))
    boxes = geo.boxes
    mh = geo.median_height
    gbox = np.array(
        [
            (
                boxes[m, 0].min(),
                boxes[m, 1].min(),
                boxes[m, 2].max(),
                boxes[m, 3].max(),
            )
            for m in groups
        ]
    )
    rows = np.empty((len(pairs), width))
    n = group_rows.shape[1]
    for k, ((g, h), stat) in enumerate(zip(pairs, stats, strict=True)):
        bg, bh = gbox[g], gbox[h]
        vertical = bool(stat[3]) and not stat[4]
        kind = VERTICAL if vertical else HORIZONTAL
        rule = _gap_image(
            geo.image,
            (bg[0], bg[1], bg[2], bg[3]),
            (bh[0], bh[1], bh[2], bh[3]),
            kind,
        )
        rows[k, :n] = group_rows[g]
        rows[k, n : 2 * n] = group_rows[h]
        rows[k, 2 * n :] = [
            (bh[0] - bg[0]) / mh,
            (bh[2] - bg[2]) / mh,
            (bh[1] - bg[3]) / mh,
            (bh[0] - bg[2]) / mh,
            (bh[3] - bh[1]) / max(bg[3] - bg[1], 1.0),
            *stat,
            *rule,
        ]
    return rows
