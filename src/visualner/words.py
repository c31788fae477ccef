"""The one shape every word source produces: OCR engines, the PDF text layer, imports.

Boxes are ``[x0, y0, x1, y1]`` in page pixels with a top-left origin. ``line`` and ``block``
are reading-order ids: words sorted by (block, line, position in line) read the page in
order, which exports and the model rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Word:
    """One recognised word on a page."""

    text: str
    bbox: tuple[float, float, float, float]
    confidence: float = 1.0
    line: int = 0
    block: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "bbox": [round(v, 1) for v in self.bbox],
            "confidence": round(self.confidence, 4),
            "line": self.line,
            "block": self.block,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Word:
        x0, y0, x1, y1 = (float(v) for v in raw["bbox"])
        return cls(
            text=str(raw["text"]),
            bbox=(x0, y0, x1, y1),
            confidence=float(raw.get("confidence", 1.0)),
            line=int(raw.get("line", 0)),
            block=int(raw.get("block", 0)),
        )


@dataclass(slots=True)
class PageWords:
    """The words of one page plus the page size they were measured on."""

    width: int
    height: int
    words: list[Word] = field(default_factory=list)
    engine: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "engine": self.engine,
            "words": [w.to_json() for w in self.words],
        }
