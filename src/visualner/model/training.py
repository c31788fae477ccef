"""Fit the tagger's boosters on annotated pages and serialise them (``tagger.train`` wraps this).

Each step is trained on what the previous steps *predict* on the training pages, not on the
gold answers: every page is run through boosters fitted without it (cross-fitting, by page
fold), so the later steps learn how much to trust the earlier ones on pages they have not seen.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from visualner.model.boosting import lightgbm
from visualner.model.grouping import (
    PageGeometry,
    candidate_edges,
    edge_feature_names,
    edge_features,
)
from visualner.model.pipeline import (
    EDGE_CATEGORICAL,
    GROUP_CATEGORICAL,
    MERGE_CATEGORICAL,
    WORD_CATEGORICAL,
    Linked,
    Predictor,
    Vocabulary,
    context_features,
    page_geometry,
    unknown_as_missing,
)
from visualner.model.segments import group_features
from visualner.model.types import OTHER, LabeledPage, TrainSettings
from visualner.model.words import word_features

if TYPE_CHECKING:
    import lightgbm as lgb


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


def _fit(
    rows: np.ndarray,
    targets: np.ndarray,
    categorical: Sequence[int],
    settings: TrainSettings,
    rounds: int | None = None,
    **objective: Any,
) -> lgb.Booster | None:
    """A booster, or None when there is nothing to learn (no rows, or a single class)."""
    if len(targets) == 0 or targets.min() == targets.max():
        return None
    dataset = lightgbm().Dataset(
        unknown_as_missing(rows.copy(), categorical),
        targets,
        categorical_feature=list(categorical),
        params={"verbose": -1},
    )
    return lightgbm().train(_lgb_params(settings, **objective), dataset, rounds or settings.rounds)


def _training_geometries(
    examples: Sequence[LabeledPage], settings: TrainSettings
) -> list[PageGeometry]:
    """Each page's geometry; every ``image_dropout``-th page is seen without its image, so the
    model also learns to group pages that come without one."""
    drop = settings.image_dropout
    return [
        page_geometry(e.page, None if drop and k % drop == drop - 1 else e.image)
        for k, e in enumerate(examples)
    ]


def _owners(example: LabeledPage) -> list[int]:
    owner = [-1] * len(example.page.words)
    for k, entity in enumerate(example.entities):
        for i in entity.word_indices:
            owner[i] = k
    return owner


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


class _Folds:
    """Page folds for cross-fitting: fit on the other folds, predict the held-out one."""

    def __init__(self, pages: int, settings: TrainSettings) -> None:
        self.count = settings.cross_fit_folds if pages >= 2 * settings.cross_fit_folds else 1
        self.of = np.arange(pages) % self.count

    def fit(
        self,
        rows: np.ndarray,
        targets: np.ndarray,
        row_pages: np.ndarray,
        fit: Any,
    ) -> list[lgb.Booster | None]:
        """One booster per fold, each fitted on the rows of the other folds' pages."""
        if self.count == 1:
            return [fit(rows, targets)]
        return [
            fit(rows[mask], targets[mask])
            for mask in (self.of[row_pages] != f for f in range(self.count))
        ]


@dataclass
class _Run:
    """What every step of one training run shares: the pages, their geometry and annotated
    owners (entity index per word, -1 for none), the vocabulary and the page folds."""

    examples: Sequence[LabeledPage]
    settings: TrainSettings
    class_names: list[str]
    vocabulary: Vocabulary
    geometries: list[PageGeometry]
    owners: list[list[int]]
    folds: _Folds

    def predictor(self, **boosters: Any) -> Predictor:
        return Predictor(
            self.class_names, self.vocabulary, self.settings.link_threshold, **boosters
        )

    def fit_multiclass(self, categorical: Sequence[int], rounds: int | None = None) -> Any:
        return lambda rows, targets: _fit(
            rows,
            targets,
            categorical,
            self.settings,
            rounds,
            objective="multiclass",
            num_class=len(self.class_names),
        )

    def fit_binary(self, categorical: Sequence[int]) -> Any:
        return lambda rows, targets: _fit(
            rows, targets, categorical, self.settings, objective="binary"
        )


