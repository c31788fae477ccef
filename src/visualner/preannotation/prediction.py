"""The pre-annotation job: predict entities on tasks and store them as predictions.

One job item per task. The pages' stored words go to the chosen OCR server's
``POST /preannotate`` (or to the model in this process for the built-in server); the answer
becomes one ``Prediction`` whose regions are word runs in the annotation JSON, with
``origin`` ``"visualner-crf@{version}"``. A task keeps one prediction per model name: a new
run replaces the previous version's. The prediction's ``score`` is the model's confidence in
the task (1 − its word-weighted uncertainty); "Label next" can serve the least confident
first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from visualner.annotations.models import Prediction
from visualner.db import session_scope
from visualner.documents.blobstore import BlobStore
from visualner.errors import InvalidInput
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import ItemOutcome, PlannedItem
from visualner.jobs.models import Job, JobItem
from visualner.model.artifact import read_manifest
from visualner.model.types import PagePrediction
from visualner.preannotation.models import ModelVersion
from visualner.preannotation.predictors import PagePredictor, predictor_for_servers
from visualner.preannotation.service import (
    MODEL_NAME,
    PREANNOTATE_KIND,
    active_version,
    check_labels_fit,
    origin_of,
)
from visualner.preannotation.serving import ModelCache
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project
from visualner.tasks.models import Page, Task
from visualner.word_codec import decode_words
from visualner.words import PageWords, Word

log = logging.getLogger(__name__)


@dataclass
class TaskPrediction:
    """What one task's prediction will store."""

    regions: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, str]] = field(default_factory=list)
    confidence: float | None = None
    pages_predicted: int = 0
    pages_without_words: int = 0


def page_regions(
    page_index: int, page: PageWords, prediction: PagePrediction, origin: str
) -> list[dict[str, Any]]:
    """Regions of the annotation JSON: the words, their box union and text, the score."""
    regions: list[dict[str, Any]] = []
    for number, entity in enumerate(prediction.entities):
        tokens = sorted(entity.word_indices)
        words = [page.words[i] for i in tokens]
        regions.append(
            {
                "id": f"p{page_index}-{number}",
                "page": page_index,
                "label": entity.label,
                "tokens": tokens,
                "bbox": [
                    round(min(w.bbox[0] for w in words), 1),
                    round(min(w.bbox[1] for w in words), 1),
                    round(max(w.bbox[2] for w in words), 1),
                    round(max(w.bbox[3] for w in words), 1),
                ],
                "text": " ".join(w.text for w in words),
                "origin": origin,
                "score": round(entity.score, 4),
            }
        )
    return regions


def page_relations(
    page_index: int, prediction: PagePrediction, relation_label: str
) -> list[dict[str, str]]:
    """The page's predicted links as annotation relations between its regions' ids."""
    return [
        {
            "from_id": f"p{page_index}-{link.source}",
            "to_id": f"p{page_index}-{link.target}",
            "label": relation_label,
        }
        for link in prediction.links
    ]


def combine_pages(
    pages: Sequence[tuple[int, PageWords, PagePrediction]],
    *,
    skipped: int,
    origin: str,
    relation_label: str = "",
) -> TaskPrediction:
    """One task's regions, relations and confidence, weighting pages by their word counts."""
    result = TaskPrediction(pages_without_words=skipped)
    words = 0
    uncertain = 0.0
    for page_index, page, prediction in pages:
        result.regions.extend(page_regions(page_index, page, prediction, origin))
        result.relations.extend(page_relations(page_index, prediction, relation_label))
        result.pages_predicted += 1
        words += len(page.words)
        uncertain += prediction.uncertainty * len(page.words)
    if words:
        result.confidence = round(1.0 - uncertain / words, 6)
    return result


