"""Step 3 of the tagger: link entities to each other (a question to its answer).

A form's value sits right of its key on the same row or under it, usually the nearest entity of
the right kind in that direction. Each pair of entities whose labels were linked in the
training annotations (question -> answer on FUNSD; whatever pairs a project links) and that are
near each other becomes a candidate; a binary classifier scores it from the pair's geometry and
how many other candidates are closer. Each target keeps its best source above 0.5 (an answer
answers one question; a question may have several answers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Candidates per source entity: its nearest entities of a linkable label.
NEAREST = 6

RELATION_FEATURES = (
    "source_label",
    "target_label",
    "dx",
    "dy",
    "gap_x",
    "gap_y",
    "same_row",
    "below",
    "right",
    "h_overlap",
    "v_overlap",
    "distance",
    "target_rank",
    "source_rank",
    "source_words",
    "target_words",
    "source_colon",
    "source_x0",
    "source_y0",
)


def entity_boxes(boxes: np.ndarray, entities: Sequence[Sequence[int]]) -> np.ndarray:
    """(entities, 4) bounding boxes of the entities' words."""
    out = np.zeros((len(entities), 4))
    for k, members in enumerate(entities):
        part = boxes[list(members)]
        out[k] = (part[:, 0].min(), part[:, 1].min(), part[:, 2].max(), part[:, 3].max())
    return out


def _gap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Horizontal and vertical gaps between two boxes (0 where they overlap)."""
    gx = max(b[0] - a[2], a[0] - b[2], 0.0)
    gy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return gx, gy


def relation_candidates(
    labels: Sequence[str], boxes: np.ndarray, pairs: set[tuple[str, str]]
) -> list[tuple[int, int]]:
    """``(source, target)`` entity pairs of a linkable label pair, each source's nearest few."""
    out: list[tuple[int, int]] = []
    for s, source_label in enumerate(labels):
        targets = [t for t, label in enumerate(labels) if t != s and (source_label, label) in pairs]
        distance = [float(np.hypot(*_gap(boxes[s], boxes[t]))) for t in targets]
        out += [(s, targets[k]) for k in np.argsort(distance, kind="stable")[:NEAREST]]
    return out


def relation_features(
    labels: Sequence[str],
    label_names: Sequence[str],
    boxes: np.ndarray,
    sizes: Sequence[int],
    colon_end: Sequence[bool],
    candidates: list[tuple[int, int]],
    median_height: float,
    page_size: tuple[float, float],
) -> np.ndarray:
    """One row of ``RELATION_FEATURES`` per candidate pair; sizes are in median word heights."""
    mh = max(median_height, 1.0)
    distance = {(s, t): float(np.hypot(*_gap(boxes[s], boxes[t]))) / mh for s, t in candidates}
    by_source: dict[int, list[float]] = {}
    by_target: dict[int, list[float]] = {}
    for (s, t), d in distance.items():
        by_source.setdefault(s, []).append(d)
        by_target.setdefault(t, []).append(d)
    rows = np.zeros((len(candidates), len(RELATION_FEATURES)))
    for k, (s, t) in enumerate(candidates):
        a, b = boxes[s], boxes[t]
        gx, gy = _gap(a, b)
        h_overlap = min(a[2], b[2]) - max(a[0], b[0])
        v_overlap = min(a[3], b[3]) - max(a[1], b[1])
        d = distance[(s, t)]
        rows[k] = [
            float(label_names.index(labels[s])),
            float(label_names.index(labels[t])),
            (b[0] - a[2]) / mh,
            (b[1] - a[1]) / mh,
            gx / mh,
            gy / mh,
            float(v_overlap > 0),
            float(b[1] >= a[3] - 0.3 * mh),
            float(b[0] >= a[2] - 0.3 * mh),
            h_overlap / mh,
            v_overlap / mh,
            d,
            float(sum(x < d for x in by_source[s])),
            float(sum(x < d for x in by_target[t])),
            float(sizes[s]),
            float(sizes[t]),
            float(colon_end[s]),
            a[0] / page_size[0],
            a[1] / page_size[1],
        ]
    return rows


def decode_links(
    candidates: list[tuple[int, int]], scores: np.ndarray, threshold: float = 0.5
) -> list[tuple[int, int, float]]:
    """Each target keeps its best-scoring source when that score passes ``threshold``."""
    best: dict[int, tuple[int, float]] = {}
    for (s, t), q in zip(candidates, scores, strict=True):
        if q > threshold and (t not in best or q > best[t][1]):
            best[t] = (s, float(q))
    return sorted((s, t, q) for t, (s, q) in best.items())
