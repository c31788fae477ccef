"""Train a page tagger on a project's own annotations and pre-label new pages with entities.

The model is a linear-chain CRF (python-crfsuite) over the words of a page in the model's
reading order (``reading_order.py``) with layout-aware features (``features.py``). It trains
in seconds on one core, predicts a page in milliseconds, and gives per-word marginal
probabilities, which the app uses to rank pages for active learning.

Public API: ``train`` -> ``TrainedModel``; ``TrainedModel.predict`` -> ``PredictedEntity`` list;
``TrainedModel.word_marginals`` / ``uncertainty``; ``evaluate`` -> ``EvaluationReport``.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pycrfsuite

from visualner.errors import InvalidInput
from visualner.model.features import FEATURES_VERSION, build_context, page_features
from visualner.model.metrics import EntityReport, bio_to_spans, score_entity_sets
from visualner.model.reading_order import layout_words
from visualner.ocr.words import PageWords

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Entity:
    """An annotated entity: a label and the indices of its words in ``page.words``."""

    label: str
    word_indices: tuple[int, ...]


@dataclass(slots=True)
class LabeledPage:
    """One training example: a page's words, its entities and question -> answer links.

    ``links`` holds pairs of indices into ``entities``.
    """

    page: PageWords
    entities: list[Entity]
    links: list[tuple[int, int]] = field(default_factory=list)
    name: str = ""


@dataclass(frozen=True, slots=True)
class PredictedEntity:
    """A pre-labelled entity: ``word_indices`` index ``page.words`` of the page passed in.

    ``score`` is the mean marginal probability of the entity's tags, a confidence in [0, 1].
    """

    label: str
    word_indices: tuple[int, ...]
    score: float


@dataclass(frozen=True, slots=True)
class CrfSettings:
    """Training knobs for the CRF; the defaults were chosen on FUNSD (see bench/model.py)."""

    c1: float = 0.05
    c2: float = 0.02
    max_iterations: int = 150
    min_feature_freq: int = 1


def bio_tags_for(page: LabeledPage, order: Sequence[int]) -> list[str]:
    """BIO tags in the given reading order: ``B-`` on the first word of each entity read."""
    tag_of: dict[int, str] = {}
    rank = {word: position for position, word in enumerate(order)}
    for entity in page.entities:
        ordered = sorted(entity.word_indices, key=lambda i: rank[i])
        for k, word in enumerate(ordered):
            tag_of[word] = f"{'B' if k == 0 else 'I'}-{entity.label}"
    return [tag_of.get(word, "O") for word in order]


def _validate(examples: Sequence[LabeledPage], labels: Sequence[str]) -> None:
    if not examples:
        raise InvalidInput("Training needs at least one annotated page.")
    known = set(labels)
    for example in examples:
        count = len(example.page.words)
        for entity in example.entities:
            if entity.label not in known:
                raise InvalidInput(
                    f"Page {example.name or '?'} has label {entity.label!r}, "
                    f"which is not among the model labels {sorted(known)}."
                )
            if not entity.word_indices or not all(0 <= i < count for i in entity.word_indices):
                raise InvalidInput(
                    f"Page {example.name or '?'} has an entity with word indices outside the page."
                )


def _sequence(page: PageWords) -> tuple[list[int], pycrfsuite.ItemSequence]:
    layout = layout_words(page.words)
    ctx = build_context(page, layout)
    return layout.order, pycrfsuite.ItemSequence(page_features(ctx))


class TrainedModel:
    """A trained tagger: CRF weights plus what is needed to check they fit the features."""

    def __init__(
        self,
        *,
        crf_model: bytes,
        labels: Sequence[str],
        features_version: int = FEATURES_VERSION,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.crf_model = crf_model
        self.labels = tuple(labels)
        self.features_version = features_version
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(crf_model)

    def tag_words(self, page: PageWords) -> tuple[list[int], list[str]]:
        """The reading order (indices into ``page.words``) and the BIO tag of each word in it."""
        order, items = _sequence(page)
        tags = list(self._tagger.tag(items)) if order else []
        return order, tags

    def predict(self, page: PageWords) -> list[PredictedEntity]:
        """Entities on the page, each a run of words in reading order, with a confidence."""
        order, tags = self.tag_words(page)
        entities: list[PredictedEntity] = []
        for label, start, end in bio_to_spans(tags):
            probability = sum(self._tagger.marginal(tags[k], k) for k in range(start, end))
            entities.append(
                PredictedEntity(
                    label=label,
                    word_indices=tuple(sorted(order[start:end])),
                    score=probability / (end - start),
                )
            )
        return entities

    def word_marginals(self, page: PageWords) -> list[dict[str, float]]:
        """For each word of ``page.words`` (caller's order), the probability of every tag."""
        order, _tags = self.tag_words(page)
        all_tags = self._tagger.labels()
        marginals: list[dict[str, float]] = [{} for _ in page.words]
        for position, word in enumerate(order):
            marginals[word] = {tag: self._tagger.marginal(tag, position) for tag in all_tags}
        return marginals

    def uncertainty(self, page: PageWords) -> float:
        """1 - mean over words of the most likely tag's marginal; higher means label me first."""
        marginals = self.word_marginals(page)
        if not marginals:
            return 0.0
        return 1.0 - sum(max(m.values()) for m in marginals) / len(marginals)


def train(
    examples: Sequence[LabeledPage],
    *,
    labels: Sequence[str],
    settings: CrfSettings | None = None,
) -> TrainedModel:
    """Fit the tagger on annotated pages; ``labels`` are the entity types to learn.

    Raises ``InvalidInput`` for an empty training set or entities with unknown labels.
    """
    _validate(examples, labels)
    settings = settings or CrfSettings()
    started = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    for example in examples:
        order, items = _sequence(example.page)
        if order:
            trainer.append(items, bio_tags_for(example, order))
    trainer.set_params(
        {
            "c1": settings.c1,
            "c2": settings.c2,
            "max_iterations": settings.max_iterations,
            "feature.minfreq": settings.min_feature_freq,
            "feature.possible_transitions": True,
        }
    )
    handle, path = tempfile.mkstemp(suffix=".crfsuite")
    os.close(handle)
    try:
        trainer.train(path)
        with open(path, "rb") as model_file:
            crf_model = model_file.read()
    finally:
        os.unlink(path)
    seconds = time.perf_counter() - started
    logger.info("trained CRF on %d pages in %.1f s", len(examples), seconds)
    return TrainedModel(
        crf_model=crf_model,
        labels=labels,
        metadata={"train_pages": len(examples), "train_seconds": round(seconds, 2)},
    )


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Entity scores (exact word set and label) plus timing of prediction."""

    entities: EntityReport
    pages: int
    predict_ms_per_page: float


def evaluate(model: TrainedModel, examples: Sequence[LabeledPage]) -> EvaluationReport:
    """Score predictions against the annotations: an entity counts when words and label match.

    Entities are compared as sets of word indices, so an annotated entity that the reading
    order splits in two can never be matched: the figure is honest about that limit.
    """
    gold: list[list[tuple[str, object]]] = []
    predicted: list[list[tuple[str, object]]] = []
    started = time.perf_counter()
    for example in examples:
        predicted.append([(e.label, e.word_indices) for e in model.predict(example.page)])
    elapsed = time.perf_counter() - started
    for example in examples:
        gold.append([(e.label, tuple(sorted(e.word_indices))) for e in example.entities])
    return EvaluationReport(
        entities=score_entity_sets(gold, predicted),
        pages=len(examples),
        predict_ms_per_page=1000 * elapsed / max(len(examples), 1),
    )