def fit_weights(
    examples: Sequence[LabeledPage], labels: Sequence[str], settings: TrainSettings
) -> bytes:
    """Train every step and return the serialised boosters (JSON bytes)."""
    run = _Run(
        examples=examples,
        settings=settings,
        class_names=[OTHER, *labels],
        vocabulary=Vocabulary.build(examples, settings),
        geometries=_training_geometries(examples, settings),
        owners=[_owners(e) for e in examples],
        folds=_Folds(len(examples), settings),
    )
    words = _fit_words(run)
    link, fold_links = _fit_links(run)
    merge, step_one = _fit_merges(run, fold_links)
    classes, context = _fit_group_labels(run, merge, step_one)
    relation_pairs, relations = _fit_relations(
        examples, run.geometries, run.class_names, run.vocabulary, settings
    )
    return json.dumps(
        {
            "relations": relations.model_to_string() if relations is not None else "",
            "relation_pairs": sorted(relation_pairs),
            "words": words.model_to_string() if words is not None else "",
            "link": link.model_to_string() if link is not None else "",
            "merge": merge.model_to_string() if merge is not None else "",
            "classes": classes.model_to_string() if classes is not None else "",
            "context": context.model_to_string() if context is not None else "",
            "class_names": run.class_names,
            "tokens": run.vocabulary.tokens,
            "phrases": run.vocabulary.phrases,
            "threshold": settings.link_threshold,
        }
    ).encode("utf-8")


def _fit_words(run: _Run) -> lgb.Booster | None:
    """Step 0: each word's label. Leaves every page's cross-fitted word probabilities on its
    geometry, where the later steps read them."""
    word_rows = [word_features(geo, run.vocabulary.tokens) for geo in run.geometries]
    word_targets = [
        np.array(
            [run.class_names.index(e.entities[o].label) if o >= 0 else 0 for o in owner],
            dtype=float,
        )
        for e, owner in zip(run.examples, run.owners, strict=True)
    ]
    word_pages = np.concatenate([np.full(len(r), k, dtype=int) for k, r in enumerate(word_rows)])
    all_word_rows = np.vstack(word_rows)
    all_word_targets = np.concatenate(word_targets)
    fit_words = run.fit_multiclass(WORD_CATEGORICAL, run.settings.word_rounds)
    words = fit_words(all_word_rows, all_word_targets)
    fold_words = run.folds.fit(all_word_rows, all_word_targets, word_pages, fit_words)
    for k, geo in enumerate(run.geometries):
        geo.word_probs = run.predictor(words=fold_words[run.folds.of[k]]).word_probs(geo)
    return words


def _fit_links(run: _Run) -> tuple[lgb.Booster | None, list[lgb.Booster | None]]:
    """Step 1: links, on edges touching an annotated word (1 when both share an entity);
    returns the booster and one per fold."""
    edge_rows: list[np.ndarray] = []
    edge_targets: list[float] = []
    edge_pages: list[int] = []
    for k, (geo, owner) in enumerate(zip(run.geometries, run.owners, strict=True)):
        edges = candidate_edges(geo)
        if not edges:
            continue
        features = edge_features(geo, edges, run.vocabulary.tokens)
        for row, (a, b, _kind) in zip(features, edges, strict=True):
            if owner[a] < 0 and owner[b] < 0:
                continue  # unannotated words: nothing says where their groups end
            edge_rows.append(row)
            edge_targets.append(float(owner[a] == owner[b]))
            edge_pages.append(k)
    all_edge_rows = np.array(edge_rows, dtype=float).reshape(
        len(edge_rows), len(edge_feature_names())
    )
    all_edge_targets = np.array(edge_targets)
    fit_link = run.fit_binary(EDGE_CATEGORICAL)
    link = fit_link(all_edge_rows, all_edge_targets)
    fold_links = run.folds.fit(
        all_edge_rows, all_edge_targets, np.array(edge_pages, dtype=int), fit_link
    )
    return link, fold_links


def _fit_merges(
    run: _Run, fold_links: list[lgb.Booster | None]
) -> tuple[lgb.Booster | None, list[Linked]]:
    """Step 1b: merges of the groups that each fold's link booster makes on its held-out
    pages; returns the booster and those groups (what step 2 starts from)."""
    step_one: list[Linked] = []
    merge_rows: list[np.ndarray] = []
    merge_targets: list[float] = []
    for k, (example, geo, owner) in enumerate(
        zip(run.examples, run.geometries, run.owners, strict=True)
    ):
        linker = run.predictor(link=fold_links[run.folds.of[k]])
        linked = linker.linked(geo) if example.page.words else ([], [], np.zeros(0))
        step_one.append(linked)
        pairs, rows = linker.merge_rows(geo, linked)
        for (g, h), row in zip(pairs, rows, strict=True):
            members = {owner[i] for i in linked[0][g]} | {owner[i] for i in linked[0][h]}
            if members == {-1}:
                continue
            merge_rows.append(row)
            merge_targets.append(float(len(members) == 1))
    merge = run.fit_binary(MERGE_CATEGORICAL)(np.array(merge_rows), np.array(merge_targets))
    return merge, step_one


