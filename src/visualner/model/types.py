"""What the tagger learns from and what it returns: annotated pages, entities, settings.

Kept apart from the training and prediction code so that both (and callers such as
``visualner.preannotation``) can import them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visualner.words import PageWords

OTHER = "O"


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
class PredictedLink:
    """A predicted relation: ``source`` and ``target`` index ``PagePrediction.entities``
    (FUNSD: question -> answer). ``score`` is the link classifier's probability."""

    source: int
    target: int
    score: float


@dataclass(frozen=True, slots=True)
class PagePrediction:
    """Everything the model predicts for one page: entities, the links between them and the
    model's uncertainty about the page (as ``TrainedModel.uncertainty``)."""

    entities: list[PredictedEntity]
    links: list[PredictedLink]
    uncertainty: float = 0.0


@dataclass(frozen=True, slots=True)
class TrainSettings:
    """Training knobs; the defaults were chosen on FUNSD (see bench/model.py)."""

    rounds: int = 200
    word_rounds: int = 100  # step 0 (multiclass, one row per word): the costliest to predict
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_data_in_leaf: int = 10
    vocabulary_size: int = 500
    min_token_count: int = 3
    link_threshold: float = 0.5
    cross_fit_folds: int = 4
    image_dropout: int = 5  # every n-th training page is used without its image (0: never)
