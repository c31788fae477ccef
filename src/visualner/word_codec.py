"""Compact storage of a page's words: one zlib-compressed, columnar JSON blob per page.

Columns (texts, flat boxes, confidences, lines, blocks) compress far better than a list of
objects, and decode with one orjson call per page.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from visualner.words import Word

FORMAT_VERSION = 1


def encode_words(words: list[Word]) -> bytes:
    columns = {
        "v": FORMAT_VERSION,
        "text": [w.text for w in words],
        "bbox": [round(v, 1) for w in words for v in w.bbox],
        "conf": [round(w.confidence, 3) for w in words],
        "line": [w.line for w in words],
        "block": [w.block for w in words],
    }
    return zlib.compress(orjson.dumps(columns), 6)


EMPTY_COLUMNS: dict[str, Any] = {"text": [], "bbox": [], "conf": [], "line": [], "block": []}


def word_columns(blob: bytes | None) -> dict[str, Any]:
    """The stored columns as they are (``text``, flat ``bbox``, ``conf``, ``line``,
    ``block``): what exports read, since most need a column or two, never ``Word`` objects."""
    if not blob:
        return EMPTY_COLUMNS
    columns: dict[str, Any] = orjson.loads(zlib.decompress(blob))
    if columns.get("v") != FORMAT_VERSION:
        raise ValueError(f"unknown word storage format {columns.get('v')!r}")
    return columns


def box_tuples(flat: list[float]) -> list[tuple[float, float, float, float]]:
    """``[x0, y0, x1, y1, x0, …]`` as one tuple per word (zip over one iterator: no
    index arithmetic in Python)."""
    corners = iter(flat)
    return list(zip(corners, corners, corners, corners, strict=False))


def decode_words(blob: bytes | None) -> list[Word]:
    c = word_columns(blob)
    return [
        Word(text, bbox, conf, line, block)
        for text, bbox, conf, line, block in zip(
            c["text"], box_tuples(c["bbox"]), c["conf"], c["line"], c["block"], strict=True
        )
    ]


def words_as_json(blob: bytes | None) -> list[dict[str, Any]]:
    """The API shape of a page's words, built straight from the columns (the hot path)."""
    return columns_as_json(word_columns(blob))


def columns_as_json(c: dict[str, Any]) -> list[dict[str, Any]]:
    """``words_as_json`` for columns already decoded."""
    corners = iter(c["bbox"])
    return [
        {"text": text, "bbox": [x0, y0, x1, y1], "confidence": conf, "line": line, "block": block}
        for text, (x0, y0, x1, y1), conf, line, block in zip(
            c["text"],
            zip(corners, corners, corners, corners, strict=False),
            c["conf"],
            c["line"],
            c["block"],
            strict=True,
        )
    ]


def page_text(words: list[Word]) -> str:
    """The page's text in reading order, one line per OCR line (used for search)."""
    lines: list[str] = []
    current: list[str] = []
    last_key: tuple[int, int] | None = None
    for word in words:
        key = (word.block, word.line)
        if last_key is not None and key != last_key:
            lines.append(" ".join(current))
            current = []
        current.append(word.text)
        last_key = key
    if current:
        lines.append(" ".join(current))
    return "\n".join(lines)
