"""Step 1 of the tagger: decide which neighbouring words belong to the same entity.

Every word is joined by a *candidate edge* to the next word on its visual line and to the
nearest word under it that overlaps it horizontally. A binary classifier (``tagger.py``) scores
each edge "same entity or not" from the cues below: the gap relative to the font height, a
trailing ':' on the left word, changes of case, font size and alignment, line and column breaks.
Entities are then the connected components of the kept edges, so a multi-line answer is one
entity even where it sits beside another column.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass

import numpy as np

from visualner.model.image import WORD_IMAGE_FEATURES, PageImage, word_image_features
from visualner.model.reading_order import Layout, layout_words
from visualner.words import Word

_PUNCTUATION = re.compile(r"^[^\w\s]+$")
_DATE_LIKE = re.compile(r"^\d{1,4}[/\-.]\d{1,2}([/\-.]\d{1,4})?$")
_NUMBER_LIKE = re.compile(r"^[$(#]?[\d,.\-/%]+[)]?$")

# Bump whenever a feature changes meaning: a saved model trained on other features must not be
# loaded against these (see ``artifact.py``). 1 was the word-level CRF, 2 had no image cues,
# 3 had no word-label stage and interleaved closely spaced rows into one line, 4 (briefly)
# had no column-alignment counts, 5 ignored the order the word source gave.
FEATURES_VERSION = 6

HORIZONTAL = 0
VERTICAL = 1
# From a word to the next word in the order its source gave (OCR engine or text layer), when no
# other edge joins them: a text layer often writes a field's words together, and an OCR
# engine's blocks follow its own page segmentation, so the source order is a cue of its own.
SEQUENCE = 2


@dataclass(slots=True)
class PageGeometry:
    """The page's words with the layout facts the features look up (caller's word indices)."""

    words: list[Word]
    layout: Layout
    boxes: np.ndarray  # (n, 4)
    median_height: float
    width: float
    height: float
    lines: list[list[int]]  # visual lines, each left to right
    line_of: list[int]
    position_in_line: list[int]
    line_gap_median: list[float]  # per line: median gap between neighbouring words / height
    image: PageImage | None = None
    word_image: np.ndarray | None = None  # (n, len(WORD_IMAGE_FEATURES)), NaN without image
    alignment: np.ndarray | None = None  # (n, len(ALIGNMENT_FEATURES))
    # Step 0's label guesses (n, classes; class 0 "other"), set by the pipeline once known.
    word_probs: np.ndarray | None = None
    # The last groups the pipeline described: ((vocabulary id, groups), rows, neighbours).
    described: tuple[tuple[int, list[tuple[int, ...]]], np.ndarray, np.ndarray] | None = None


# How many words on other lines share a word's left edge, its right edge, and its left edge
# while not starting their line: a value column of a key-value form starts at the same x on
# many lines, right after the keys, so a word there likely starts a new entity.
ALIGNMENT_FEATURES = ("x0_aligned", "x1_aligned", "x0_aligned_inner")


def alignment_counts(
    boxes: np.ndarray, line_of: list[int], first_in_line: np.ndarray, tolerance: float
) -> np.ndarray:
    """(n, 3) counts of ``ALIGNMENT_FEATURES`` within ``tolerance`` page units."""
    if len(boxes) == 0:
        return np.zeros((0, len(ALIGNMENT_FEATURES)))
    lines = np.asarray(line_of)
    other_line = lines[:, None] != lines[None, :]
    left = (np.abs(boxes[:, 0][:, None] - boxes[:, 0][None, :]) < tolerance) & other_line
    right = (np.abs(boxes[:, 2][:, None] - boxes[:, 2][None, :]) < tolerance) & other_line
    return np.stack(
        [left.sum(axis=1), right.sum(axis=1), (left & ~first_in_line[None, :]).sum(axis=1)],
        axis=1,
    ).astype(float)


def build_geometry(
    words: list[Word], width: float, height: float, gray: np.ndarray | None = None
) -> PageGeometry:
    """Lines, reading order and size statistics for a page (``gray``: its image, optional)."""
    layout = layout_words(words)
    boxes = np.array([w.bbox for w in words], dtype=float).reshape(-1, 4)
    heights = [max(w.bbox[3] - w.bbox[1], 1.0) for w in words]
    median_height = statistics.median(heights) if heights else 1.0
    line_members: dict[int, list[int]] = {}
    for i, line in enumerate(layout.line):
        line_members.setdefault(line, []).append(i)
    lines = [
        sorted(members, key=lambda i: words[i].bbox[0])
        for _line, members in sorted(line_members.items())
    ]
    line_of = [0] * len(words)
    position_in_line = [0] * len(words)
    line_gap_median: list[float] = []
    for k, members in enumerate(lines):
        gaps = []
        for pos, i in enumerate(members):
            line_of[i] = k
            position_in_line[i] = pos
            if pos:
                gaps.append((words[i].bbox[0] - words[members[pos - 1]].bbox[2]) / median_height)
        line_gap_median.append(statistics.median(gaps) if gaps else 0.0)
    image = PageImage(gray, width, height) if gray is not None and words else None
    return PageGeometry(
        words=words,
        layout=layout,
        boxes=boxes,
        median_height=median_height,
        width=max(float(width), 1.0),
        height=max(float(height), 1.0),
        lines=lines,
        line_of=line_of,
        position_in_line=position_in_line,
        line_gap_median=line_gap_median,
        image=image,
        word_image=word_image_features(image, boxes, median_height),
        alignment=alignment_counts(
            boxes,
            line_of,
            np.array([p == 0 for p in position_in_line], dtype=bool),
            0.4 * median_height,
        ),
    )


def candidate_edges(geo: PageGeometry) -> list[tuple[int, int, int]]:
    """``(a, b, kind)``: a to the next word on its line, a to the nearest word below it, and a
    to the next word in source order where neither of those already joins them."""
    edges: list[tuple[int, int, int]] = []
    for line in geo.lines:
        for a, b in itertools.pairwise(line):
            edges.append((a, b, HORIZONTAL))
    boxes = geo.boxes
    if len(boxes) == 0:
        return edges
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    heights = np.maximum(y1 - y0, 1.0)
    limit = 4.0 * geo.median_height
    for a in range(len(boxes)):
        below = (y0 >= y1[a] - 0.3 * heights) & (np.minimum(x1[a], x1) - np.maximum(x0[a], x0) > 0)
        below[a] = False
        gaps = np.where(below, y0 - y1[a], np.inf)
        b = int(np.argmin(gaps))
        if np.isfinite(gaps[b]) and gaps[b] <= limit:
            edges.append((a, b, VERTICAL))
    joined = {(min(a, b), max(a, b)) for a, b, _kind in edges}
    edges += [(a, a + 1, SEQUENCE) for a in range(len(boxes) - 1) if (a, a + 1) not in joined]
    return edges


def text_flags(text: str) -> list[float]:
    letters = [c for c in text if c.isalpha()]
    return [
        float(text.endswith(":")),
        float(":" in text),
        float(text[-1:] in ".;,"),
        float(bool(_PUNCTUATION.match(text))),
        float(text.isupper()),
        float(text.istitle()),
        float(bool(letters) and letters[0].islower()),
        float(any(c.isdigit() for c in text)),
        float(bool(_DATE_LIKE.match(text))),
        float(bool(_NUMBER_LIKE.match(text))),
        float(len(text)),
        float(text[:1] in "(\"'[$#"),
    ]


EDGE_TEXT_FLAGS = (
    "colon_end",
    "has_colon",
    "punct_end",
    "punct",
    "upper",
    "title",
    "lower_start",
    "digit",
    "date",
    "number",
    "chars",
    "open_start",
)


def edge_feature_names() -> list[str]:
    names = [
        "vertical",
        "hgap",
        "hgap_vs_line",
        "vgap",
        "left_diff",
        "right_diff",
        "height_ratio",
        "same_segment",
        "same_block",
        "a_last_in_line",
        "b_first_in_line",
        "a_words_right",
        "b_words_left",
        "a_line_len",
        "b_line_len",
        "x_rel",
        "y_rel",
        "a_token",
        "b_token",
        "seg_left_diff",
        "seg_right_diff",
        "a_seg_last",
        "b_seg_first",
        "a_next_colon_end",
        "b_prev_colon_end",
        "a_line_colon_end",
        "a_hyphen",
        "b_line_lower_start",
        "vgap_vs_page",
        "seg_height_ratio",
        "gap_rule",
        "gap_ink",
        "source_step",
        *STACKED_EDGE_FEATURES,
    ]
    names += [f"a_{n}" for n in EDGE_TEXT_FLAGS] + [f"b_{n}" for n in EDGE_TEXT_FLAGS]
    for side in ("a", "b"):
        names += [f"{side}_seg_{n}" for n in SEGMENT_SUMMARY]
    for side in ("a", "b"):
        names += [f"{side}_img_{n}" for n in WORD_IMAGE_FEATURES]
    for side in ("a", "b"):
        names += [f"{side}_{n}" for n in ALIGNMENT_FEATURES]
    return names


# How far apart two words are in source order (signed, clipped): 1 where the source wrote them
# one after the other.
SOURCE_STEP_LIMIT = 20

# From step 0's word label guesses (``words.py``): how likely each word is "other", how likely
# both carry the same label, how far apart their label distributions are.
STACKED_EDGE_FEATURES = ("a_p_other", "b_p_other", "p_same_label", "p_distance", "same_top")

SEGMENT_SUMMARY = ("words", "colon_end", "has_colon", "upper", "digits", "x0", "x1")


def segment_summaries(geo: PageGeometry) -> tuple[list[list[int]], list[list[float]]]:
    """The layout segments (word indices left to right) and a summary row for each."""
    members: dict[int, list[int]] = {}
    for i in geo.layout.order:
        members.setdefault(geo.layout.segment[i], []).append(i)
    segments = [members[s] for s in sorted(members)]
    rows = []
    for seg in segments:
        texts = [geo.words[i].text for i in seg]
        letters = [c for t in texts for c in t if c.isalpha()]
        rows.append(
            [
                float(len(seg)),
                float(texts[-1].endswith(":")),
                float(any(":" in t for t in texts)),
                sum(c.isupper() for c in letters) / len(letters) if letters else -1.0,
                sum(any(c.isdigit() for c in t) for t in texts) / len(texts),
                geo.words[seg[0]].bbox[0] / geo.width,
                geo.words[seg[-1]].bbox[2] / geo.width,
            ]
        )
    return segments, rows


def edge_features(
    geo: PageGeometry,
    edges: list[tuple[int, int, int]],
    vocab: dict[str, int],
) -> np.ndarray:
    """One row of ``edge_feature_names()`` per edge; tokens are ids into ``vocab`` (-1 unknown).

    Step 0's label guesses (``geo.word_probs``) are used when known.
    """
    rows = []
    mh = geo.median_height
    flags = [text_flags(w.text) for w in geo.words]
    nan = float("nan")
    segments, seg_rows = segment_summaries(geo)
    seg_of = geo.layout.segment
    word_heights = (geo.boxes[:, 3] - geo.boxes[:, 1]).tolist()
    seg_height = [sum(word_heights[i] for i in seg) / len(seg) for seg in segments]
    vgaps = [geo.boxes[b, 1] - geo.boxes[a, 3] for a, b, kind in edges if kind == VERTICAL]
    page_vgap = max(float(np.median(vgaps)), 0.1 * mh) if vgaps else mh
    image = geo.image
    word_image = (
        geo.word_image
        if geo.word_image is not None
        else np.full((len(geo.words), len(WORD_IMAGE_FEATURES)), np.nan)
    )
    alignment = (
        geo.alignment
        if geo.alignment is not None
        else np.zeros((len(geo.words), len(ALIGNMENT_FEATURES)))
    )
    stacked = _stacked(geo.word_probs, edges)
    for k, (a, b, kind) in enumerate(edges):
        sa, sb = segments[seg_of[a]], segments[seg_of[b]]
        pa, pb = geo.position_in_line[a], geo.position_in_line[b]
        ba, bb = geo.words[a].bbox, geo.words[b].bbox
        ha, hb = max(ba[3] - ba[1], 1.0), max(bb[3] - bb[1], 1.0)
        la, lb = geo.lines[geo.line_of[a]], geo.lines[geo.line_of[b]]
        hgap = (bb[0] - ba[2]) / mh
        line_gap = geo.line_gap_median[geo.line_of[a]]
        row = [
            float(kind),
            hgap,
            hgap - line_gap if kind == HORIZONTAL else nan,
            (bb[1] - ba[3]) / mh,
            (bb[0] - ba[0]) / mh,
            (bb[2] - ba[2]) / mh,
            hb / ha,
            float(geo.layout.segment[a] == geo.layout.segment[b]),
            float(geo.layout.block[a] == geo.layout.block[b]),
            float(geo.position_in_line[a] == len(la) - 1),
            float(geo.position_in_line[b] == 0),
            float(len(la) - 1 - geo.position_in_line[a]),
            float(geo.position_in_line[b]),
            float(len(la)),
            float(len(lb)),
            ba[0] / geo.width,
            ba[1] / geo.height,
            float(vocab.get(geo.words[a].text.lower(), -1)),
            float(vocab.get(geo.words[b].text.lower(), -1)),
            (seg_rows[seg_of[b]][5] - seg_rows[seg_of[a]][5]) * geo.width / mh,
            (seg_rows[seg_of[b]][6] - seg_rows[seg_of[a]][6]) * geo.width / mh,
            float(sa[-1] == a),
            float(sb[0] == b),
            flags[la[pa + 1]][0] if pa + 1 < len(la) and la[pa + 1] != b else nan,
            flags[lb[pb - 1]][0] if pb > 0 and lb[pb - 1] != a else nan,
            flags[la[-1]][0],
            float(geo.words[a].text.endswith("-")),
            flags[lb[0]][6],
            (bb[1] - ba[3]) / page_vgap if kind == VERTICAL else nan,
            seg_height[seg_of[b]] / max(seg_height[seg_of[a]], 1.0),
            *_gap_image(image, ba, bb, kind),
            float(min(max(b - a, -SOURCE_STEP_LIMIT), SOURCE_STEP_LIMIT)),
            *stacked[k],
        ]
        rows.append(
            row
            + flags[a]
            + flags[b]
            + seg_rows[seg_of[a]]
            + seg_rows[seg_of[b]]
            + list(word_image[a])
            + list(word_image[b])
            + list(alignment[a])
            + list(alignment[b])
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(edge_feature_names()))


def _stacked(word_probs: np.ndarray | None, edges: list[tuple[int, int, int]]) -> list[list[float]]:
    """``STACKED_EDGE_FEATURES`` of every edge, from step 0's guesses for its two words."""
    if word_probs is None:
        return [[float("nan")] * len(STACKED_EDGE_FEATURES)] * len(edges)
    if not edges:
        return []
    pa = word_probs[[a for a, _b, _k in edges]]
    pb = word_probs[[b for _a, b, _k in edges]]
    columns = np.stack(
        [
            pa[:, 0],
            pb[:, 0],
            np.einsum("ij,ij->i", pa[:, 1:], pb[:, 1:]),
            np.abs(pa - pb).sum(axis=1) / 2,
            (pa.argmax(axis=1) == pb.argmax(axis=1)).astype(float),
        ],
        axis=1,
    )
    return columns.tolist()


def _gap_image(
    image: PageImage | None,
    ba: tuple[float, float, float, float],
    bb: tuple[float, float, float, float],
    kind: int,
) -> tuple[float, float]:
    """A rule crossing the space between two words, and the ink share of that space."""
    if image is None or kind == SEQUENCE:
        return float("nan"), float("nan")
    if kind == HORIZONTAL:
        y0, y1 = min(ba[1], bb[1]), max(ba[3], bb[3])
        x0, x1 = ba[2] + 1, bb[0] - 1
        return image.vline(x0, y0, x1, y1), image.density(x0, y0, x1, y1)
    x0, x1 = min(ba[0], bb[0]), max(ba[2], bb[2])
    pad = 0.15 * max(ba[3] - ba[1], 1.0)
    y0, y1 = ba[3] - pad, max(bb[1] + pad, ba[3] + 1)
    return image.hline(x0, y0, x1, y1), image.density(x0, ba[3] + 1, x1, bb[1] - 1)


def components(count: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``count`` nodes under ``edges``, each sorted, in first-node order."""
    parent = list(range(count))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(count):
        groups.setdefault(find(i), []).append(i)
    return [sorted(g) for g in groups.values()]