_Described = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]


def _describe_groups(
    run: _Run, merge: lgb.Booster | None, step_one: list[Linked]
) -> list[_Described]:
    """Step 2's rows: the gold groups and the (cross-fitted) predicted groups of each page; a
    predicted group that is not exactly an entity is "other", so the labeller learns to
    reject it. Each grouping is described whole (neighbours come from the same grouping); a
    predicted group that is also a gold one is marked not fresh, so it is trained once."""
    described: list[_Described] = []
    merger = run.predictor(merge=merge)
    for k, (example, geo, linked) in enumerate(
        zip(run.examples, run.geometries, step_one, strict=True)
    ):
        if not example.page.words:
            continue
        gold = _gold_groups(example, geo)
        known = {tuple(g) for g in gold}
        predicted = merger.merged(geo, linked)
        label_of = {
            tuple(sorted(entity.word_indices)): run.class_names.index(entity.label)
            for entity in example.entities
        }
        for groups, fresh in (
            (gold, [True] * len(gold)),
            (predicted, [tuple(g) not in known for g in predicted]),
        ):
            rows, neighbours = group_features(
                geo, groups, run.vocabulary.tokens, run.vocabulary.phrases
            )
            targets = np.array([label_of.get(tuple(g), 0) for g in groups], dtype=float)
            described.append((rows, neighbours, targets, np.array(fresh, dtype=bool), k))
    return described


def _fit_group_labels(
    run: _Run, merge: lgb.Booster | None, step_one: list[Linked]
) -> tuple[lgb.Booster | None, lgb.Booster | None]:
    """Step 2: the groups' labels; step 2b: the same, knowing the first labeller's
    (cross-fitted) guesses for the group and its neighbours (right of a question sits its
    answer)."""
    described = _describe_groups(run, merge, step_one)
    if not described:
        return None, None
    rows = np.vstack([d[0] for d in described])
    targets = np.concatenate([d[2] for d in described])
    new = np.concatenate([d[3] for d in described])
    row_pages = np.concatenate([np.full(len(d[0]), d[4], dtype=int) for d in described])
    fit_labels = run.fit_multiclass(GROUP_CATEGORICAL)
    classes = fit_labels(rows[new], targets[new])
    fold_classes = run.folds.fit(rows[new], targets[new], row_pages[new], fit_labels)
    stacked = []
    for d_rows, d_neighbours, _t, _f, k in described:
        step = run.predictor(classes=fold_classes[run.folds.of[k]])
        stacked.append(context_features(d_rows, d_neighbours, step.first_guess(d_rows)))
    context = fit_labels(np.vstack(stacked)[new], targets[new])
    return classes, context


def _fit_relations(
    examples: Sequence[LabeledPage],
    geometries: Sequence[PageGeometry],
    class_names: list[str],
    vocabulary: Vocabulary,
    settings: TrainSettings,
) -> tuple[set[tuple[str, str]], lgb.Booster | None]:
    """Step 3 on the annotated entities: which label pairs are linked, and which pairs are."""
    pairs = {(e.entities[s].label, e.entities[t].label) for e in examples for s, t in e.links}
    step = Predictor(class_names, vocabulary, settings.link_threshold, relation_pairs=pairs)
    rows: list[np.ndarray] = []
    targets: list[float] = []
    for example, geo in zip(examples, geometries, strict=True):
        if not example.links:
            continue  # a page without links may just not have been linked by its annotator
        linked = set(example.links)
        labels = [e.label for e in example.entities]
        members = [e.word_indices for e in example.entities]
        candidates, page_rows = step.relation_rows(geo, labels, members)
        if candidates:
            rows.append(page_rows)
            targets.extend(float(c in linked) for c in candidates)
    if not rows:
        return pairs, None
    return pairs, _fit(np.vstack(rows), np.array(targets), (), settings, objective="binary")