def store_prediction(
    session: Session, *, task_id: int, origin: str, prediction: TaskPrediction
) -> Prediction:
    """Replace the task's earlier predictions of this model name with this one."""
    session.execute(
        delete(Prediction)
        .where(Prediction.task_id == task_id, Prediction.model_version.like(f"{MODEL_NAME}@%"))
        .execution_options(synchronize_session=False)
    )
    stored = Prediction(
        task_id=task_id,
        model_version=origin,
        result={
            "regions": prediction.regions,
            "relations": prediction.relations,
            "choices": {},
        },
        score=prediction.confidence,
    )
    session.add(stored)
    session.flush()
    count = select(func.count(Prediction.id)).where(Prediction.task_id == task_id)
    session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(prediction_count=count.scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    return stored


@dataclass(frozen=True)
class StoredTaskPage:
    """One page of a task as the model needs it: words (``None`` without) and its image."""

    index: int
    words: PageWords | None
    image_sha256: str | None = None


def stored_pages(session: Session, *, task_id: int) -> list[StoredTaskPage]:
    """The task's pages in order, with their words and image blobs."""
    rows = session.scalars(select(Page).where(Page.task_id == task_id).order_by(Page.page_index))
    pages: list[StoredTaskPage] = []
    for page in rows:
        words = decode_words(page.words_blob) if page.words_blob is not None else []
        pages.append(
            StoredTaskPage(
                index=page.page_index,
                words=PageWords(page.width, page.height, words) if words else None,
                image_sha256=page.image_sha256,
            )
        )
    return pages


def predict_task(
    predictor: PagePredictor,
    pages: Sequence[StoredTaskPage],
    origin: str,
    relation_label: str = "",
) -> TaskPrediction:
    predicted = [
        (page.index, page.words, predictor.predict(page.words, page.image_sha256))
        for page in pages
        if page.words
    ]
    skipped = sum(1 for page in pages if page.words is None)
    return combine_pages(predicted, skipped=skipped, origin=origin, relation_label=relation_label)


def model_relation_label(blobs: BlobStore, sha256: str) -> str:
    """The label the model's predicted links get, from its artifact's manifest (the commonest
    relation label of its training data; "" for models trained before links)."""
    with blobs.open(sha256) as artifact:
        metadata = read_manifest(artifact).get("metadata") or {}
    return str(metadata.get("relation_label", ""))


@dataclass
class _JobState:
    project_id: int
    origin: str
    predictor: PagePredictor
    relation_label: str = ""


class PreannotateJob:
    """Job kind ``preannotate``: params ``model_version_id``, ``task_ids``, ``ocr_server``."""

    kind = PREANNOTATE_KIND

    def __init__(self) -> None:
        self._models = ModelCache()
        self._states: dict[int, _JobState] = {}

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        with session_scope(ctx.database.read) as session:
            query = select(Task.id).where(Task.project_id == job.project_id)
            task_ids = job.params.get("task_ids")
            if task_ids is None:
                query = query.where(Task.annotation_count == 0)
            else:
                query = query.where(Task.id.in_(task_ids))
            ids = list(session.scalars(query.order_by(Task.id)))
        return [PlannedItem(f"task {task_id}", {"task_id": task_id}) for task_id in ids]

    def _state(self, ctx: JobContext, job: Job) -> _JobState:
        state = self._states.get(job.id)
        if state is not None:
            return state
        with session_scope(ctx.database.read) as session:
            version = session.get(ModelVersion, job.params["model_version_id"])
            project = session.get(Project, job.project_id)
            if version is None or project is None:
                raise InvalidInput("the model version or its project no longer exists")
            check_labels_fit(version, parse_label_config(project.label_config))
            server_name = job.params.get("ocr_server")
            origin, sha256 = origin_of(version), version.artifact_sha256
            predictor = predictor_for_servers(
                session,
                names=[server_name] if server_name else [],
                model_sha256=sha256,
                load_model=lambda: self._models.get(sha256, ctx.blobs.read_bytes),
                blobs=ctx.blobs,
            )
        state = _JobState(
            project_id=int(job.project_id or 0),
            origin=origin,
            predictor=predictor,
            relation_label=model_relation_label(ctx.blobs, sha256),
        )
        self._states[job.id] = state
        return state

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        state = self._state(ctx, job)
        task_id = int(item.payload["task_id"])
        with session_scope(ctx.database.read) as session:
            pages = stored_pages(session, task_id=task_id)
        if not any(page.words for page in pages):
            return ItemOutcome(skipped_reason="the task has no OCR words yet")
        prediction = predict_task(state.predictor, pages, state.origin, state.relation_label)

        def apply(session: Session) -> dict[str, Any]:
            if session.get(Task, task_id) is None:
                return {"task_id": task_id, "deleted": True}
            stored = store_prediction(
                session, task_id=task_id, origin=state.origin, prediction=prediction
            )
            return {
                "task_id": task_id,
                "prediction_id": stored.id,
                "regions": len(prediction.regions),
                "confidence": prediction.confidence,
                "pages_without_words": prediction.pages_without_words,
                "server": state.predictor.name,
            }

        return ItemOutcome(apply=apply)

    def release(self, job_id: int) -> None:
        """Close the job's predictor (its OCR server clients) once the job has stopped."""
        state = self._states.pop(job_id, None)
        if state is not None:
            state.predictor.close()

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        self.release(job.id)
        results = session.scalars(
            select(JobItem.result).where(JobItem.job_id == job.id, JobItem.status == "done")
        ).all()
        predicted = [r for r in results if "prediction_id" in r]
        return {
            "model_version": job.params.get("version"),
            "tasks_predicted": len(predicted),
            "regions": sum(int(r.get("regions", 0)) for r in predicted),
        }


class ImportPreannotator:
    """Pre-annotation of newly imported documents with the project's active model.

    Built once per import job (``for_project``); ``predict`` runs in the worker outside any
    transaction and ``store`` inside the one that creates the task.
    """

    def __init__(self, predictor: PagePredictor, origin: str, relation_label: str = "") -> None:
        self.predictor = predictor
        self.origin = origin
        self.relation_label = relation_label

    @classmethod
    def for_project(
        cls,
        session: Session,
        *,
        blobs: BlobStore,
        project_id: int,
        ocr_servers: Sequence[str] = (),
    ) -> ImportPreannotator | None:
        """``None`` when the project has no active model fitting its labeling config. Pages
        go to the import's OCR servers (``ocr_servers``; none: the default server)."""
        version = active_version(session, project_id=project_id)
        project = session.get(Project, project_id)
        if version is None or project is None:
            return None
        try:
            check_labels_fit(version, parse_label_config(project.label_config))
        except InvalidInput as exc:
            log.warning("not pre-annotating imports of project %s: %s", project_id, exc.message)
            return None
        sha256 = version.artifact_sha256
        predictor = predictor_for_servers(
            session,
            names=ocr_servers,
            model_sha256=sha256,
            load_model=lambda: ModelCache(slots=1).get(sha256, blobs.read_bytes),
            blobs=blobs,
        )
        return cls(predictor, origin_of(version), model_relation_label(blobs, sha256))

    def close(self) -> None:
        self.predictor.close()

    def predict(
        self,
        pages: Sequence[tuple[int, int, list[Word] | None]],
        *,
        image_sha256s: Sequence[str | None] = (),
    ) -> TaskPrediction | None:
        """Pages as (width, height, words), their stored images' sha256 (optional, for the
        model's image cues); ``None`` when no page has words."""
        images = list(image_sha256s) + [None] * (len(pages) - len(image_sha256s))
        task_pages = [
            StoredTaskPage(
                index=index,
                words=PageWords(width, height, words) if words else None,
                image_sha256=images[index],
            )
            for index, (width, height, words) in enumerate(pages)
        ]
        if not any(page.words for page in task_pages):
            return None
        return predict_task(self.predictor, task_pages, self.origin, self.relation_label)

    def store(self, session: Session, *, task_id: int, prediction: TaskPrediction) -> None:
        store_prediction(session, task_id=task_id, origin=self.origin, prediction=prediction)
