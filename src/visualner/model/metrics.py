"""Entity-level precision, recall and F1, computed the way seqeval does it.

We implement it ourselves so the app does not depend on seqeval at run time; the unit tests
check our figures against seqeval when it is installed. Chunking follows seqeval's default
(conlleval) rules for BIO: an ``I-X`` after ``O`` or after another type starts a new entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Span = tuple[str, int, int]  # (label, first index, last index + 1)


def _split_tag(tag: str) -> tuple[str, str]:
    if tag == "O" or "-" not in tag:
        return "O", ""
    prefix, label = tag.split("-", 1)
    return prefix, label


def bio_to_spans(tags: Sequence[str]) -> list[Span]:
    """Decode BIO tags into ``(label, start, end)`` spans with ``end`` exclusive."""
    spans: list[Span] = []
    start = -1
    current = ""
    for index, tag in enumerate(tags):
        prefix, label = _split_tag(tag)
        starts_new = prefix == "B" or (prefix == "I" and label != current)
        if current and (prefix == "O" or starts_new):
            spans.append((current, start, index))
            current = ""
        if starts_new:
            current, start = label, index
    if current:
        spans.append((current, start, len(tags)))
    return spans


@dataclass(frozen=True, slots=True)
class LabelScore:
    """Precision, recall and F1 for one entity type (or all of them, micro-averaged)."""

    precision: float
    recall: float
    f1: float
    support: int  # gold entities
    predicted: int
    correct: int


def _score(correct: int, predicted: int, support: int) -> LabelScore:
    precision = correct / predicted if predicted else 0.0
    recall = correct / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelScore(precision, recall, f1, support, predicted, correct)


@dataclass(frozen=True, slots=True)
class EntityReport:
    """Micro-averaged and per-label entity scores."""

    micro: LabelScore
    per_label: dict[str, LabelScore] = field(default_factory=dict)


def score_entity_sets(
    gold: Iterable[Iterable[tuple[str, object]]], predicted: Iterable[Iterable[tuple[str, object]]]
) -> EntityReport:
    """Score entities given per document as ``(label, key)`` pairs; a match needs both equal.

    ``key`` is whatever identifies the words of an entity: a (start, end) span for sequences,
    a tuple of word indices for entities that need not be contiguous in reading order.
    """
    counts: dict[str, list[int]] = {}  # label -> [correct, predicted, support]
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        gold_set = set(gold_doc)
        predicted_set = set(predicted_doc)
        for label, _key in gold_set:
            counts.setdefault(label, [0, 0, 0])[2] += 1
        for item in predicted_set:
            label = item[0]
            counts.setdefault(label, [0, 0, 0])[1] += 1
            if item in gold_set:
                counts[label][0] += 1
    per_label = {label: _score(*counts[label]) for label in sorted(counts)}
    totals = [sum(c[k] for c in counts.values()) for k in range(3)]
    return EntityReport(micro=_score(*totals), per_label=per_label)


def entity_report(
    gold_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]
) -> EntityReport:
    """seqeval-style entity scores over BIO-tagged sequences."""

    def as_items(tags: Sequence[str]) -> list[tuple[str, object]]:
        return [(label, (start, end)) for label, start, end in bio_to_spans(tags)]

    return score_entity_sets(
        [as_items(t) for t in gold_tags], [as_items(t) for t in predicted_tags]
    )
