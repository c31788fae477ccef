"""Train a page tagger on a project's own annotations and pre-label new pages with entities.

Two steps, both gradient-boosted trees (LightGBM) on layout features:

1. *Grouping* (``grouping.py``): every word is joined to the next word on its line and to the
   nearest word below it by a candidate edge; a binary classifier keeps the edges whose two
   words belong to one entity, and the connected components become candidate entities.
2. *Labelling* (``segments.py``): each candidate is classified as one of the labels or "other"
   from features of the whole group and of its neighbours left, right, above and below.

The labeller is trained on the annotated entities plus the groups step 1 predicts on the
training pages (cross-fitted, so that it learns to call step 1's malformed groups "other").
It trains in seconds on one core and predicts a page in milliseconds.

Public API: ``train`` -> ``TrainedModel``; ``TrainedModel.predict`` -> ``PredictedEntity`` list;
``TrainedModel.word_marginals`` / ``uncertainty``; ``evaluate`` -> ``EvaluationReport``.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np

from visualner.errors import InvalidInput
from visualner.model.grouping import (
    FEATURES_VERSION,
    PageGeometry,
    build_geometry,
    candidate_edges,
    components,
    edge_feature_names,
    edge_features,
)
from visualner.model.image import to_gray
from visualner.model.merging import group_pairs, merge_feature_names, merge_features
from visualner.model.metrics import EntityReport, score_entity_sets
from visualner.model.segments import group_feature_names, group_features
from visualner.ocr.words import PageWords

logger = logging.getLogger(__name__)

OTHER = "O"
_EDGE_CATEGORICAL = tuple(edge_feature_names().index(n) for n in ("a_token", "b_token"))
_GROUP_CATEGORICAL = tuple(
    group_feature_names().index(n) for n in ("first_token", "last_token", "text_token")
)
_MERGE_CATEGORICAL = tuple(
    merge_feature_names().index(f"{side}_{n}")
    for side in ("g", "h")
    for n in ("first_token", "last_token", "text_token")
)


@dataclass(frozen=True, slots=True)
class Entity:
    """An annotated entity: a label and the indices of its words in ``page.words``."""

    label: str
    word_indices: tuple[int, ...]


@dataclass(slots=True)
class LabeledPage:
    """One training example: a page's words, its entities and question -> answer links.

    ``links`` holds pairs of indices into ``entities``. ``image`` is the page image, if known:
    its ink and ruling lines sharpen the grouping (any resolution; boxes are in page units).
    """

    page: PageWords
    entities: list[Entity]
    links: list[tuple[int, int]] = field(default_factory=list)
    name: str = ""
    image: Any = None  # the page image (PIL image or numpy array), optional


@dataclass(frozen=True, slots=True)
class PredictedEntity:
    """A pre-labelled entity: ``word_indices`` index ``page.words`` of the page passed in.

    ``score`` is the labeller's probability for the entity's label, a confidence in [0, 1].
    """

    label: str
    word_indices: tuple[int, ...]
    score: float


@dataclass(frozen=True, slots=True)
class TrainSettings:
    """Training knobs; the defaults were chosen on FUNSD (see bench/model.py)."""

    rounds: int = 200
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_data_in_leaf: int = 10
    vocabulary_size: int = 500
    min_token_count: int = 3
    link_threshold: float = 0.5
    cross_fit_folds: int = 2
    image_dropout: int = 5  # every n-th training page is used without its image (0: never)


# The model used to be a CRF; callers that import the old settings name keep working.
CrfSettings = TrainSettings


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


def _lgb_params(settings: TrainSettings, **extra: Any) -> dict[str, Any]:
    return {
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "min_data_per_group": 5,
        "cat_smooth": 10,
        "max_cat_to_onehot": 4,
        "feature_fraction": 0.8,
        "num_threads": 1,
        "deterministic": True,
        "seed": 7,
        "verbose": -1,
        **extra,
    }


def _unknown_as_missing(matrix: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """LightGBM wants non-negative category ids: an unknown token (-1) becomes missing."""
    for column in columns:
        values = matrix[:, column]
        values[values < 0] = np.nan
    return matrix


def _fit(
    rows: np.ndarray,
    targets: np.ndarray,
    categorical: Sequence[int],
    settings: TrainSettings,
    **objective: Any,
) -> lgb.Booster:
    dataset = lgb.Dataset(
        _unknown_as_missing(rows.copy(), categorical),
        targets,
        categorical_feature=list(categorical),
        params={"verbose": -1},
    )
    return lgb.train(_lgb_params(settings, **objective), dataset, settings.rounds)


def _fit_link(rows: np.ndarray, targets: np.ndarray, settings: TrainSettings) -> lgb.Booster | None:
    """The edge classifier, or None when there is nothing to learn (no edges, one class)."""
    if len(targets) == 0 or targets.min() == targets.max():
        return None
    return _fit(rows, targets, _EDGE_CATEGORICAL, settings, objective="binary")


def _geometry(page: PageWords, image: Any = None) -> PageGeometry:
    return build_geometry(page.words, page.width, page.height, to_gray(image))


def _training_geometries(
    examples: Sequence[LabeledPage], settings: TrainSettings
) -> list[PageGeometry]:
    """Each page's geometry; every ``image_dropout``-th page is seen without its image, so the
    model also learns to group pages that come without one."""
    drop = settings.image_dropout
    return [
        _geometry(e.page, None if drop and k % drop == drop - 1 else e.image)
        for k, e in enumerate(examples)
    ]


def _owners(example: LabeledPage) -> list[int]:
    owner = [-1] * len(example.page.words)
    for k, entity in enumerate(example.entities):
        for i in entity.word_indices:
            owner[i] = k
    return owner


@dataclass(slots=True)
class _Vocabulary:
    """Frequent words and repeated short entity texts ("date:", "to:"), as category ids."""

    tokens: dict[str, int]
    phrases: dict[str, int]

    @classmethod
    def build(cls, examples: Sequence[LabeledPage], settings: TrainSettings) -> _Vocabulary:
        words = Counter(w.text.lower() for e in examples for w in e.page.words)
        phrases = Counter(
            " ".join(e.page.words[i].text for i in entity.word_indices).lower()
            for e in examples
            for entity in e.entities
            if len(entity.word_indices) <= 5
        )
        common = [
            t
            for t, n in words.most_common(settings.vocabulary_size)
            if n >= settings.min_token_count
        ]
        repeated = [t for t, n in phrases.most_common(settings.vocabulary_size // 2) if n >= 2]
        return cls(
            tokens={t: k for k, t in enumerate(common)},
            phrases={t: k for k, t in enumerate(repeated)},
        )


class _Predictor:
    """The two boosters and what they need; shared by training (cross-fit) and prediction."""

    def __init__(
        self,
        link: lgb.Booster | None,
        classes: lgb.Booster | None,
        class_names: Sequence[str],
        vocabulary: _Vocabulary,
        threshold: float,
        merge: lgb.Booster | None = None,
    ) -> None:
        self.merge = merge
        self.link = link
        self.classes = classes
        self.class_names = list(class_names)
        self.vocabulary = vocabulary
        self.threshold = threshold

    def linked(
        self, geo: PageGeometry
    ) -> tuple[list[list[int]], list[tuple[int, int, int]], np.ndarray]:
        """Step 1: components of the kept edges, with all candidate edges and their scores."""
        edges = candidate_edges(geo)
        scores = np.zeros(len(edges))
        if edges and self.link is not None:
            rows = edge_features(geo, edges, self.vocabulary.tokens)
            scores = np.asarray(
                self.link.predict(_unknown_as_missing(rows, _EDGE_CATEGORICAL), num_threads=1)
            )
        kept = [
            (a, b) for (a, b, _kind), q in zip(edges, scores, strict=True) if q > self.threshold
        ]
        return components(len(geo.words), kept), edges, scores

    def merge_rows(
        self,
        geo: PageGeometry,
        groups: list[list[int]],
        edges: list[tuple[int, int, int]],
        scores: np.ndarray,
    ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Step 1b's candidate pairs of groups and their feature rows."""
        pairs, stats = group_pairs(groups, edges, scores)
        if not pairs:
            return [], np.zeros((0, len(merge_feature_names())))
        rows, _neighbours = group_features(
            geo, groups, self.vocabulary.tokens, self.vocabulary.phrases
        )
        return pairs, merge_features(geo, groups, rows, pairs, stats)

    def merged(
        self,
        geo: PageGeometry,
        groups: list[list[int]],
        edges: list[tuple[int, int, int]],
        scores: np.ndarray,
    ) -> list[list[int]]:
        """Step 1b: join the pairs of groups the merge classifier keeps."""
        if self.merge is None:
            return groups
        pairs, rows = self.merge_rows(geo, groups, edges, scores)
        if not pairs:
            return groups
        q = self.merge.predict(_unknown_as_missing(rows, _MERGE_CATEGORICAL), num_threads=1)
        joined = [
            (groups[g][0], groups[h][0]) for (g, h), p in zip(pairs, q, strict=True) if p > 0.5
        ]
        if not joined:
            return groups
        chains = [(m[0], i) for m in groups for i in m[1:]]
        return components(len(geo.words), chains + joined)

    def groups(self, geo: PageGeometry) -> list[list[int]]:
        """Candidate entities: step 1's linked words, then step 1b's merges."""
        groups, edges, scores = self.linked(geo)
        return self.merged(geo, groups, edges, scores)

    def probabilities(self, geo: PageGeometry, groups: list[list[int]]) -> np.ndarray:
        """(groups, classes) label probabilities; class 0 is "other"."""
        out = np.zeros((len(groups), len(self.class_names)))
        if not groups:
            return out
        if self.classes is None:
            out[:, 0] = 1.0
            return out
        rows, _neighbours = group_features(
            geo, groups, self.vocabulary.tokens, self.vocabulary.phrases
        )
        result = self.classes.predict(_unknown_as_missing(rows, _GROUP_CATEGORICAL), num_threads=1)
        return np.asarray(result, dtype=float).reshape(len(groups), len(self.class_names))


