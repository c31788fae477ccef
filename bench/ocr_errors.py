"""Why OCR words miss FUNSD's gold words: every unmatched word, put in one class, counted.

Not a test: it prints a breakdown that says which lever pays (docs/ocr.md, session 4). A
predicted word that matches no gold word (exact text, IoU >= 0.5, as in ``bench/ocr.py``) is:

* **no gold word there**: under a fifth of its box overlaps gold words (lines, logos,
  stamps, text FUNSD left unannotated);
* **spans several gold words**: it covers most of two or more gold words (tokenisation:
  ``Ext.:`` for ``Ext.`` ``:``), split by whether the gold texts joined give its text;
* **text right, box off**: the best-overlapping gold word has its text but IoU < 0.5
  (or that gold word was matched by another prediction);
* **piece of a gold word**: it lies inside one longer gold word whose text contains it;
* **case only** / **punctuation only**: the texts agree ignoring case / everything but
  letters and digits;
* **misread**: the rest.

An unmatched gold word gets the mirror classes (not detected, inside a longer predicted
word, split into several predicted words, text right but box off, case, punctuation,
misread). Example:

    .venv/bin/python bench/ocr_errors.py --limit 40
    .venv/bin/python bench/ocr_errors.py --engine tesseract --offset 40 --limit 20
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract: one thread per page

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr import DEFAULT_DATA, load, parse_value

from visualner.ocr.engines.base import create_engine
from visualner.ocr.engines.evaluation import box_iou, funsd_gold_words, matched_pairs
from visualner.words import Word

Box = tuple[float, float, float, float]

#: A word whose box overlaps the other side's words by less than this share stands alone.
ALONE_BELOW = 0.2
#: A word counts as inside another box when this share of its area is covered.
INSIDE_SHARE = 0.5


def _area(box: Box) -> float:
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def _overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _same_but(word: str, other: str) -> str | None:
    """'case only' or 'punctuation only' when two different texts agree that far."""
    if word.lower() == other.lower():
        return "case only"
    if _letters_and_digits(word) and _letters_and_digits(word) == _letters_and_digits(other):
        return "punctuation only"
    return None


def classify(word: Word, others: Sequence[Word], taken: set[int], *, side: str) -> str:
    """The class of one unmatched word against the other side's words (see the docstring).

    ``side`` is "predicted" (``others`` are gold words) or "gold" (``others`` predicted);
    ``taken`` holds the indexes of ``others`` already matched to something else.
    """
    own_area = max(_area(word.bbox), 1.0)
    overlaps = [_overlap(word.bbox, other.bbox) for other in others]
    if not others or max(overlaps) / own_area < ALONE_BELOW:
        return "no gold word there" if side == "predicted" else "not detected"
    # Other-side words mostly inside this one: this word spans them.
    inside = [
        i
        for i, other in enumerate(others)
        if overlaps[i] / max(_area(other.bbox), 1.0) >= INSIDE_SHARE
    ]
    joined_right = "".join(others[i].text for i in sorted(inside, key=lambda i: others[i].bbox[0]))
    if len(inside) >= 2:
        spans = "spans several gold words" if side == "predicted" else "split into several words"
        return f"{spans}, text {'right' if joined_right == word.text else 'wrong'}"
    best = max(range(len(others)), key=lambda i: box_iou(word.bbox, others[i].bbox))
    other = others[best]
    if other.text == word.text:
        return "text right, taken by another" if best in taken else "text right, box off"
    container = max(range(len(others)), key=lambda i: overlaps[i])
    longer = others[container].text
    if (
        overlaps[container] / own_area >= INSIDE_SHARE
        and word.text in longer
        and longer != word.text
    ):
        return "piece of a gold word" if side == "predicted" else "inside a longer word"
    return _same_but(word.text, other.text) or "misread"


def error_classes(
    predicted: Sequence[Word], gold: Sequence[Word]
) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
    """Matched count, then (class, text) of every unmatched predicted and gold word."""
    matches = matched_pairs(predicted, gold)
    matched_pred = set(matches.values())
    pred_errors = [
        (classify(word, gold, set(matches), side="predicted"), word.text)
        for index, word in enumerate(predicted)
        if index not in matched_pred
    ]
    gold_errors = [
        (classify(word, predicted, matched_pred, side="gold"), word.text)
        for index, word in enumerate(gold)
        if index not in matches
    ]
    return len(matches), pred_errors, gold_errors


def print_table(title: str, errors: list[tuple[str, str]], total: int, examples: int) -> None:
    counts = Counter(kind for kind, _ in errors)
    texts: dict[str, list[str]] = defaultdict(list)
    for kind, text in errors:
        texts[kind].append(text)
    sys.stdout.write(f"\n| {title} | words | share | examples |\n|---|---|---|---|\n")
    for kind, count in counts.most_common():
        shown = " ".join(f"`{t}`" for t in texts[kind][:examples])
        sys.stdout.write(f"| {kind} | {count} | {count / total:.1%} | {shown} |\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FUNSD split folder")
    parser.add_argument("--offset", type=int, default=0, help="skip the first N forms")
    parser.add_argument("--limit", type=int, default=40, help="forms to read (0 = all)")
    parser.add_argument("--engine", default="rapidocr", help="engine name")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--examples", type=int, default=8, help="example texts per class")
    args = parser.parse_args(argv)

    pages = sorted((args.data / "images").glob("*.png"))[args.offset :]
    if args.limit:
        pages = pages[: args.limit]
    options: dict[str, Any] = {
        key: parse_value(value) for key, value in (item.split("=", 1) for item in args.set)
    }
    if args.engine == "rapidocr":
        options = {"threads": 1, **options}
    engine = create_engine(args.engine, **options)
    matched = gold_total = pred_total = 0
    pred_errors: list[tuple[str, str]] = []
    gold_errors: list[tuple[str, str]] = []
    for path in pages:
        gold = funsd_gold_words(path.parents[1] / "annotations" / f"{path.stem}.json")
        with Image.open(path) as image:
            predicted = engine.recognize(image).words
        page_matched, page_pred_errors, page_gold_errors = error_classes(predicted, gold)
        matched += page_matched
        gold_total += len(gold)
        pred_total += len(predicted)
        pred_errors += page_pred_errors
        gold_errors += page_gold_errors
    sys.stdout.write(
        f"{len(pages)} FUNSD forms (offset {args.offset}), {args.engine} {options or ''}, "
        f"load {load()}\nrecall {matched / gold_total:.1%} ({matched} of {gold_total} gold "
        f"words), precision {matched / max(pred_total, 1):.1%} (of {pred_total} predicted)\n"
    )
    print_table("unmatched predicted word", pred_errors, pred_total, args.examples)
    print_table("unmatched gold word", gold_errors, gold_total, args.examples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
