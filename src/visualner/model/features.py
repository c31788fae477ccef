"""Turn a page's words into per-word feature dicts for the sequence tagger.

Forms are read by layout as much as by words: a question usually ends with ':' and starts its
line segment, its answer follows on the same line or sits under it, a header is short, large,
often upper-case and alone on its line. The features below name those cues so that a linear
model (a CRF) can weigh them; positions and sizes are bucketed because a linear model cannot
bend a raw coordinate into "near the top" by itself.

Bump ``FEATURES_VERSION`` whenever a feature changes meaning: a saved model trained on other
features must not be loaded against these (see ``artifact.py``).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from visualner.model.reading_order import Layout, layout_words
from visualner.ocr.words import PageWords, Word

FEATURES_VERSION = 1

FeatureDict = dict[str, float | str]

_PUNCTUATION = re.compile(r"^[^\w\s]+$")
_DATE_LIKE = re.compile(r"^\d{1,4}[/\-.]\d{1,2}([/\-.]\d{1,4})?$")
_NUMBER_LIKE = re.compile(r"^[$(]?[\d,.\-/%]+[)]?$")


@dataclass(frozen=True, slots=True)
class PageLayoutContext:
    """Everything about the page's layout that the per-word features look up.

    Indices are positions in reading order, not in the caller's word list.
    """

    words: list[Word]
    segments: list[list[int]]
    segment_of: list[int]
    block_of: list[int]
    line_of: list[int]
    median_height: float
    width: float
    height: float


def word_shape(text: str) -> str:
    """Map characters to classes (Xxx, dd/dd) so unseen names and numbers look alike."""
    shape = []
    for char in text:
        if char.isupper():
            shape.append("X")
        elif char.islower():
            shape.append("x")
        elif char.isdigit():
            shape.append("d")
        else:
            shape.append(char)
    return "".join(shape)


def short_shape(text: str) -> str:
    """Collapse runs in the shape ("Xxxxx:" -> "Xx:") to generalise over word length."""
    collapsed: list[str] = []
    for char in word_shape(text):
        if not collapsed or collapsed[-1] != char:
            collapsed.append(char)
    return "".join(collapsed)


def _bucket(value: float, edges: Sequence[float]) -> str:
    for k, edge in enumerate(edges):
        if value < edge:
            return str(k)
    return str(len(edges))


def build_context(page: PageWords, layout: Layout | None = None) -> PageLayoutContext:
    """Put the page's words in reading order and index their segments, blocks and lines."""
    layout = layout or layout_words(page.words)
    words = [page.words[i] for i in layout.order]
    segment_of = [layout.segment[i] for i in layout.order]
    segments: list[list[int]] = []
    for position, seg in enumerate(segment_of):
        while len(segments) <= seg:
            segments.append([])
        segments[seg].append(position)
    heights = [max(w.bbox[3] - w.bbox[1], 1.0) for w in words]
    return PageLayoutContext(
        words=words,
        segments=segments,
        segment_of=segment_of,
        block_of=[layout.block[i] for i in layout.order],
        line_of=[layout.line[i] for i in layout.order],
        median_height=statistics.median(heights) if heights else 1.0,
        width=float(max(page.width, 1)),
        height=float(max(page.height, 1)),
    )


def _text_features(prefix: str, text: str) -> FeatureDict:
    lower = text.lower()
    return {
        f"{prefix}lower": lower,
        f"{prefix}shape": short_shape(text),
        f"{prefix}colon": float(text.endswith(":")),
        f"{prefix}upper": float(text.isupper()),
        f"{prefix}title": float(text.istitle()),
        f"{prefix}punct": float(bool(_PUNCTUATION.match(text))),
    }


def _segment_summary(ctx: PageLayoutContext, seg: int) -> dict[str, float]:
    members = ctx.segments[seg]
    texts = [ctx.words[p].text for p in members]
    letters = [c for t in texts for c in t if c.isalpha()]
    return {
        "ends_colon": float(texts[-1].endswith(":")),
        "has_colon": float(any(":" in t for t in texts)),
        "upper_share": sum(c.isupper() for c in letters) / len(letters) if letters else 0.0,
        "digit_share": sum(any(c.isdigit() for c in t) for t in texts) / len(texts),
        "length": float(len(members)),
    }


