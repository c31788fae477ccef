"""Benchmark the in-app tagger on FUNSD: entity F1, train time, predict time per page.

Usage: ``.venv/bin/python bench/model.py [FUNSD training_data folder] [--images yes|no|both]
[--cv FOLDS] [--file-order]``

With ``both`` (the default) the model is trained and evaluated twice: with the page images
(the headline: the product passes them) and without (words and boxes only).

Fixed split: the 149 forms of FUNSD training_data sorted by name; every 5th (index 0, 5, ...)
is held out for evaluation, the other 119 train. Gold FUNSD words are the input (as from a
perfect text layer), put in reading order by ``visualner.model.reading_order``. An entity is
correct when its exact word set and label match (question / answer / header; "other" is not an
entity). Peers on FUNSD (entity F1, from the LayoutLM paper): LayoutLM-base 0.79, BERT-base 0.60.

``--file-order`` gives the model FUNSD's words in the file's order (entity after entity) instead
of our reading order: the sequence the published LayoutLM and BERT figures were scored on. That
order tells where entities start and end, which no OCR engine does, so the headline is without
it; with it the comparison with the peers is like for like.

``--cv K`` instead cross-validates inside the 119 training forms (page k is in fold k mod 4; the
first K of the 4 folds are evaluated, each by a model trained on the other three) and prints the
mean micro F1: model changes are chosen on that figure, never on the held-out forms.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the issue asks

import sys
import time
from dataclasses import replace
from pathlib import Path

from visualner.model.funsd import FUNSD_LABELS, load_funsd
from visualner.model.metrics import EntityReport, entity_report
from visualner.model.tagger import (
    Entity,
    LabeledPage,
    TrainedModel,
    bio_tags_for,
    evaluate,
    train,
)

DEFAULT_FOLDER = Path(__file__).resolve().parents[1].parent / "shared/datasets/funsd/training_data"
PEERS = {"LayoutLM-base": 0.79, "BERT-base": 0.60}


def split_pages(pages: list[LabeledPage]) -> tuple[list[LabeledPage], list[LabeledPage]]:
    """Every 5th page (by sorted name) is held out; the rest trains."""
    held_out = [p for k, p in enumerate(pages) if k % 5 == 0]
    training = [p for k, p in enumerate(pages) if k % 5 != 0]
    return training, held_out


def contiguous_share(pages: list[LabeledPage]) -> float:
    """Share of gold entities whose words are one run in reading order (the recall ceiling)."""
    total = contiguous = 0
    for page in pages:
        for entity in page.entities:
            total += 1
            indices = entity.word_indices
            contiguous += indices[-1] - indices[0] + 1 == len(indices)
    return contiguous / max(total, 1)


def print_report(title: str, report: EntityReport) -> None:
    print(f"\n{title}")
    print(f"  {'label':10s} {'P':>6s} {'R':>6s} {'F1':>6s} {'gold':>6s} {'pred':>6s}")
    for label, score in report.per_label.items():
        print(
            f"  {label:10s} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f}"
            f" {score.support:6d} {score.predicted:6d}"
        )
    micro = report.micro
    print(
        f"  {'micro':10s} {micro.precision:6.3f} {micro.recall:6.3f} {micro.f1:6.3f}"
        f" {micro.support:6d} {micro.predicted:6d}"
    )


def link_scores(model: TrainedModel, pages: list[LabeledPage]) -> tuple[float, float, float]:
    """Precision, recall, F1 of predicted question -> answer links, end to end: a link counts
    when both of its entities are predicted exactly (words and label) and the gold links them."""
    correct = predicted = support = 0
    for page in pages:
        gold_entities = [(e.label, tuple(sorted(e.word_indices))) for e in page.entities]
        gold = {(gold_entities[s], gold_entities[t]) for s, t in page.links}
        result = model.predict_document(page.page, page.image)
        found = {
            (
                (result.entities[link.source].label, result.entities[link.source].word_indices),
                (result.entities[link.target].label, result.entities[link.target].word_indices),
            )
            for link in result.links
        }
        correct += len(found & gold)
        predicted += len(found)
        support += len(gold)
    precision = correct / predicted if predicted else 0.0
    recall = correct / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def without_images(pages: list[LabeledPage]) -> list[LabeledPage]:
    """The same pages with no page image, as a caller that has only words would pass them."""
    return [replace(page, image=None) for page in pages]


def run(
    training: list[LabeledPage],
    held_out: list[LabeledPage],
    title: str,
    *,
    source_order: bool = False,
) -> float:
    """Train, evaluate and print one configuration; returns the entity micro F1."""
    print(f"\n=== {title} ===")
    started, cpu_started = time.perf_counter(), time.process_time()
    model = train(training, labels=FUNSD_LABELS)
    train_seconds = time.perf_counter() - started
    train_cpu = time.process_time() - cpu_started

    cpu_started = time.process_time()
    result = evaluate(model, held_out)
    predict_cpu_ms = 1000 * (time.process_time() - cpu_started) / max(len(held_out), 1)
    print_report("entity F1, exact word set + label (headline):", result.entities)

    # seqeval-style view: BIO over a word sequence, gold tags from the annotation. The sequence
    # is the model's reading order, or with --file-order the words as given (FUNSD's order).
    gold_tags: list[list[str]] = []
    predicted_tags: list[list[str]] = []
    for page in held_out:
        order, tags = model.tag_words(page.page, page.image)
        if source_order:
            order = list(range(len(page.page.words)))
            found = model.predict(page.page, page.image)
            predicted = [Entity(e.label, e.word_indices) for e in found]
            tags = bio_tags_for(replace(page, entities=predicted), order)
        gold_tags.append(bio_tags_for(page, order))
        predicted_tags.append(tags)
    sequence = "the words as given" if source_order else "reading order"
    print_report(f"seqeval-style BIO over {sequence}:", entity_report(gold_tags, predicted_tags))

    precision, recall, f1 = link_scores(model, held_out)
    print(f"\nlinks (question -> answer, end to end): P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")
    print(
        f"\ntrain: {train_seconds:.1f} s wall, {train_cpu:.1f} s CPU on {len(training)} forms"
        " (one core)"
    )
    print(
        f"predict: {result.predict_ms_per_page:.1f} ms/page wall, {predict_cpu_ms:.1f} ms/page"
        " CPU (one core)"
    )
    peers = ", ".join(f"{name} {f1:.2f}" for name, f1 in PEERS.items())
    print(f"micro F1 {result.entities.micro.f1:.3f}; target 0.80; peers: {peers}")
    return result.entities.micro.f1


def cross_validate(training: list[LabeledPage], evaluated_folds: int) -> float:
    """Mean micro F1 over the first ``evaluated_folds`` of 4 page folds of the training forms."""
    scores = []
    for fold in range(evaluated_folds):
        fit = [p for k, p in enumerate(training) if k % 4 != fold]
        check = [p for k, p in enumerate(training) if k % 4 == fold]
        started = time.perf_counter()
        model = train(fit, labels=FUNSD_LABELS)
        report = evaluate(model, check).entities
        scores.append(report.micro.f1)
        per_label = " ".join(f"{label} {s.f1:.3f}" for label, s in report.per_label.items())
        print(
            f"fold {fold}: micro F1 {report.micro.f1:.3f} (P {report.micro.precision:.3f}"
            f" R {report.micro.recall:.3f}; {per_label}) in {time.perf_counter() - started:.0f} s"
        )
    mean = sum(scores) / len(scores)
    print(f"cross-validated micro F1: {mean:.3f} over {len(scores)} folds")
    return mean


def main() -> None:
    arguments = sys.argv[1:]
    mode = "both"
    if "--images" in arguments:
        at = arguments.index("--images")
        mode = arguments[at + 1]
        del arguments[at : at + 2]
    cv_folds = 0
    if "--cv" in arguments:
        at = arguments.index("--cv")
        cv_folds = int(arguments[at + 1])
        del arguments[at : at + 2]
    file_order = "--file-order" in arguments
    if file_order:
        arguments.remove("--file-order")
    folder = Path(arguments[0]) if arguments else DEFAULT_FOLDER
    pages = load_funsd(folder, images=mode != "no", file_order=file_order)
    training, held_out = split_pages(pages)
    if cv_folds:
        images = mode != "no"
        print(f"cross-validation inside {len(training)} training forms, images: {images}")
        cross_validate(training if images else without_images(training), cv_folds)
        return
    print(f"FUNSD {folder}: {len(pages)} forms")
    print(f"split: train {len(training)} forms, evaluate {len(held_out)} forms (every 5th by name)")
    print("evaluate:", " ".join(p.name for p in held_out))
    sequence = "FUNSD's file order (--file-order)" if file_order else "our reading order"
    print(f"word order given to the model: {sequence}")
    print(f"gold entities contiguous in that order: {contiguous_share(pages):.3f} (all forms)")
    if mode in ("yes", "both"):
        run(training, held_out, "with page images (headline)", source_order=file_order)
    if mode in ("no", "both"):
        run(
            without_images(training),
            without_images(held_out),
            "without page images",
            source_order=file_order,
        )


if __name__ == "__main__":
    main()
