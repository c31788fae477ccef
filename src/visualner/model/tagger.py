"""Train a page tagger on a project's own annotations and pre-label new pages with entities.

A chain of gradient-boosted tree models (LightGBM) on text and layout features (and, when
given, cues from the page image), each trained on what the previous ones predict:

0. *Word labels* (``words.py``): a first guess at each word's label, read by the next steps.
1. *Grouping* (``grouping.py``): every word is joined to the next word on its line and to the
   nearest word below it by a candidate edge; a binary classifier keeps the edges whose two
   words belong to one entity, and the connected components become candidate entities.
   1b. *Merging* (``merging.py``): pairs of candidates that touch are joined when a pair
   classifier on whole-group features says so.
2. *Labelling* (``segments.py``): each candidate is classified as one of the labels or "other"
   from features of the whole group and of its neighbours; a second labeller re-reads the first
   one's guesses for the group and its neighbours (right of a question sits its answer).
3. *Links* (``relations.py``): entity pairs (question -> answer) from their geometry.

Training (``training.py``) cross-fits every step by page fold, so later steps learn from the
mistakes earlier steps make on pages they did not see. Its training and prediction times are
in docs/model.md (``bench/model.py`` measures them).

Public API: ``train`` -> ``TrainedModel``; ``TrainedModel.predict`` -> ``PredictedEntity`` list;
``TrainedModel.predict_document`` -> entities and links; ``word_marginals`` / ``uncertainty``;
``evaluate`` -> ``EvaluationReport``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from visualner.errors import InvalidInput
from visualner.model.boosting import lightgbm
from visualner.model.grouping import FEATURES_VERSION, PageGeometry
from visualner.model.metrics import EntityReport, score_entity_sets
from visualner.model.pipeline import Predictor, Vocabulary, page_geometry
from visualner.model.training import fit_weights
from visualner.model.types import (
    OTHER,
    Entity,
    LabeledPage,
    PagePrediction,
    PredictedEntity,
    PredictedLink,
    TrainSettings,
)
from visualner.words import PageWords

if TYPE_CHECKING:
    import lightgbm as lgb

__all__ = [
    "OTHER",
    "Entity",
    "EvaluationReport",
    "LabeledPage",
    "PagePrediction",
    "PredictedEntity",
    "PredictedLink",
    "TrainSettings",
    "TrainedModel",
    "bio_tags_for",
    "evaluate",
    "train",
]

logger = logging.getLogger(__name__)


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


class TrainedModel:
    """A trained tagger: the two boosters plus what is needed to check they fit the features.

    ``weights`` is the serialised form (JSON bytes) that ``artifact.dump_model`` stores.
    """

    def __init__(
        self,
        *,
        weights: bytes,
        labels: Sequence[str],
        features_version: int = FEATURES_VERSION,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.weights = weights
        self.labels = tuple(labels)
        self.features_version = features_version
        self.metadata: dict[str, Any] = dict(metadata or {})
        try:
            payload = json.loads(weights)

            def booster(key: str) -> lgb.Booster | None:
                text = payload.get(key, "")
                return lightgbm().Booster(model_str=text) if text else None

            self._predictor = Predictor(
                class_names=list(payload["class_names"]),
                vocabulary=Vocabulary(tokens=payload["tokens"], phrases=payload["phrases"]),
                threshold=float(payload["threshold"]),
                words=booster("words"),
                link=booster("link"),
                merge=booster("merge"),
                classes=booster("classes"),
                context=booster("context"),
                relations=booster("relations"),
                relation_pairs={(a, b) for a, b in payload.get("relation_pairs", [])},
            )
        except (ValueError, KeyError, TypeError, lightgbm().basic.LightGBMError) as error:
            raise InvalidInput(f"The model weights are damaged: {error}") from error

    def _groups(self, page: PageWords, image: Any) -> tuple[list[list[int]], np.ndarray]:
        return self._grouped(page, image)[1:]

    def _grouped(
        self, page: PageWords, image: Any
    ) -> tuple[PageGeometry | None, list[list[int]], np.ndarray]:
        if not page.words:
            return None, [], np.zeros((0, len(self._predictor.class_names)))
        geo = page_geometry(page, image)
        groups = self._predictor.groups(geo)
        return geo, groups, self._predictor.probabilities(geo, groups)

    def predict(self, page: PageWords, image: Any = None) -> list[PredictedEntity]:
        """Entities on the page, each a group of words, with the labeller's confidence.

        ``image`` (the page image, PIL or numpy, optional) adds ink and ruling-line cues.
        """
        _geo, groups, probabilities = self._grouped(page, image)
        return self._entities(groups, probabilities)

    def predict_document(self, page: PageWords, image: Any = None) -> PagePrediction:
        """``predict``'s entities plus the links between them (question -> answer).

        Links index the returned ``entities``; a model trained on pages without links (or
        saved before links existed) returns none.
        """
        geo, groups, probabilities = self._grouped(page, image)
        entities = self._entities(groups, probabilities)
        uncertainty = _uncertainty(len(page.words), groups, probabilities)
        if geo is None or not entities:
            return PagePrediction(entities=entities, links=[], uncertainty=uncertainty)
        found = self._predictor.links(
            geo, [e.label for e in entities], [e.word_indices for e in entities]
        )
        return PagePrediction(
            entities=entities,
            links=[PredictedLink(source=s, target=t, score=q) for s, t, q in found],
            uncertainty=uncertainty,
        )

    def _entities(
        self, groups: list[list[int]], probabilities: np.ndarray
    ) -> list[PredictedEntity]:
        names = self._predictor.class_names
        entities: list[PredictedEntity] = []
        for group, row in zip(groups, probabilities, strict=True):
            best = int(np.argmax(row))
            if best:
                entities.append(
                    PredictedEntity(
                        label=names[best], word_indices=tuple(group), score=float(row[best])
                    )
                )
        return entities

    def tag_words(self, page: PageWords, image: Any = None) -> tuple[list[int], list[str]]:
        """The model's reading order (indices into ``page.words``) and a BIO tag per word in it.

        An entity whose words are not one run in this order shows as several runs here.
        """
        if not page.words:
            return [], []
        order = page_geometry(page).layout.order
        rank = {word: position for position, word in enumerate(order)}
        tags = ["O"] * len(order)
        for entity in self.predict(page, image):
            for k, word in enumerate(sorted(entity.word_indices, key=lambda i: rank[i])):
                tags[rank[word]] = f"{'B' if k == 0 else 'I'}-{entity.label}"
        return order, tags

    def word_marginals(self, page: PageWords, image: Any = None) -> list[dict[str, float]]:
        """For each word of ``page.words`` (caller's order), the probability of every tag.

        A word carries its group's label probabilities: ``B-`` on the group's first word,
        ``I-`` on the others, ``O`` for "other".
        """
        groups, probabilities = self._groups(page, image)
        names = self._predictor.class_names
        marginals: list[dict[str, float]] = [{} for _ in page.words]
        for group, row in zip(groups, probabilities, strict=True):
            for k, word in enumerate(group):
                prefix = "B" if k == 0 else "I"
                marginals[word] = {
                    (OTHER if c == 0 else f"{prefix}-{name}"): float(row[c])
                    for c, name in enumerate(names)
                }
        return marginals

    def uncertainty(self, page: PageWords, image: Any = None) -> float:
        """1 - mean over words of the most likely tag's probability; higher means label me first."""
        groups, probabilities = self._groups(page, image)
        return _uncertainty(len(page.words), groups, probabilities)


def _uncertainty(word_count: int, groups: list[list[int]], probabilities: np.ndarray) -> float:
    """1 - the mean over words of their group's most likely label probability (0: no words).

    ``predict_document`` and ``uncertainty`` share it, so pre-annotation runs the model once a
    page for both entities and uncertainty."""
    if not word_count:
        return 0.0
    tops = [0.0] * word_count
    for group, row in zip(groups, probabilities, strict=True):
        top = float(row.max())
        for word in group:
            tops[word] = top
    return 1.0 - sum(tops) / word_count


def train(
    examples: Sequence[LabeledPage],
    *,
    labels: Sequence[str],
    settings: TrainSettings | None = None,
) -> TrainedModel:
    """Fit the tagger on annotated pages; ``labels`` are the entity types to learn.

    Raises ``InvalidInput`` for an empty training set or entities with unknown labels.
    """
    _validate(examples, labels)
    started = time.perf_counter()
    weights = fit_weights(examples, labels, settings or TrainSettings())
    seconds = time.perf_counter() - started
    logger.info("trained tagger on %d pages in %.1f s", len(examples), seconds)
    return TrainedModel(
        weights=weights,
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
        predicted.append(
            [(e.label, e.word_indices) for e in model.predict(example.page, example.image)]
        )
    elapsed = time.perf_counter() - started
    for example in examples:
        gold.append([(e.label, tuple(sorted(e.word_indices))) for e in example.entities])
    return EvaluationReport(
        entities=score_entity_sets(gold, predicted),
        pages=len(examples),
        predict_ms_per_page=1000 * elapsed / max(len(examples), 1),
    )