def _segment_box(ctx: PageLayoutContext, seg: int) -> tuple[float, float, float, float]:
    boxes = [ctx.words[p].bbox for p in ctx.segments[seg]]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _segment_neighbours(ctx: PageLayoutContext) -> tuple[list[int], list[int], list[int]]:
    """For each segment: the segment left of it on its line, right of it, and the one above."""
    boxes = [_segment_box(ctx, s) for s in range(len(ctx.segments))]
    line_of_seg = [ctx.line_of[members[0]] for members in ctx.segments]
    left = [-1] * len(boxes)
    right = [-1] * len(boxes)
    above = [-1] * len(boxes)
    for s, (x0, y0, x1, _y1) in enumerate(boxes):
        best_left, best_right, best_above = float("inf"), float("inf"), float("inf")
        for t, (tx0, _ty0, tx1, ty1) in enumerate(boxes):
            if t == s:
                continue
            if line_of_seg[t] == line_of_seg[s]:
                if tx1 <= x0 + 1 and x0 - tx1 < best_left:
                    left[s], best_left = t, x0 - tx1
                if tx0 >= x1 - 1 and tx0 - x1 < best_right:
                    right[s], best_right = t, tx0 - x1
            elif ty1 <= y0 + 2 and min(x1, tx1) - max(x0, tx0) > 0 and y0 - ty1 < best_above:
                above[s], best_above = t, y0 - ty1
    return left, right, above


def _gap_features(ctx: PageLayoutContext, p: int) -> FeatureDict:
    """How the word joins its reading-order neighbours: entity breaks hide in these gaps."""
    word = ctx.words[p]
    height = max(word.bbox[3] - word.bbox[1], 1.0)
    f: FeatureDict = {}
    for offset, name in ((-1, "prev"), (1, "next")):
        q = p + offset
        if not 0 <= q < len(ctx.words):
            continue
        other = ctx.words[q].bbox
        other_height = max(other[3] - other[1], 1.0)
        f[f"{name}_height_ratio"] = _bucket(other_height / height, (0.8, 0.95, 1.05, 1.25))
        if ctx.line_of[q] == ctx.line_of[p]:
            gap = (word.bbox[0] - other[2]) if offset < 0 else (other[0] - word.bbox[2])
            f[f"{name}_gap"] = _bucket(gap / ctx.median_height, (0.15, 0.35, 0.6, 0.9, 1.3, 2.5))
        elif ctx.block_of[q] == ctx.block_of[p]:
            f[f"{name}_newline"] = 1.0
            f[f"{name}_xalign"] = float(abs(other[0] - word.bbox[0]) < ctx.median_height)
            vertical = (word.bbox[1] - other[3]) if offset < 0 else (other[1] - word.bbox[3])
            f[f"{name}_vgap"] = _bucket(vertical / ctx.median_height, (0.1, 0.3, 0.6))
        else:
            f[f"{name}_newblock"] = 1.0
    return f