def _edge_rows(
    examples: Sequence[LabeledPage], geometries: Sequence[PageGeometry], vocabulary: _Vocabulary
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Link training rows: edges touching an annotated word; 1 when both share an entity."""
    rows: list[np.ndarray] = []
    targets: list[int] = []
    pages: list[int] = []
    for index, (example, geo) in enumerate(zip(examples, geometries, strict=True)):
        edges = candidate_edges(geo)
        if not edges:
            continue
        owner = _owners(example)
        features = edge_features(geo, edges, vocabulary.tokens)
        for row, (a, b, _kind) in zip(features, edges, strict=True):
            if owner[a] < 0 and owner[b] < 0:
                continue  # unannotated words: nothing says where their groups end
            rows.append(row)
            targets.append(int(owner[a] == owner[b]))
            pages.append(index)
    width = len(edge_feature_names())
    return (
        np.array(rows, dtype=float).reshape(len(rows), width),
        np.array(targets, dtype=float),
        np.array(pages, dtype=int),
    )


def _gold_groups(example: LabeledPage, geo: PageGeometry) -> list[list[int]]:
    """The annotated entities, then runs of unannotated words next to each other on a line."""
    groups = [sorted(entity.word_indices) for entity in example.entities]
    covered = {i for entity in example.entities for i in entity.word_indices}
    for line in geo.lines:
        run: list[int] = []
        for i in line:
            joined = run and geo.layout.segment[run[-1]] == geo.layout.segment[i]
            if i in covered or (run and not joined):
                if run:
                    groups.append(run)
                run = []
            if i not in covered:
                run.append(i)
        if run:
            groups.append(run)
    return groups


def _class_rows(
    example: LabeledPage,
    geo: PageGeometry,
    groups: list[list[int]],
    class_names: Sequence[str],
    vocabulary: _Vocabulary,
) -> tuple[np.ndarray, list[int]]:
    """Labeller rows: a group is its entity's label when it is exactly an entity, else other."""
    label_of = {
        tuple(sorted(entity.word_indices)): class_names.index(entity.label)
        for entity in example.entities
    }
    targets = [label_of.get(tuple(g), 0) for g in groups]
    rows, _neighbours = group_features(geo, groups, vocabulary.tokens, vocabulary.phrases)
    return rows, targets


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
            link, classes = payload["link"], payload["classes"]
            self._predictor = _Predictor(
                link=lgb.Booster(model_str=link) if link else None,
                classes=lgb.Booster(model_str=classes) if classes else None,
                class_names=payload["class_names"],
                vocabulary=_Vocabulary(tokens=payload["tokens"], phrases=payload["phrases"]),
                threshold=float(payload["threshold"]),
                merge=lgb.Booster(model_str=payload["merge"]) if payload.get("merge") else None,
            )
        except (ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as error:
            raise InvalidInput(f"The model weights are damaged: {error}") from error

    def _groups(self, page: PageWords, image: Any) -> tuple[list[list[int]], np.ndarray]:
        if not page.words:
            return [], np.zeros((0, len(self._predictor.class_names)))
        geo = _geometry(page, image)
        groups = self._predictor.groups(geo)
        return groups, self._predictor.probabilities(geo, groups)

    def predict(self, page: PageWords, image: Any = None) -> list[PredictedEntity]:
        """Entities on the page, each a group of words, with the labeller's confidence.

        ``image`` (the page image, PIL or numpy, optional) adds ink and ruling-line cues.
        """
        groups, probabilities = self._groups(page, image)
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
        order = _geometry(page).layout.order
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
        marginals = self.word_marginals(page, image)
        if not marginals:
            return 0.0
        return 1.0 - sum(max(m.values()) for m in marginals) / len(marginals)


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
    settings = settings or TrainSettings()
    started = time.perf_counter()
    class_names = [OTHER, *labels]
    vocabulary = _Vocabulary.build(examples, settings)

    geometries = _training_geometries(examples, settings)
    edge_rows, edge_targets, edge_pages = _edge_rows(examples, geometries, vocabulary)
    link = _fit_link(edge_rows, edge_targets, settings)

    # Cross-fit: group each training page with a link model that did not see it, so that the
    # labeller learns what step 1's mistakes look like on new pages (and to call them other).
    folds = settings.cross_fit_folds if len(examples) >= 2 * settings.cross_fit_folds else 1
    fold_links = (
        [
            _fit_link(
                edge_rows[edge_pages % folds != f], edge_targets[edge_pages % folds != f], settings
            )
            for f in range(folds)
        ]
        if folds > 1
        else [link]
    )
    # Step 1 on each training page with a link model that did not see it, then step 1b learns
    # which of those groups to join.
    step_one: list[tuple[list[list[int]], list[tuple[int, int, int]], np.ndarray]] = []
    merge_rows: list[np.ndarray] = []
    merge_targets: list[int] = []
    for index, (example, geo) in enumerate(zip(examples, geometries, strict=True)):
        linker = _Predictor(
            fold_links[index % folds], None, class_names, vocabulary, settings.link_threshold
        )
        linked = linker.linked(geo) if example.page.words else ([], [], np.zeros(0))
        step_one.append(linked)
        owner = _owners(example)
        pairs, rows = linker.merge_rows(geo, *linked)
        for (g, h), row in zip(pairs, rows, strict=True):
            owners = {owner[i] for i in linked[0][g]} | {owner[i] for i in linked[0][h]}
            if owners == {-1}:
                continue
            merge_rows.append(row)
            merge_targets.append(int(len(owners) == 1))
    merge = None
    if len(set(merge_targets)) > 1:
        merge = _fit(
            np.array(merge_rows),
            np.array(merge_targets, dtype=float),
            _MERGE_CATEGORICAL,
            settings,
            objective="binary",
        )
    class_rows: list[np.ndarray] = []
    class_targets: list[int] = []
    for example, geo, linked in zip(examples, geometries, step_one, strict=True):
        if not example.page.words:
            continue
        merger = _Predictor(None, None, class_names, vocabulary, settings.link_threshold, merge)
        gold = _gold_groups(example, geo)
        predicted = [g for g in merger.merged(geo, *linked) if g not in gold]
        for groups in (gold, predicted):
            if groups:
                rows, targets = _class_rows(example, geo, groups, class_names, vocabulary)
                class_rows.append(rows)
                class_targets.extend(targets)
    classes = None
    if len(set(class_targets)) > 1:
        classes = _fit(
            np.vstack(class_rows),
            np.array(class_targets, dtype=float),
            _GROUP_CATEGORICAL,
            settings,
            objective="multiclass",
            num_class=len(class_names),
        )
    weights = json.dumps(
        {
            "link": link.model_to_string() if link is not None else "",
            "merge": merge.model_to_string() if merge is not None else "",
            "classes": classes.model_to_string() if classes is not None else "",
            "class_names": class_names,
            "tokens": vocabulary.tokens,
            "phrases": vocabulary.phrases,
            "threshold": settings.link_threshold,
        }
    ).encode("utf-8")
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
