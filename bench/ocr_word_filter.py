"""Fit the rapidocr word filter on FUNSD and print its cross-validated effect.

Not a test. Runs the default engine without the filter over the training forms, labels each
word by whether it matches a gold word (exact text, IoU >= 0.5, as ``bench/ocr.py``), then:
4-fold cross-validation (form k in fold k mod 4) prints pooled held-out recall / precision per
threshold, and the model fitted on all forms is written to the engine's model file
(``visualner.ocr.engines.word_filter.MODEL_PATH``) unless ``--dry-run``. Example:

    nice -n 19 .venv/bin/python bench/ocr_word_filter.py
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import lightgbm
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr import DEFAULT_DATA, load

from visualner.ocr.engines.base import create_engine
from visualner.ocr.engines.evaluation import funsd_gold_words, matched_pairs
from visualner.ocr.engines.word_filter import MODEL_PATH, word_features

PARAMS = {"objective": "binary", "num_leaves": 15, "learning_rate": 0.1, "verbose": -1, "seed": 0}
ROUNDS = 150
THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3)


def fit(features: np.ndarray, labels: np.ndarray) -> lightgbm.Booster:
    return lightgbm.train(PARAMS, lightgbm.Dataset(features, labels), num_boost_round=ROUNDS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FUNSD split folder")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--dry-run", action="store_true", help="do not write the model file")
    args = parser.parse_args(argv)

    engine = create_engine("rapidocr", threads=1, word_filter=0.0)
    pages = sorted((args.data / "images").glob("*.png"))
    features, labels, golds = [], [], []
    for path in pages:
        gold = funsd_gold_words(path.parents[1] / "annotations" / f"{path.stem}.json")
        with Image.open(path) as image:
            words = engine.recognize(image).words
        hits = set(matched_pairs(words, gold).values())
        features.append(word_features(words))
        labels.append(np.array([int(i in hits) for i in range(len(words))]))
        golds.append(len(gold))
    sys.stdout.write(f"{len(pages)} FUNSD forms, load {load()}\n\n")
    chances: list[np.ndarray] = [np.zeros(0)] * len(pages)
    for fold in range(args.folds):
        train = [i for i in range(len(pages)) if i % args.folds != fold]
        model = fit(
            np.vstack([features[i] for i in train]), np.concatenate([labels[i] for i in train])
        )
        for i in range(fold, len(pages), args.folds):
            chances[i] = model.predict(features[i])
    sys.stdout.write("| drop below | held-out recall | held-out precision |\n|---|---|---|\n")
    for below in THRESHOLDS:
        kept = [chance >= below for chance in chances]
        matched = sum(int(labels[i][kept[i]].sum()) for i in range(len(pages)))
        predicted = sum(int(kept[i].sum()) for i in range(len(pages)))
        sys.stdout.write(
            f"| {below:g} | {matched / sum(golds):.1%} | {matched / predicted:.1%} |\n"
        )
    if not args.dry_run:
        fit(np.vstack(features), np.concatenate(labels)).save_model(str(MODEL_PATH))
        sys.stdout.write(f"\nwrote {MODEL_PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
