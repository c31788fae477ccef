"""Benchmark the OCR engines on FUNSD forms: speed, word recall/precision, page CER.

Not a test: it prints figures (copied into docs/ocr.md) and asserts nothing. Metric
definitions live in ``visualner.ocr.engines.evaluation``. Example:

    .venv/bin/python bench/ocr.py --limit 50 --jobs 2
    .venv/bin/python bench/ocr.py --engines tesseract --set psm=6 --set scale=2.5

Each configuration runs its pages on ``--jobs`` threads sharing one engine (the way the OCR
server uses it). "median s/page" is the per-page latency under that load, "wall s/page" the
elapsed time divided by pages (throughput).
"""

from __future__ import annotations

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

from visualner.ocr.engines.base import available_engines, create_engine
from visualner.ocr.engines.evaluation import funsd_gold_words, match_words, page_char_errors
from visualner.words import Word

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "../shared/datasets/funsd/training_data"

#: Named settings: "default" = the engine's defaults; "start" = where tuning began
#: (no box fitting); "stock" = tesseract's own defaults; "det1024" = rapidocr's accuracy option.
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "tesseract:default": ("tesseract", {}),
    "tesseract:start": ("tesseract", {"psm": 11, "scale": 2.0, "box_padding": 0.0}),
    "tesseract:stock": ("tesseract", {"psm": 3, "scale": 1.0, "box_padding": 0.0}),
    "rapidocr:default": ("rapidocr", {}),
    "rapidocr:start": ("rapidocr", {"tighten_boxes": False, "box_padding": 0.0}),
    "rapidocr:det1024": ("rapidocr", {"det_limit_side_len": 1024}),
}


@dataclass(frozen=True)
class PageScore:
    seconds: float
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
        started = time.perf_counter()
        page = engine.recognize(image)
        seconds = time.perf_counter() - started
    match = match_words(page.words, gold)
    errors = page_char_errors(page.words, gold)
    return PageScore(
        seconds=seconds,
        matched=match.matched,
        gold=match.gold,
        predicted=match.predicted,
        char_distance=errors.distance,
        gold_chars=errors.gold_chars,
    )


def run_config(
    label: str, engine_name: str, options: dict[str, Any], pages: Sequence[Path], jobs: int
) -> str:
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
    shown = ", ".join(f"{k}={v}" for k, v in options.items()) or "defaults"
    return (
        f"| {label} | {shown} | {median:.2f} | {wall:.2f} | {recall:.1%} | {precision:.1%} "
        f"| {cer:.1%} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FUNSD split folder")
    parser.add_argument("--limit", type=int, default=0, help="first N forms (0 = all)")
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

    pages = sorted((args.data / "images").glob("*.png"))
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

    sys.stdout.write(f"{len(pages)} FUNSD forms from {args.data.resolve()}, jobs={args.jobs}\n\n")
    sys.stdout.write(
        "| engine:setting | options | median s/page | wall s/page | word recall "
        "| word precision | page CER |\n|---|---|---|---|---|---|---|\n"
    )
    for label, engine_name, options in runs:
        sys.stdout.write(run_config(label, engine_name, options, pages, args.jobs) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
