"""Step 2 of the tagger: describe each candidate entity (a group of words) for its classifier.

A question usually ends with ':' and starts its line, its answer sits right of it or under it,
a header is short, large, often upper-case and alone on its line. The features below name
those cues for a whole group of words and for its neighbours left, right, above and below, so
that a gradient-boosted classifier can weigh them together.
"""

from __future__ import annotations

import numpy as np

from visualner.model.grouping import _DATE_LIKE, _NUMBER_LIKE, PageGeometry

NEIGHBOURS = ("left", "right", "above", "below")
_SUMMARY = ("colon_end", "has_colon", "upper", "digits", "words", "gap", "align", "height")


def group_feature_names() -> list[str]:
    names = [
        "words",
        "lines",
        "chars",
        "colon_end",
        "has_colon",
        "colon_inside",
        "upper",
        "title",
        "lower",
        "digits",
        "date",
        "number_share",
        "punct_end",
        "x0",
        "y0",
        "x1",
        "y1",
        "width",
        "height",
        "max_height",
        "centered",
        "groups_on_line",
        "rank_on_line",
        "words_on_line",
        "page_words",
        "first_token",
        "last_token",
        "text_token",
        "ink",
        "ink_vs_page",
        "rule_below",
        "rule_left",
        "rule_right",
    ]
    for side in NEIGHBOURS:
        names += [f"{side}_{n}" for n in _SUMMARY]
    return names


def _boxes(geo: PageGeometry, groups: list[list[int]]) -> np.ndarray:
    out = np.empty((len(groups), 4))
    for g, members in enumerate(groups):
        boxes = [geo.words[i].bbox for i in members]
        out[g] = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    return out


def group_neighbours(boxes: np.ndarray, median_height: float) -> np.ndarray:
    """(G, 4) indices of the nearest group left, right, above and below each group (-1: none).

    All pairs at once (G x G matrices, row = the group asking); ties go to the lowest index.
    """
    count = len(boxes)
    out = -np.ones((count, 4), dtype=int)
    if count == 0:
        return out
    x0, y0, x1, y1 = (boxes[:, k] for k in range(4))
    cy = (y0 + y1) / 2
    v_overlap = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    same_row = (v_overlap > 0.3 * median_height) | (
        np.abs(cy[None, :] - cy[:, None]) < 0.5 * median_height
    )
    h_overlap = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :]) > 0
    other = ~np.eye(count, dtype=bool)
    same_row &= other
    stacked = h_overlap & ~same_row & other
    candidates = (
        np.where(same_row & (x1[None, :] <= x0[:, None] + 2), x0[:, None] - x1[None, :], np.inf),
        np.where(same_row & (x0[None, :] >= x1[:, None] - 2), x0[None, :] - x1[:, None], np.inf),
        np.where(stacked & (y1[None, :] <= y0[:, None] + 2), y0[:, None] - y1[None, :], np.inf),
        np.where(stacked & (y0[None, :] >= y1[:, None] - 2), y0[None, :] - y1[:, None], np.inf),
    )
    rows = np.arange(count)
    for side, dist in enumerate(candidates):
        best = np.argmin(dist, axis=1)
        out[:, side] = np.where(np.isfinite(dist[rows, best]), best, -1)
    return out


def group_features(
    geo: PageGeometry,
    groups: list[list[int]],
    vocab: dict[str, int],
    phrase_vocab: dict[str, int],
) -> tuple[np.ndarray, np.ndarray]:
    """A row of ``group_feature_names()`` per group, and the groups' neighbour table."""
    rank = {word: position for position, word in enumerate(geo.layout.order)}
    mh = geo.median_height
    boxes = _boxes(geo, groups)
    neighbours = group_neighbours(boxes, mh)
    nan = float("nan")
    base: list[list[float]] = []
    summaries: list[list[float]] = []
    word_image = geo.word_image if geo.word_image is not None else np.full((len(geo.words), 5), nan)
    page_ink = float(np.median(word_image[:, 0])) if len(word_image) else nan
    ink = word_image[:, 0].tolist()
    rule_below = word_image[:, 1].tolist()
    rule_left = word_image[:, 3].tolist()
    rule_right = word_image[:, 4].tolist()
    line_groups: dict[int, list[int]] = {}
    for g, members in enumerate(groups):
        line_groups.setdefault(geo.line_of[members[0]], []).append(g)
    for g, members in enumerate(groups):
        ordered = sorted(members, key=lambda i: rank[i])
        texts = [geo.words[i].text for i in ordered]
        joined = " ".join(texts)
        letters = [c for c in joined if c.isalpha()]
        heights = [geo.words[i].bbox[3] - geo.words[i].bbox[1] for i in members]
        x0, y0, x1, y1 = boxes[g]
        line = geo.line_of[members[0]]
        on_line = sorted(line_groups[line], key=lambda h: boxes[h][0])
        group_ink = sum(ink[i] for i in members) / len(members)
        row = [
            float(len(members)),
            float(len({geo.line_of[i] for i in members})),
            float(len(joined)),
            float(texts[-1].endswith(":")),
            float(":" in joined),
            float(any(":" in t for t in texts[:-1])),
            sum(c.isupper() for c in letters) / len(letters) if letters else nan,
            sum(t.istitle() for t in texts) / len(texts),
            sum(t[:1].islower() for t in texts) / len(texts),
            sum(any(c.isdigit() for c in t) for t in texts) / len(texts),
            float(any(_DATE_LIKE.match(t) for t in texts)),
            sum(bool(_NUMBER_LIKE.match(t)) for t in texts) / len(texts),
            float(texts[-1][-1:] in ".;,"),
            x0 / geo.width,
            y0 / geo.height,
            x1 / geo.width,
            y1 / geo.height,
            (x1 - x0) / geo.width,
            sum(heights) / len(heights) / mh,
            max(heights) / mh,
            abs((x0 + x1) / 2 / geo.width - 0.5),
            float(len(on_line)),
            float(on_line.index(g)),
            float(len(geo.lines[line])),
            float(len(geo.words)),
            float(vocab.get(texts[0].lower(), -1)),
            float(vocab.get(texts[-1].lower(), -1)),
            float(phrase_vocab.get(joined.lower(), -1)) if len(texts) <= 5 else -1.0,
            group_ink,
            group_ink / page_ink if page_ink > 0 else nan,
            sum(rule_below[i] for i in members) / len(members),
            rule_left[ordered[0]],
            rule_right[ordered[-1]],
        ]
        base.append(row)
        summaries.append([*row[3:5], row[6], row[9], row[0]])
    rows = []
    for g in range(len(groups)):
        row = list(base[g])
        x0, y0, x1, y1 = boxes[g]
        for side in range(4):
            n = int(neighbours[g, side])
            if n < 0:
                row += [nan] * len(_SUMMARY)
                continue
            nx0, ny0, nx1, ny1 = boxes[n]
            if side == 0:
                gap = x0 - nx1
            elif side == 1:
                gap = nx0 - x1
            elif side == 2:
                gap = y0 - ny1
            else:
                gap = ny0 - y1
            row += [*summaries[n], gap / mh, (nx0 - x0) / mh, (ny1 - ny0) / max(y1 - y0, 1.0)]
        rows.append(row)
    features = np.array(rows, dtype=float).reshape(len(rows), len(group_feature_names()))
    return features, neighbours
