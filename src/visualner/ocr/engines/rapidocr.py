"""RapidOCR (PaddleOCR models on onnxruntime): slower than tesseract, finds more words.

Only the models shipped inside the rapidocr wheel are used, by explicit path, so nothing is
ever downloaded: the PP-OCRv6 "small" text detector and the multilingual PP-OCRv6 "small"
recogniser. That recogniser covers Latin-script languages plus Chinese and Japanese in one
model, so the ``languages`` setting only validates; it does not change what is loaded.

The angle classifier is off (scanned forms are upright and it costs time), and
``return_word_box`` makes rapidocr split each detected text line into words with boxes.
Each RapidOCR object mutates per-call state, so the engine keeps a small pool of them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import rapidocr
from PIL import Image

from visualner.errors import InvalidInput
from visualner.ocr.engines.instance_pool import LazyPool
from visualner.ocr.engines.reading_order import order_words_by_engine_lines, pad_boxes
from visualner.words import PageWords, Word

logger = logging.getLogger(__name__)

MODEL_DIR = Path(rapidocr.__file__).resolve().parent / "models"
DETECTION_MODEL = MODEL_DIR / "PP-OCRv6_det_small.onnx"
RECOGNITION_MODEL = MODEL_DIR / "PP-OCRv6_rec_small.onnx"

#: Tesseract-style codes the shipped multilingual recogniser reads (Latin script, CJK).
SUPPORTED_LANGUAGES = frozenset(
    {
        "eng", "deu", "fra", "spa", "ita", "por", "nld", "dan", "swe", "nor", "fin", "isl",
        "pol", "ces", "slk", "slv", "hrv", "bos", "hun", "ron", "est", "lav", "lit", "tur",
        "aze", "uzb", "ind", "msa", "vie", "tgl", "swa", "cat", "eus", "glg", "gle", "cym",
        "mlt", "afr", "lat", "oci", "ltz", "sqi", "mri", "que", "chi_sim", "chi_tra", "jpn",
    }
)  # fmt: skip

DEFAULT_DET_LIMIT_SIDE_LEN = 736
DEFAULT_DET_BOX_THRESH = 0.5
DEFAULT_DET_UNCLIP_RATIO = 1.6
DEFAULT_TEXT_SCORE = 0.5
#: Text lines recognised per onnxruntime call. rapidocr pads a batch to its widest line, so on
#: forms (short labels next to long sentences) one line per call was ~20% faster than 6.
DEFAULT_REC_BATCH_SIZE = 1
DEFAULT_WORKERS = 1
#: Margin around each word box, as a fraction of the page's median word height.
DEFAULT_BOX_PADDING = 0.2


def parse_languages(languages: str) -> list[str]:
    """Split ``"eng+deu"`` and check the shipped recogniser covers every language."""
    wanted = [code.strip() for code in languages.split("+") if code.strip()]
    missing = [code for code in wanted if code not in SUPPORTED_LANGUAGES]
    if not wanted or missing:
        raise InvalidInput(
            f"RapidOCR's shipped model cannot read language(s) {missing or languages!r}; it "
            f"reads {', '.join(sorted(SUPPORTED_LANGUAGES))}.",
            field="languages",
        )
    return wanted


class RapidOcrEngine:
    """OCR with rapidocr's bundled PP-OCRv6 models; thread-safe through an instance pool."""

    name = "rapidocr"

    def __init__(
        self,
        *,
        languages: str = "eng",
        det_limit_side_len: int = DEFAULT_DET_LIMIT_SIDE_LEN,
        det_box_thresh: float = DEFAULT_DET_BOX_THRESH,
        det_unclip_ratio: float = DEFAULT_DET_UNCLIP_RATIO,
        text_score: float = DEFAULT_TEXT_SCORE,
        rec_batch_size: int = DEFAULT_REC_BATCH_SIZE,
        tighten_boxes: bool = True,
        box_padding: float = DEFAULT_BOX_PADDING,
        workers: int = DEFAULT_WORKERS,
        threads: int | None = None,
    ) -> None:
        if workers < 1:
            raise InvalidInput("RapidOCR needs at least one worker.", field="workers")
        if threads is None:
            # Split the cores between pooled instances rather than oversubscribing them.
            threads = max(1, (os.cpu_count() or 1) // workers)
        if threads < 1:
            raise InvalidInput("RapidOCR needs at least one thread.", field="threads")
        if not 320 <= det_limit_side_len <= 4000:
            raise InvalidInput(
                "RapidOCR det_limit_side_len must be between 320 and 4000.",
                field="det_limit_side_len",
            )
        self.languages = parse_languages(languages)
        self.tighten_boxes = tighten_boxes
        self.box_padding = box_padding
        self.version = f"{package_version('rapidocr')} (PP-OCRv6 small)"
        self._params: dict[str, Any] = {
            "Global.use_cls": False,
            "Global.return_word_box": True,
            "Global.text_score": text_score,
            "Global.log_level": "error",
            # The page is never shrunk before detection; det limits decide the size.
            "Global.max_side_len": 10_000,
            "Det.model_path": str(DETECTION_MODEL),
            "Det.limit_side_len": det_limit_side_len,
            "Det.limit_type": "min",
            "Det.box_thresh": det_box_thresh,
            "Det.unclip_ratio": det_unclip_ratio,
            "Rec.model_path": str(RECOGNITION_MODEL),
            "Rec.rec_batch_num": rec_batch_size,
            # intra-op threads per pooled instance: workers * threads should fit the cores.
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        self._instances: LazyPool[rapidocr.RapidOCR] = LazyPool(
            lambda: rapidocr.RapidOCR(params=self._params), size=workers
        )

    def recognize(self, image: Image.Image) -> PageWords:
        """Read the words of one page; boxes are in ``image``'s own pixels."""
        # rapidocr takes OpenCV's BGR order; a grey page is the same in every channel.
        pixels = np.asarray(image.convert("RGB"))[:, :, ::-1].copy()
        with self._instances.borrow() as instance:
            output = instance(pixels)
        # An empty page gives an output without texts whose word_results is a placeholder.
        has_text = bool(getattr(output, "txts", None))
        word_lines = getattr(output, "word_results", None) or () if has_text else ()
        words = list(_words_of(word_lines))
        if self.tighten_boxes and words:
            ink = ink_mask(np.asarray(image.convert("L")))
            words = [replace(word, bbox=tighten_to_ink(ink, word.bbox)) for word in words]
        words = pad_boxes(words, fraction=self.box_padding, page_size=image.size)
        return PageWords(
            width=image.width,
            height=image.height,
            words=order_words_by_engine_lines(words),
            engine=self.name,
        )


def _words_of(word_lines: Sequence[Sequence[Any]]) -> Iterator[Word]:
    """Turn rapidocr's ``((text, score, quad), ...)`` per detected line into words."""
    for line_id, line in enumerate(word_lines):
        for item in line:
            if not isinstance(item, tuple | list) or len(item) != 3:
                continue
            text, score, quad = item
            text = str(text).strip()
            if not text or quad is None:
                continue
            xs = [float(point[0]) for point in quad]
            ys = [float(point[1]) for point in quad]
            yield Word(
                text=text,
                bbox=(min(xs), min(ys), max(xs), max(ys)),
                confidence=max(0.0, min(float(score), 1.0)),
                line=line_id,
                block=0,
            )


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark pixels of a page, split from the paper by Otsu's threshold."""
    _, mask = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return mask.astype(bool)


def tighten_to_ink(
    ink: np.ndarray, bbox: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Shrink a word box to the ink inside it.

    rapidocr's word boxes span the whole (padded) detected line in height and are placed
    from recogniser timings in width, so they overhang the glyphs; annotators and IoU both
    want the box on the ink. When the box also catches a neighbouring line's ascenders or
    descenders, the densest band of ink rows is kept. A box with no ink is left alone.
    """
    height, width = ink.shape
    x0, y0 = max(int(bbox[0]), 0), max(int(bbox[1]), 0)
    x1, y1 = min(int(np.ceil(bbox[2])), width), min(int(np.ceil(bbox[3])), height)
    region = ink[y0:y1, x0:x1]
    if region.size == 0 or not region.any():
        return bbox
    row_ink = region.sum(axis=1)
    bands: list[tuple[int, int, int]] = []  # (ink, first row, last row)
    for row in np.flatnonzero(row_ink):
        if bands and row - bands[-1][2] <= 2:
            total, first, _ = bands[-1]
            bands[-1] = (total + int(row_ink[row]), first, int(row))
        else:
            bands.append((int(row_ink[row]), int(row), int(row)))
    _, top, bottom = max(bands)
    columns = np.flatnonzero(region[top : bottom + 1].any(axis=0))
    return (
        float(x0 + columns[0]),
        float(y0 + top),
        float(x0 + columns[-1] + 1),
        float(y0 + bottom + 1),
    )