def page_features(ctx: PageLayoutContext) -> list[FeatureDict]:
    """Features for every word of the page, in reading order."""
    words = ctx.words
    summaries = [_segment_summary(ctx, s) for s in range(len(ctx.segments))]
    seg_boxes = [_segment_box(ctx, s) for s in range(len(ctx.segments))]
    left, right, above = _segment_neighbours(ctx)
    block_sizes: dict[int, int] = {}
    for members in ctx.segments:
        block = ctx.block_of[members[0]]
        block_sizes[block] = block_sizes.get(block, 0) + 1
    seg_rank_in_block: list[int] = []
    seen_in_block: dict[int, int] = {}
    for members in ctx.segments:
        block = ctx.block_of[members[0]]
        seg_rank_in_block.append(seen_in_block.get(block, 0))
        seen_in_block[block] = seen_in_block.get(block, 0) + 1

    features: list[FeatureDict] = []
    for p, word in enumerate(words):
        text = word.text
        seg = ctx.segment_of[p]
        members = ctx.segments[seg]
        x0, y0, _x1, y1 = word.bbox
        rel_height = (y1 - y0) / ctx.median_height
        summary = summaries[seg]
        sx0, sy0, sx1, _sy1 = seg_boxes[seg]
        seg_center = (sx0 + sx1) / 2 / ctx.width
        f: FeatureDict = {
            "bias": 1.0,
            **_text_features("", text),
            "pre2": text[:2].lower(),
            "pre3": text[:3].lower(),
            "suf2": text[-2:].lower(),
            "suf3": text[-3:].lower(),
            "digit": float(any(c.isdigit() for c in text)),
            "date": float(bool(_DATE_LIKE.match(text))),
            "number": float(bool(_NUMBER_LIKE.match(text))),
            "len": _bucket(len(text), (2, 4, 7, 11)),
            "x0": _bucket(x0 / ctx.width, (0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.9)),
            "y0": _bucket(y0 / ctx.height, (0.08, 0.15, 0.25, 0.4, 0.6, 0.8, 0.9)),
            "height": _bucket(rel_height, (0.75, 0.9, 1.15, 1.4, 1.8)),
            "seg_first": float(members[0] == p),
            "seg_last": float(members[-1] == p),
            "seg_len": _bucket(summary["length"], (2, 3, 5, 9)),
            "seg_ends_colon": summary["ends_colon"],
            "seg_has_colon": summary["has_colon"],
            "seg_upper": _bucket(summary["upper_share"], (0.2, 0.8)),
            "seg_digits": _bucket(summary["digit_share"], (0.2, 0.6)),
            "seg_centered": float(abs(seg_center - 0.5) < 0.08),
            "seg_x0": _bucket(sx0 / ctx.width, (0.1, 0.25, 0.45, 0.65)),
            "block_size": _bucket(block_sizes[ctx.block_of[p]], (2, 3, 5)),
            "block_rank": _bucket(seg_rank_in_block[seg], (1, 2, 4)),
            "colon_after_me": float(
                members[-1] != p and any(":" in words[q].text for q in members if q > p)
            ),
        }
        if summary["length"] <= 4:
            # Field labels repeat across forms of one kind ("date:", "to:"); learn them whole.
            f["seg_text"] = " ".join(words[q].text.lower() for q in members)
        # Segment to the left on the same line: an answer often follows "Label:".
        if left[seg] >= 0:
            f["left_ends_colon"] = summaries[left[seg]]["ends_colon"]
            f["left_gap"] = _bucket((sx0 - seg_boxes[left[seg]][2]) / ctx.median_height, (3, 8))
        else:
            f["line_start"] = 1.0
        if right[seg] >= 0:
            f["right_ends_colon"] = summaries[right[seg]]["ends_colon"]
        else:
            f["line_end"] = 1.0
        # Segment above: an answer under its question, a continuation line under its start.
        if above[seg] >= 0:
            up = above[seg]
            f["above_ends_colon"] = summaries[up]["ends_colon"]
            f["above_gap"] = _bucket((sy0 - seg_boxes[up][3]) / ctx.median_height, (0.5, 1.5, 4))
            f["above_left_aligned"] = float(abs(seg_boxes[up][0] - sx0) < ctx.median_height)
            f["above_upper"] = _bucket(summaries[up]["upper_share"], (0.2, 0.8))
        else:
            f["nothing_above"] = 1.0
        f.update(_gap_features(ctx, p))
        for offset in (-2, -1, 1, 2):
            q = p + offset
            if 0 <= q < len(words):
                neighbour = words[q].text
                f[f"{offset}:lower"] = neighbour.lower()
                f[f"{offset}:shape"] = short_shape(neighbour)
                f[f"{offset}:colon"] = float(neighbour.endswith(":"))
                if abs(offset) == 1:
                    f[f"{offset}:same_seg"] = float(ctx.segment_of[q] == seg)
                    f[f"{offset}:same_block"] = float(ctx.block_of[q] == ctx.block_of[p])
                    f[f"{offset}:pair"] = (
                        f"{neighbour.lower()}|{text.lower()}"
                        if offset == -1
                        else f"{text.lower()}|{neighbour.lower()}"
                    )
            else:
                f[f"{offset}:none"] = 1.0
        features.append(f)
    return features
