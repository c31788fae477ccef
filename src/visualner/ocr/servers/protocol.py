"""The OCR server wire format, shared by ``visualner ocr-server`` and its client.

``POST /ocr`` takes a multipart form with one file field ``image`` (PNG, JPEG, TIFF, BMP or
WebP) and answers::

    {"width": 1700, "height": 2200, "engine": "tesseract 5.5.4",
     "words": [{"text": "Invoice", "bbox": [x0, y0, x1, y1], "confidence": 0.97,
                "line": 0, "block": 0}, ...]}

Boxes are pixels of the posted image, top-left origin; words are in reading order.
``GET /health`` answers ``{"status": "ok"}``; ``GET /info`` answers
``{"engine", "version", "languages", "workers", "protocol"}``. Documented in docs/ocr-server.md.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from visualner.words import PageWords, Word

PROTOCOL_VERSION = 1


def page_words_from_json(payload: Any) -> PageWords:
    """A page's words in the wire shape (``/ocr`` answers, the words posted to and answered by
    ``/preannotate``); raises ``ValueError`` saying what is missing or wrong, which each side
    turns into its own error (a server that answers badly, a client that posts badly)."""
    try:
        return PageWords(
            width=int(payload["width"]),
            height=int(payload["height"]),
            words=[Word.from_json(raw) for raw in payload["words"]],
            engine=str(payload.get("engine", "")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(str(exc)) from exc


def encode_for_ocr(image: Image.Image) -> bytes:
    """PNG bytes of a page, lossless so the remote engine sees what the local one would."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
