"""The built-in OCR server: the configured engine, run inside this process.

Engines load models once, so one instance per (engine, languages) is kept for the process.
"""

from __future__ import annotations

import threading

from visualner.ocr.engines.base import OcrEngine, create_engine

_lock = threading.Lock()
_engines: dict[tuple[str, str], OcrEngine] = {}


def builtin_engine(name: str, languages: str) -> OcrEngine:
    key = (name, languages)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_engine(name, languages=languages)
            _engines[key] = engine
        return engine
