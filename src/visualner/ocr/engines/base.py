"""The OCR engine interface and the one place that builds engines by name.

Callers (the OCR server, import jobs, the bench) depend on ``OcrEngine`` only, so an engine
is any object with these attributes; no base class to inherit. Engines are built lazily
(models load on the first page), are safe to share between threads, and cap their own
thread use so two of them on a small machine do not fight over the cores.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any, Protocol, cast, runtime_checkable

from PIL import Image

from visualner.errors import InvalidInput
from visualner.words import PageWords


@runtime_checkable
class OcrEngine(Protocol):
    """Reads one page image into words with boxes in the image's pixels."""

    name: str
    version: str
    languages: list[str]

    def recognize(self, image: Image.Image) -> PageWords: ...


# Engine classes by name, as "module:class". An engine's module is imported when the engine
# is first built: rapidocr (the default) brings onnxruntime (tens of MB resident), which an
# app running only tesseract never needs to hold.
_ENGINES: dict[str, str] = {
    "tesseract": "visualner.ocr.engines.tesseract:TesseractEngine",
    "rapidocr": "visualner.ocr.engines.rapidocr:RapidOcrEngine",
}


def _engine_factory(name: str) -> Callable[..., OcrEngine]:
    module, _, attribute = _ENGINES[name].partition(":")
    return cast(Callable[..., OcrEngine], getattr(importlib.import_module(module), attribute))


def available_engines() -> list[str]:
    """Names accepted by ``create_engine``, in a stable order."""
    return sorted(_ENGINES)


def create_engine(name: str, *, languages: str = "eng", **options: Any) -> OcrEngine:
    """Build the engine called ``name``.

    ``languages`` uses tesseract's codes joined by ``+`` (``"eng+deu"``) for every engine,
    so one project setting works whichever engine runs. ``options`` are the engine's own
    keyword settings (see ``docs/ocr.md``); unknown names are refused rather than ignored.
    """
    if name not in _ENGINES:
        raise InvalidInput(
            f"Unknown OCR engine {name!r}; choose one of {', '.join(available_engines())}.",
            field="engine",
        )
    factory = _engine_factory(name)
    try:
        inspect.signature(factory).bind(languages=languages, **options)
    except TypeError as error:
        raise InvalidInput(f"Bad option for OCR engine {name!r}: {error}.") from error
    return factory(languages=languages, **options)
