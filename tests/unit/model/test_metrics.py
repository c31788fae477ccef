"""BIO decoding edge cases and entity scores against hand-computed figures and seqeval."""

from __future__ import annotations

import importlib.util

import pytest

from visualner.model.metrics import bio_to_spans, entity_report

GOLD = [
    ["B-question", "I-question", "B-answer", "O", "B-header", "I-header"],
    ["B-answer", "I-answer", "I-answer", "O", "I-question"],
]
PREDICTED = [
    ["B-question", "I-question", "B-answer", "O", "B-header", "O"],
    ["B-answer", "I-answer", "B-answer", "O", "I-question"],
]


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        ([], []),
        (["O", "O"], []),
        (["B-a", "I-a", "I-a"], [("a", 0, 3)]),
        (["I-a", "I-a", "O"], [("a", 0, 2)]),  # I- after nothing starts an entity
        (["B-a", "I-b", "I-b"], [("a", 0, 1), ("b", 1, 3)]),  # type change splits
        (["B-a", "B-a"], [("a", 0, 1), ("a", 1, 2)]),
        (["O", "I-a"], [("a", 1, 2)]),  # entity at the very end
    ],
)
def test_bio_to_spans_follows_conlleval_chunking(
    tags: list[str], spans: list[tuple[str, int, int]]
) -> None:
    assert bio_to_spans(tags) == spans


def test_entity_report_matches_hand_count() -> None:
    report = entity_report(GOLD, PREDICTED)
    # gold: q, a, h | a(0-3), q(4)  -> 5; predicted: q, a, h(4-5) | a(0-2), a(2), q(4) -> 6
    # correct: q, a (page 1), q (page 2) -> 3
    assert (report.micro.correct, report.micro.predicted, report.micro.support) == (3, 6, 5)
    assert report.micro.precision == pytest.approx(0.5)
    assert report.micro.recall == pytest.approx(0.6)
    assert report.micro.f1 == pytest.approx(2 * 0.5 * 0.6 / 1.1)
    assert report.per_label["header"].f1 == 0.0
    assert report.per_label["question"].f1 == 1.0


@pytest.mark.skipif(importlib.util.find_spec("seqeval") is None, reason="seqeval not installed")
def test_entity_report_agrees_with_seqeval() -> None:
    from seqeval.metrics import classification_report, f1_score

    report = entity_report(GOLD, PREDICTED)
    assert report.micro.f1 == pytest.approx(f1_score(GOLD, PREDICTED))
    theirs = classification_report(GOLD, PREDICTED, output_dict=True, zero_division=0)
    for label, score in report.per_label.items():
        assert score.f1 == pytest.approx(theirs[label]["f1-score"])
        assert score.support == theirs[label]["support"]
