"""The trained boosters chained into one prediction pipeline, shared by training and serving.

Step 0 guesses each word's label (``words.py``), step 1 links words (``grouping.py``), step 1b
merges groups (``merging.py``), step 2 labels groups (``segments.py``). Training runs the same
``Predictor`` with cross-fitted boosters to build the next step's training rows, so both see the
same mistakes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from visualner.model.grouping import (
    PageGeometry,
    build_geometry,
    candidate_edges,
    components,
    edge_feature_names,
    edge_features,
)
from visualner.model.image import to_gray
from visualner.model.merging import group_pairs, merge_feature_names, merge_features
from visualner.model.relations import (
    decode_links,
    entity_boxes,
    relation_candidates,
    relation_features,
)
from visualner.model.segments import group_feature_names, group_features
from visualner.model.types import LabeledPage, TrainSettings
from visualner.model.words import WORD_CATEGORICAL, word_features
from visualner.words import PageWords

if TYPE_CHECKING:
    import lightgbm as lgb

EDGE_CATEGORICAL = tuple(edge_feature_names().index(n) for n in ("a_token", "b_token"))
GROUP_CATEGORICAL = tuple(
    group_feature_names().index(n) for n in ("first_token", "last_token", "text_token")
)
MERGE_CATEGORICAL = tuple(
    merge_feature_names().index(f"{side}_{n}")
    for side in ("g", "h")
    for n in ("first_token", "last_token", "text_token")
)
WORD_CATEGORICAL_COLUMNS = WORD_CATEGORICAL

Linked = tuple[list[list[int]], list[tuple[int, int, int]], np.ndarray]


def unknown_as_missing(matrix: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """LightGBM wants non-negative category ids: an unknown token (-1) becomes missing."""
    for column in columns:
        values = matrix[:, column]
        values[values < 0] = np.nan
    return matrix


def page_geometry(page: PageWords, image: Any = None) -> PageGeometry:
    """The layout facts of a page (and its image's ink, when given) that all steps read."""
    return build_geometry(page.words, page.width, page.height, to_gray(image))


@dataclass(slots=True)
class Vocabulary:
    """Frequent words and repeated short entity texts ("date:", "to:"), as category ids."""

    tokens: dict[str, int]
    phrases: dict[str, int]

    @classmethod
    def build(cls, examples: Sequence[LabeledPage], settings: TrainSettings) -> Vocabulary:
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


@dataclass(slots=True)
class Predictor:
    """The boosters and what they need; any booster may be None (that step is skipped)."""

    class_names: list[str]
    vocabulary: Vocabulary
    threshold: float
    words: lgb.Booster | None = None
    link: lgb.Booster | None = None
    merge: lgb.Booster | None = None
    classes: lgb.Booster | None = None
    context: lgb.Booster | None = None
    relations: lgb.Booster | None = None
    relation_pairs: set[tuple[str, str]] = field(default_factory=set)

    def word_probs(self, geo: PageGeometry) -> np.ndarray | None:
        """Step 0: (words, classes) label guesses, or None without a word booster."""
        if self.words is None or not geo.words:
            return None
        rows = word_features(geo, self.vocabulary.tokens)
        result = self.words.predict(unknown_as_missing(rows, WORD_CATEGORICAL), num_threads=1)
        return np.asarray(result, dtype=float).reshape(len(geo.words), len(self.class_names))

    def linked(self, geo: PageGeometry) -> Linked:
        """Step 1: components of the kept edges, with all candidate edges and their scores."""
        edges = candidate_edges(geo)
        scores = np.zeros(len(edges))
        if edges and self.link is not None:
            rows = edge_features(geo, edges, self.vocabulary.tokens)
            scores = np.asarray(
                self.link.predict(unknown_as_missing(rows, EDGE_CATEGORICAL), num_threads=1)
            )
        kept = [
            (a, b) for (a, b, _kind), q in zip(edges, scores, strict=True) if q > self.threshold
        ]
        return components(len(geo.words), kept), edges, scores

    def merge_rows(
        self, geo: PageGeometry, linked: Linked
    ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Step 1b's candidate pairs of groups and their feature rows."""
        groups, edges, scores = linked
        pairs, stats = group_pairs(groups, edges, scores)
        if not pairs:
            return [], np.zeros((0, len(merge_feature_names())))
        rows, _neighbours = self.described(geo, groups)
        return pairs, merge_features(geo, groups, rows, pairs, stats)

    def merged(self, geo: PageGeometry, linked: Linked) -> list[list[int]]:
        """Step 1b: join the pairs of groups the merge classifier keeps."""
        groups = linked[0]
        if self.merge is None:
            return groups
        pairs, rows = self.merge_rows(geo, linked)
        if not pairs:
            return groups
        q = self.merge.predict(unknown_as_missing(rows, MERGE_CATEGORICAL), num_threads=1)
        joined = [
            (groups[g][0], groups[h][0]) for (g, h), p in zip(pairs, q, strict=True) if p > 0.5
        ]
        if not joined:
            return groups
        chains = [(m[0], i) for m in groups for i in m[1:]]
        return components(len(geo.words), chains + joined)

    def groups(self, geo: PageGeometry) -> list[list[int]]:
        """Candidate entities: step 0's guesses, step 1's linked words, then step 1b's merges."""
        geo.word_probs = self.word_probs(geo)
        return self.merged(geo, self.linked(geo))

    def probabilities(self, geo: PageGeometry, groups: list[list[int]]) -> np.ndarray:
        """(groups, classes) label probabilities; class 0 is "other"."""
        out = np.zeros((len(groups), len(self.class_names)))
        if not groups:
            return out
        if self.classes is None:
            out[:, 0] = 1.0
            return out
        rows, neighbours = self.described(geo, groups)
        first = self.first_guess(rows)
        if self.context is None:
            return first
        stacked = context_features(rows, neighbours, first)
        result = self.context.predict(unknown_as_missing(stacked, GROUP_CATEGORICAL), num_threads=1)
        return np.asarray(result, dtype=float).reshape(len(groups), len(self.class_names))

    def described(
        self, geo: PageGeometry, groups: list[list[int]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``group_features`` of ``groups``, kept on ``geo`` for the next step: when step 1b
        merges nothing, step 2 describes the very groups step 1b did (about a tenth of a page's
        prediction time)."""
        key = (id(self.vocabulary), [tuple(g) for g in groups])
        if geo.described is not None and geo.described[0] == key:
            return geo.described[1], geo.described[2]
        rows, neighbours = group_features(
            geo, groups, self.vocabulary.tokens, self.vocabulary.phrases
        )
        geo.described = (key, rows, neighbours)
        return rows, neighbours

    def relation_rows(
        self, geo: PageGeometry, labels: Sequence[str], members: Sequence[Sequence[int]]
    ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Step 3's candidate (source, target) entity pairs and their feature rows."""
        if not members or not self.relation_pairs:
            return [], np.zeros((0, 0))
        boxes = entity_boxes(geo.boxes, members)
        candidates = relation_candidates(labels, boxes, self.relation_pairs)
        if not candidates:
            return [], np.zeros((0, 0))
        rank = {word: position for position, word in enumerate(geo.layout.order)}
        colon_end = [geo.words[max(m, key=lambda i: rank[i])].text.endswith(":") for m in members]
        rows = relation_features(
            labels,
            self.class_names,
            boxes,
            [len(m) for m in members],
            colon_end,
            candidates,
            geo.median_height,
            (geo.width, geo.height),
        )
        return candidates, rows

    def links(
        self, geo: PageGeometry, labels: Sequence[str], members: Sequence[Sequence[int]]
    ) -> list[tuple[int, int, float]]:
        """Step 3: ``(source, target, score)`` links between the given entities."""
        if self.relations is None:
            return []
        candidates, rows = self.relation_rows(geo, labels, members)
        if not candidates:
            return []
        scores = np.asarray(self.relations.predict(rows, num_threads=1), dtype=float)
        return decode_links(candidates, scores)

    def first_guess(self, rows: np.ndarray) -> np.ndarray:
        """Step 2's first labeller on group feature rows: (groups, classes) probabilities."""
        if self.classes is None:
            out = np.zeros((len(rows), len(self.class_names)))
            out[:, 0] = 1.0
            return out
        result = self.classes.predict(
            unknown_as_missing(rows.copy(), GROUP_CATEGORICAL), num_threads=1
        )
        return np.asarray(result, dtype=float).reshape(len(rows), len(self.class_names))


def context_features(rows: np.ndarray, neighbours: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Group rows followed by the first labeller's guesses for the group and for its
    neighbours left, right, above and below (missing where there is none)."""
    padded = np.vstack([probs, np.full((1, probs.shape[1]), np.nan)])
    sides = [
        padded[np.where(neighbours[:, side] >= 0, neighbours[:, side], len(probs))]
        for side in range(4)
    ]
    return np.hstack([rows, probs, *sides])
