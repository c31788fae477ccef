"""Benchmark the OCR engines on FUNSD forms: speed, word recall/precision, page CER.

Not a test: it prints figures (copied into docs/ocr.md) and asserts nothing. Metric
definitions live in ``visualner.ocr.engines.evaluation``. Example:

    .venv/bin/python bench/ocr.py --limit 50 --jobs 2
    .venv/bin/python bench/ocr.py --engines tesseract --set psm=6 --set scale=2.5

Each configuration runs its pages on ``--jobs`` threads sharing one engine (the way the OCR
server uses it). "median s/page" is the per-page latency under that load, "wall s/page" the
elapsed time divided by pages (throughput). "median CPU s/page" is the process CPU time of
each page (``time.process_time``), measured with ``--jobs 1`` only; onnxruntime runs one
intra-op thread and tesseract one OpenMP thread, so it is the one-core cost of a page and
barely moves with the load other work puts on the machine (printed before and after).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract: one thread per page

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.datasets import FUNSD_TRAINING
from visualner.ocr.engines.base import available_engines, create_engine
from visualner.ocr.engines.evaluation import funsd_gold_words, match_words, page_char_errors
from visualner.words import Word

DEFAULT_DATA = FUNSD_TRAINING

#: Named settings: "default" = the engine's defaults; "start" = where tuning began
#: (no box fitting); "stock" = tesseract's own defaults; "det1024" = rapidocr's accuracy option;
#: "previous" = an engine's defaults before word splitting (and, for rapidocr, the tiny model).
START: dict[str, Any] = {"split_words": False, "box_padding": 0.0}
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "tesseract:default": ("tesseract", {}),
    "tesseract:previous": ("tesseract", {"split_words": False}),
    "tesseract:start": ("tesseract", {"psm": 11, "scale": 2.0, **START}),
    "tesseract:stock": ("tesseract", {"psm": 3, "scale": 1.0, **START}),
    "rapidocr:default": ("rapidocr", {}),
    "rapidocr:filtered": ("rapidocr", {"word_filter": 0.2}),
    "rapidocr:tiny": ("rapidocr", {"rescue_below": 0.0}),
    "rapidocr:small": ("rapidocr", {"model": "small"}),
    "rapidocr:previous": ("rapidocr", {"model": "small", "split_words": False}),
    "rapidocr:start": ("rapidocr", {"model": "small", "tighten_boxes": False, **START}),
    "rapidocr:det1024": ("rapidocr", {"det_limit_side_len": 1024}),
}


@dataclass(frozen=True)
class PageScore:
    seconds: float
    cpu_seconds: float
    matched: int
    gold: int
    predicted: int
    char_distance: int
    gold_chars: int


def parse_value(raw: str) -> Any:
    """``--set`` values: JSON when it parses (numbers, booleans), else the plain string."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def score_page(engine: Any, image_path: Path, gold: list[Word]) -> PageScore:
    with Image.open(image_path) as image:
        image.load()
        started, cpu_started = time.perf_counter(), time.process_time()
        page = engine.recognize(image)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    match = match_words(page.words, gold)
    errors = page_char_errors(page.words, gold)
    return PageScore(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        matched=match.matched,
        gold=match.gold,
        predicted=match.predicted,
        char_distance=errors.distance,
        gold_chars=errors.gold_chars,
    )


def run_config(
    label: str, engine_name: str, options: dict[str, Any], pages: Sequence[Path], jobs: int
) -> str:
    if engine_name == "rapidocr" and jobs == 1:
        options = {"threads": 1, **options}  # one onnxruntime thread: the one-core figure
    engine = create_engine(engine_name, workers=jobs, **options)
    golds = [
        funsd_gold_words(path.parents[1] / "annotations" / f"{path.stem}.json") for path in pages
    ]
    blank = Image.new("L", (64, 64), 255)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        # Load every pooled model outside the timing.
        list(pool.map(engine.recognize, [blank] * jobs))
        started = time.perf_counter()
        scores = list(pool.map(lambda pg: score_page(engine, *pg), zip(pages, golds, strict=True)))
    wall = (time.perf_counter() - started) / len(pages)
    matched = sum(s.matched for s in scores)
    recall = matched / sum(s.gold for s in scores)
    precision = matched / max(sum(s.predicted for s in scores), 1)
    cer = sum(s.char_distance for s in scores) / sum(s.gold_chars for s in scores)
    median = statistics.median(s.seconds for s in scores)
    cpu = f"{statistics.median(s.cpu_seconds for s in scores):.2f}" if jobs == 1 else "–"
    shown = ", ".join(f"{k}={v}" for k, v in options.items()) or "defaults"
    return (
        f"| {label} | {shown} | {cpu} | {median:.2f} | {wall:.2f} | {recall:.1%} "
        f"| {precision:.1%} | {cer:.1%} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FUNSD split folder")
    parser.add_argument("--limit", type=int, default=0, help="first N forms (0 = all)")
    parser.add_argument(
        "--offset",
        type=int,
        default=0,
        help="skip the first N forms (40: the forms the defaults were not tuned on)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="pages OCR'd at once")
    parser.add_argument(
        "--engines",
        default=",".join(available_engines()),
        help="comma-separated engines whose named configs run",
    )
    parser.add_argument(
        "--configs", default="", help=f"comma-separated config names ({', '.join(CONFIGS)})"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="run each chosen engine once with these options instead of the named configs",
    )
    args = parser.parse_args(argv)

    pages = sorted((args.data / "images").glob("*.png"))[args.offset :]
    if args.limit:
        pages = pages[: args.limit]
    if not pages:
        parser.error(f"no FUNSD images under {args.data / 'images'}")
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    if args.set:
        options = dict(item.split("=", 1) for item in args.set)
        parsed = {key: parse_value(value) for key, value in options.items()}
        runs = [(f"{name}:custom", name, parsed) for name in engines]
    else:
        chosen = [c for c in args.configs.split(",") if c] or list(CONFIGS)
        runs = [(c, *CONFIGS[c]) for c in chosen if CONFIGS[c][0] in engines]

    sys.stdout.write(
        f"{len(pages)} FUNSD forms from {args.data.resolve()}, jobs={args.jobs}, load {load()}\n\n"
    )
    sys.stdout.write(
        "| engine:setting | options | median CPU s/page | median s/page | wall s/page "
        "| word recall | word precision | page CER |\n|---|---|---|---|---|---|---|---|\n"
    )
    for label, engine_name, options in runs:
        sys.stdout.write(run_config(label, engine_name, options, pages, args.jobs) + "\n")
        sys.stdout.flush()
    sys.stdout.write(f"\nload {load()}\n")
    return 0


def load() -> str:
    """The 1, 5 and 15 minute load averages (2 cores: above 2 means others were busy)."""
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
