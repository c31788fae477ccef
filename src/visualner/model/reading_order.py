"""Group a page's words into line segments and blocks from geometry alone.

The tagger reads a page as one sequence of words. Entities on forms often span several lines
(a multi-line answer, a two-line header), and two columns of such entities sit side by side, so a
plain "top to bottom, left to right" order interleaves them and no sequence tagger can mark them
as one run. Here a page is cut into *segments* (runs of words on one visual line with no large
gap) and segments are chained into *blocks* (segments stacked closely under each other, one
below the other, like a paragraph). Reading block by block keeps multi-line entities contiguous.

The model always computes this grouping itself, at training and at prediction time, so its
features mean the same thing whatever produced the words (OCR engine, PDF text layer, import).
The OCR package has its own reading order for display and export; this one serves the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from visualner.words import Word

# A word joins a line when it overlaps the line vertically by this share of the smaller height.
LINE_OVERLAP = 0.5
# Words on a line split into segments when the horizontal gap exceeds this many line heights.
SEGMENT_GAP = 1.2
# Segments chain into a block when the vertical gap is at most this many line heights.
BLOCK_GAP = 0.9


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each word sits in the model's reading order.

    ``order`` lists word indices (into the caller's list) in reading order; the other lists are
    indexed by the original word index.
    """

    order: list[int]
    line: list[int]
    segment: list[int]
    block: list[int]


def _height(box: tuple[float, float, float, float]) -> float:
    return max(box[3] - box[1], 1.0)


def _group_lines(boxes: Sequence[tuple[float, float, float, float]]) -> list[list[int]]:
    """Cluster words into visual lines by vertical overlap, each line sorted left to right.

    A word never joins a line that already holds a word overlapping it horizontally: two
    closely spaced rows of small print (or two columns with different line spacing) overlap
    vertically enough to look like one line, and reading them as one interleaves their words.
    """
    by_center = sorted(
        range(len(boxes)), key=lambda i: ((boxes[i][1] + boxes[i][3]) / 2, boxes[i][0])
    )
    lines: list[list[int]] = []
    spans: list[tuple[float, float]] = []
    for i in by_center:
        _x0, y0, _x1, y1 = boxes[i]
        best, best_ratio = -1, LINE_OVERLAP
        # Only recent lines can overlap: words arrive sorted by vertical centre.
        for li in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
            ly0, ly1 = spans[li]
            overlap = min(y1, ly1) - max(y0, ly0)
            ratio = overlap / max(min(y1 - y0, ly1 - ly0), 1.0)
            if ratio > best_ratio and not _collides(i, lines[li], boxes):
                best, best_ratio = li, ratio
        if best < 0:
            lines.append([i])
            spans.append((y0, y1))
        else:
            lines[best].append(i)
            ly0, ly1 = spans[best]
            spans[best] = (min(ly0, y0), max(ly1, y1))
    for line in lines:
        line.sort(key=lambda i: boxes[i][0])
    lines.sort(key=lambda line: min(boxes[i][1] for i in line))
    return lines


def _collides(
    word: int, line: list[int], boxes: Sequence[tuple[float, float, float, float]]
) -> bool:
    """True when ``word`` overlaps a word of ``line`` horizontally by over a third of the
    narrower one (touching or slightly overlapping OCR boxes on one line still join)."""
    x0, _y0, x1, _y1 = boxes[word]
    for other in line:
        ox0, _oy0, ox1, _oy1 = boxes[other]
        overlap = min(x1, ox1) - max(x0, ox0)
        if overlap > 0 and overlap > min(x1 - x0, ox1 - ox0) / 3:
            return True
    return False


def _split_segments(
    line: list[int], boxes: Sequence[tuple[float, float, float, float]]
) -> list[list[int]]:
    """Cut one line where the gap between neighbouring words is wide (a column or field break)."""
    segments: list[list[int]] = [[line[0]]]
    for prev, cur in itertools.pairwise(line):
        height = min(_height(boxes[prev]), _height(boxes[cur]))
        gap = boxes[cur][0] - boxes[prev][2]
        if gap > SEGMENT_GAP * height:
            segments.append([cur])
        else:
            segments[-1].append(cur)
    return segments


def _segment_box(
    segment: list[int], boxes: Sequence[tuple[float, float, float, float]]
) -> tuple[float, float, float, float]:
    return (
        min(boxes[i][0] for i in segment),
        min(boxes[i][1] for i in segment),
        max(boxes[i][2] for i in segment),
        max(boxes[i][3] for i in segment),
    )


def _chain_blocks(seg_boxes: list[tuple[float, float, float, float]]) -> list[list[int]]:
    """Chain segments that are each other's nearest neighbour vertically into blocks.

    Only mutual nearest neighbours chain, so a wide line above two columns does not merge the
    columns into one block (which would interleave them again).
    """
    count = len(seg_boxes)
    below: list[int] = [-1] * count
    above: list[int] = [-1] * count
    for s, (x0, _y0, x1, y1) in enumerate(seg_boxes):
        best, best_gap = -1, float("inf")
        for t, (tx0, ty0, tx1, ty1) in enumerate(seg_boxes):
            if t == s or ty0 < y1 - 0.5 * (ty1 - ty0):
                continue
            overlap = min(x1, tx1) - max(x0, tx0)
            if overlap <= 0:
                continue
            gap = ty0 - y1
            if gap < best_gap:
                best, best_gap = t, gap
        height = min(_height(seg_boxes[s]), _height(seg_boxes[best])) if best >= 0 else 0.0
        if best >= 0 and best_gap <= BLOCK_GAP * height:
            below[s] = best
    for s, t in enumerate(below):
        if t >= 0:
            if above[t] == -1:
                above[t] = s
            else:
                above[t] = -2  # two candidates above: start a new block instead
    blocks: list[list[int]] = []
    for s in range(count):
        if above[s] >= 0 and below[above[s]] == s:
            continue  # not the head of a chain
        chain = [s]
        while below[chain[-1]] >= 0 and above[below[chain[-1]]] == chain[-1]:
            chain.append(below[chain[-1]])
        blocks.append(chain)
    return blocks


def layout_words(words: Sequence[Word]) -> Layout:
    """Compute the model's reading order and line/segment/block ids for a page's words."""
    if not words:
        return Layout(order=[], line=[], segment=[], block=[])
    boxes = [w.bbox for w in words]
    line_of = [0] * len(words)
    segments: list[list[int]] = []
    for line_id, line in enumerate(_group_lines(boxes)):
        for i in line:
            line_of[i] = line_id
        segments.extend(_split_segments(line, boxes))
    seg_boxes = [_segment_box(seg, boxes) for seg in segments]
    blocks = _chain_blocks(seg_boxes)
    # Blocks read top to bottom; blocks starting on about the same line read left to right.
    blocks.sort(key=lambda b: (round(seg_boxes[b[0]][1] / 10), seg_boxes[b[0]][0]))
    order: list[int] = []
    segment_of = [0] * len(words)
    block_of = [0] * len(words)
    seg_counter = 0
    for block_id, block in enumerate(blocks):
        for s in block:
            for i in segments[s]:
                order.append(i)
                segment_of[i] = seg_counter
                block_of[i] = block_id
            seg_counter += 1
    return Layout(order=order, line=line_of, segment=segment_of, block=block_of)
