"""Training examples from a project: pages with their words and submitted token regions.

One annotation per task counts: its latest submitted one. Only regions made of words
(``tokens``) whose label belongs to a ``<Labels>`` group of the config are entities; free boxes
(``RectangleLabels``) are not something a word tagger can learn. Every page of such a task that
has words is an example, pages without any entity included (they teach the model what is not
an entity).

A fixed, deterministic share of tasks is held out for evaluation, chosen by a hash of the
task id, so a task is held out (or not) for every model version of the project: held-out
scores of successive versions are comparable and never measured on training data.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.documents.blobstore import BlobStore
from visualner.errors import InvalidInput
from visualner.model.tagger import Entity, LabeledPage
from visualner.preannotation.page_images import stored_page_image
from visualner.projects.config import LabelConfig
from visualner.tasks.models import Page, Task
from visualner.word_codec import decode_words
from visualner.words import PageWords

HELD_OUT_SHARE = 0.2
MIN_TASKS = 2


def token_label_values(config: LabelConfig) -> list[str]:
    """The values of the config's ``<Labels>`` groups (token entities), in config order."""
    values: list[str] = []
    for group in config.label_groups:
        if group.kind == "labels":
            values.extend(label.value for label in group.labels if label.value not in values)
    return values


def held_out_rank(task_id: int) -> float:
    """A stable pseudo-random number in [0, 1) for a task id."""
    digest = hashlib.sha256(f"visualner-held-out:{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_task_ids(task_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """(training, held-out) task ids: about 20 % held out, at least one of each.

    Fewer than two tasks cannot be split; the caller refuses to train on them.
    """
    ranked = sorted(set(task_ids), key=lambda t: (held_out_rank(t), t))
    held_out = [t for t in ranked if held_out_rank(t) < HELD_OUT_SHARE]
    if len(ranked) >= MIN_TASKS:
        held_out = held_out[: len(ranked) - 1] or ranked[:1]
    chosen = set(held_out)
    return sorted(t for t in ranked if t not in chosen), sorted(chosen)


@dataclass
class TaskExamples:
    """The labelled pages of one task."""

    task_id: int
    pages: list[LabeledPage]


@dataclass
class ProjectExamples:
    """A project's training data, split into training and held-out tasks."""

    labels: list[str]
    training: list[TaskExamples] = field(default_factory=list)
    held_out: list[TaskExamples] = field(default_factory=list)
    relation_label: str = ""  # the label predicted links get (the commonest annotated one)

    @property
    def training_pages(self) -> list[LabeledPage]:
        return [page for task in self.training for page in task.pages]

    @property
    def held_out_pages(self) -> list[LabeledPage]:
        return [page for task in self.held_out for page in task.pages]

    @property
    def task_count(self) -> int:
        return len(self.training) + len(self.held_out)


def latest_submitted_annotations(session: Session, *, project_id: int) -> dict[int, Annotation]:
    """Task id -> its most recently saved submitted annotation."""
    ranked = (
        select(
            Annotation.id,
            func.row_number()
            .over(
                partition_by=Annotation.task_id,
                order_by=(Annotation.updated_at.desc(), Annotation.id.desc()),
            )
            .label("rank"),
        )
        .join(Task, Task.id == Annotation.task_id)
        .where(Task.project_id == project_id, Annotation.status == "submitted")
        .subquery()
    )
    rows = session.scalars(
        select(Annotation).join(ranked, ranked.c.id == Annotation.id).where(ranked.c.rank == 1)
    )
    return {annotation.task_id: annotation for annotation in rows}


def task_pages(
    session: Session,
    *,
    task_id: int,
    regions: Sequence[dict[str, object]],
    labels: set[str],
    relations: Sequence[dict[str, object]] = (),
    blobs: BlobStore | None = None,
) -> list[LabeledPage]:
    """The task's pages that have words, each with the entities of ``regions`` on it, the
    ``relations`` between two entities of the same page as links (what the model learns to
    link, e.g. question -> answer) and, given the blob store, a lazily read page image for the
    model's image cues."""
    by_page: dict[int, list[Entity]] = {}
    region_ids: dict[int, list[str]] = {}
    for region in regions:
        label = region.get("label")
        tokens = region.get("tokens")
        page_index = region.get("page", 0)
        if label not in labels or not isinstance(tokens, list) or not tokens:
            continue
        if not isinstance(page_index, int):
            continue
        indices = tuple(sorted({int(t) for t in tokens}))
        by_page.setdefault(page_index, []).append(Entity(label=str(label), word_indices=indices))
        region_ids.setdefault(page_index, []).append(str(region.get("id", "")))
    examples: list[LabeledPage] = []
    pages = session.scalars(select(Page).where(Page.task_id == task_id).order_by(Page.page_index))
    for page in pages:
        if page.words_blob is None or not page.word_count:
            continue
        words = decode_words(page.words_blob)
        kept = [
            (entity, region_id)
            for entity, region_id in zip(
                by_page.get(page.page_index, []), region_ids.get(page.page_index, []), strict=True
            )
            if all(0 <= i < len(words) for i in entity.word_indices)
        ]
        examples.append(
            LabeledPage(
                page=PageWords(width=page.width, height=page.height, words=words),
                entities=[entity for entity, _ in kept],
                links=page_links([region_id for _, region_id in kept], relations),
                name=f"task {task_id} page {page.page_index}",
                image=stored_page_image(blobs, page.image_sha256),
            )
        )
    return examples


def page_links(
    region_ids: Sequence[str], relations: Sequence[dict[str, object]]
) -> list[tuple[int, int]]:
    """Relations between two of a page's entities (``region_ids`` in entity order), as
    (from, to) entity indices, each pair once."""
    position = {region_id: k for k, region_id in enumerate(region_ids) if region_id}
    links: list[tuple[int, int]] = []
    for relation in relations:
        source = position.get(str(relation.get("from_id", "")))
        target = position.get(str(relation.get("to_id", "")))
        if source is None or target is None or source == target:
            continue
        if (source, target) not in links:
            links.append((source, target))
    return links


def relation_label(annotations: Sequence[dict[str, object]]) -> str:
    """The label most relations carry in these annotation results ("" when none), which
    predicted links are given."""
    counts: Counter[str] = Counter()
    for result in annotations:
        relations = result.get("relations")
        if isinstance(relations, list):
            counts.update(str(r.get("label", "")) for r in relations if isinstance(r, dict))
    return counts.most_common(1)[0][0] if counts else ""


def collect_examples(
    session: Session, *, project_id: int, config: LabelConfig, blobs: BlobStore | None = None
) -> ProjectExamples:
    """The project's submitted work as training and held-out examples (with page images
    when ``blobs`` is given).

    Raises ``InvalidInput`` when there is too little to train and evaluate on.
    """
    allowed = set(token_label_values(config))
    annotations = latest_submitted_annotations(session, project_id=project_id)
    tasks: dict[int, list[LabeledPage]] = {}
    for task_id, annotation in sorted(annotations.items()):
        result = annotation.result or {}
        pages = task_pages(
            session,
            task_id=task_id,
            regions=result.get("regions", []),
            labels=allowed,
            relations=result.get("relations", []),
            blobs=blobs,
        )
        if pages:
            tasks[task_id] = pages
    if len(tasks) < MIN_TASKS:
        raise InvalidInput(
            f"Training needs at least {MIN_TASKS} tasks with a submitted annotation and OCR "
            f"words; project {project_id} has {len(tasks)}. Label more tasks first."
        )
    present = {e.label for pages in tasks.values() for page in pages for e in page.entities}
    labels = [value for value in token_label_values(config) if value in present]
    if not labels:
        raise InvalidInput(
            "The submitted annotations have no word regions with a <Labels> label: "
            "there is nothing for the model to learn."
        )
    training_ids, held_out_ids = split_task_ids(tasks)
    return ProjectExamples(
        labels=labels,
        training=[TaskExamples(t, tasks[t]) for t in training_ids],
        held_out=[TaskExamples(t, tasks[t]) for t in held_out_ids],
        relation_label=relation_label([annotations[t].result or {} for t in tasks]),
    )
