"""Page geometry of OCR words: lines, blocks, reading order, and box margins.

Engines disagree on layout: tesseract in sparse-text mode reports lines but no useful
blocks, rapidocr reports detected text lines only, and gold data (FUNSD) has no order at
all. These pure functions give every source the same contract from ``words.py``: sorting by
``(block, line, x)`` reads the page, with ``block`` and ``line`` numbered from 0 in reading
order (line ids are unique across the page, not restarted per block).

The rule is deliberately simple so annotators can predict it: lines are rows of words that
overlap vertically and are not separated by a wide gap; blocks are lines stacked closely
with horizontal overlap (a paragraph, a form column); blocks read top to bottom, and blocks
side by side on one row read left to right.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import replace

from visualner.words import Word

#: Words on one row split into separate lines where the gap exceeds this many line heights.
LINE_GAP_FACTOR = 2.0
#: Lines join a block when the vertical gap between them is at most this many line heights.
BLOCK_GAP_FACTOR = 0.8
#: Boxes sharing this fraction of the smaller one's height with a row's first box join the row.
SAME_ROW_OVERLAP = 0.5

Box = tuple[float, float, float, float]


def _height(box: Box) -> float:
    return max(box[3] - box[1], 1.0)


def _union(boxes: Iterable[Box]) -> Box:
    x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
    return (min(x0s), min(y0s), max(x1s), max(y1s))


def _vertical_overlap(a: Box, b: Box) -> float:
    """Shared height of two boxes as a fraction of the shorter one."""
    shared = min(a[3], b[3]) - max(a[1], b[1])
    return max(shared, 0.0) / min(_height(a), _height(b))


def lines_by_geometry(
    words: Sequence[Word], *, gap_factor: float = LINE_GAP_FACTOR
) -> list[list[Word]]:
    """Group words into lines by position alone, each line sorted left to right."""
    rows: list[tuple[Box, list[Word]]] = []
    for word in sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        best_index, best_overlap = -1, 0.5
        for index, (row_box, _) in enumerate(rows):
            overlap = _vertical_overlap(row_box, word.bbox)
            if overlap >= best_overlap:
                best_index, best_overlap = index, overlap
        if best_index < 0:
            rows.append((word.bbox, [word]))
        else:
            row_box, row_words = rows[best_index]
            row_words.append(word)
            rows[best_index] = (_union([row_box, word.bbox]), row_words)
    lines: list[list[Word]] = []
    for _, row_words in rows:
        row_words.sort(key=lambda w: w.bbox[0])
        height = statistics.median(_height(w.bbox) for w in row_words)
        current = [row_words[0]]
        for word in row_words[1:]:
            if word.bbox[0] - current[-1].bbox[2] > gap_factor * height:
                lines.append(current)
                current = []
            current.append(word)
        lines.append(current)
    return lines


def lines_by_engine_ids(words: Sequence[Word]) -> list[list[Word]]:
    """Group words by the engine's ``(block, line)`` ids, each line sorted left to right."""
    grouped: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        grouped.setdefault((word.block, word.line), []).append(word)
    return [sorted(line, key=lambda w: w.bbox[0]) for line in grouped.values()]


def _read_rows(boxes: Sequence[Box]) -> list[int]:
    """Indexes of ``boxes`` top to bottom; boxes on one row (sharing at least half the
    height of the smaller with the row's topmost box) read left to right."""
    by_top = sorted(range(len(boxes)), key=lambda i: boxes[i][1])
    order: list[int] = []
    row: list[int] = []
    for index in by_top:
        if row and _vertical_overlap(boxes[row[0]], boxes[index]) < SAME_ROW_OVERLAP:
            order.extend(sorted(row, key=lambda i: boxes[i][0]))
            row = []
        row.append(index)
    order.extend(sorted(row, key=lambda i: boxes[i][0]))
    return order


def _blocks_of(line_boxes: Sequence[Box], row_height: float) -> list[list[int]]:
    """Group line indexes into blocks: closely stacked lines that overlap horizontally."""
    parent = list(range(len(line_boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(line_boxes):
        for j in range(i + 1, len(line_boxes)):
            b = line_boxes[j]
            shares_x = min(a[2], b[2]) > max(a[0], b[0])
            gap = max(b[1] - a[3], a[1] - b[3])
            if shares_x and gap <= BLOCK_GAP_FACTOR * row_height:
                parent[root(j)] = root(i)
    blocks: dict[int, list[int]] = {}
    for i in range(len(line_boxes)):
        blocks.setdefault(root(i), []).append(i)
    return list(blocks.values())


def order_lines(lines: Sequence[Sequence[Word]]) -> list[Word]:
    """Number blocks and lines in reading order and return the words in that order."""
    lines = [line for line in lines if line]
    if not lines:
        return []
    line_boxes = [_union(w.bbox for w in line) for line in lines]
    row_height = statistics.median(_height(box) for box in line_boxes)
    blocks = _blocks_of(line_boxes, row_height)
    block_boxes = [_union(line_boxes[i] for i in block) for block in blocks]
    ordered: list[Word] = []
    line_id = 0
    for block_id, block_index in enumerate(_read_rows(block_boxes)):
        members = blocks[block_index]
        for member in _read_rows([line_boxes[i] for i in members]):
            for word in sorted(lines[members[member]], key=lambda w: w.bbox[0]):
                ordered.append(replace(word, line=line_id, block=block_id))
            line_id += 1
    return ordered


def pad_boxes(
    words: Sequence[Word], *, fraction: float | Sequence[float], page_size: tuple[int, int]
) -> list[Word]:
    """Widen every box by ``fraction`` of the page's median word height on each side.

    Engines box words tight on their ink, so a short word like "on" gets a box barely
    taller than its x-height; people (and FUNSD's gold boxes) draw a small margin around
    the word. Measuring the margin in word heights keeps it right at any scan resolution.
    ``fraction`` is one margin for every side or four: left, top, right, bottom (FUNSD's
    boxes sit up and to the left of the ink). Boxes stay inside the ``(width, height)`` page.
    """
    sides = (fraction,) * 4 if isinstance(fraction, int | float) else tuple(fraction)
    if len(sides) != 4:
        raise ValueError(f"box padding needs one margin or four, not {len(sides)}")
    if not words or not any(sides):
        return list(words)
    height = statistics.median(_height(word.bbox) for word in words)
    left, top, right, bottom = (side * height for side in sides)
    width, page_height = page_size
    return [
        replace(
            word,
            bbox=(
                max(word.bbox[0] - left, 0.0),
                max(word.bbox[1] - top, 0.0),
                min(word.bbox[2] + right, float(width)),
                min(word.bbox[3] + bottom, float(page_height)),
            ),
        )
        for word in words
    ]


def order_words_by_geometry(words: Sequence[Word]) -> list[Word]:
    """Reading order from positions only: for sources with no usable layout (gold, PDFs)."""
    return order_lines(lines_by_geometry(words))


def order_words_by_engine_lines(words: Sequence[Word]) -> list[Word]:
    """Reading order that keeps the engine's lines but recomputes blocks and their order."""
    return order_lines(lines_by_engine_ids(words))
