"""The training job: a project's submitted annotations become a new model version.

Four items show the progress: read the annotations, train on the training tasks, evaluate
on the held-out tasks, store the artifact and the version. What a step computes is kept in
the worker's memory; a worker that takes over an interrupted job recomputes what it lacks
(collecting is deterministic), so nothing half-done is ever stored.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from visualner.db import session_scope
from visualner.errors import InvalidInput, VisualnerError
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import ItemOutcome, PlannedItem
from visualner.jobs.models import Job, JobItem
from visualner.model import artifact
from visualner.model.metrics import EntityReport, LabelScore
from visualner.model.tagger import EvaluationReport, TrainedModel, evaluate, train
from visualner.preannotation.examples import ProjectExamples, collect_examples
from visualner.preannotation.models import ModelVersion
from visualner.preannotation.service import (
    TRAIN_KIND,
    count_submitted_tasks,
    next_version_number,
)
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project

log = logging.getLogger(__name__)

STEPS = (
    ("collect", "read submitted annotations"),
    ("train", "train on the training tasks"),
    ("evaluate", "evaluate on the held-out tasks"),
    ("store", "store the model version"),
)


def score_json(score: LabelScore) -> dict[str, float | int]:
    return {
        "precision": round(score.precision, 4),
        "recall": round(score.recall, 4),
        "f1": round(score.f1, 4),
        "support": score.support,
        "predicted": score.predicted,
    }


def scores_json(report: EvaluationReport) -> dict[str, Any]:
    """Held-out scores as stored on the version: micro and per label, plus timing."""
    entities: EntityReport = report.entities
    return {
        "micro": score_json(entities.micro),
        "per_label": {label: score_json(s) for label, s in entities.per_label.items()},
        "held_out_pages": report.pages,
        "predict_ms_per_page": round(report.predict_ms_per_page, 2),
    }


def manifest_scores(scores: dict[str, Any]) -> dict[str, float]:
    """The flat figures the artifact's manifest carries."""
    flat = {"micro_f1": float(scores["micro"]["f1"])}
    for label, score in scores["per_label"].items():
        flat[f"f1/{label}"] = float(score["f1"])
    return flat


@dataclass
class _Training:
    project_id: int
    examples: ProjectExamples | None = None
    submitted_tasks: int = 0
    model: TrainedModel | None = None
    train_seconds: float = 0.0
    scores: dict[str, Any] | None = None
    training_hash: str = ""
    error: str = ""


class TrainModelJob:
    """Job kind ``train_model``."""

    kind = TRAIN_KIND

    def __init__(self) -> None:
        self._runs: dict[int, _Training] = {}

    def plan(self, ctx: JobContext, job: Job) -> list[PlannedItem]:
        return [PlannedItem(title, {"step": step}) for step, title in STEPS]

    def _run(self, job: Job) -> _Training:
        run = self._runs.get(job.id)
        if run is None:
            run = self._runs[job.id] = _Training(project_id=int(job.project_id or 0))
        return run

    def _collect(self, ctx: JobContext, run: _Training) -> ProjectExamples:
        if run.examples is None:
            with session_scope(ctx.database.read) as session:
                project = session.get(Project, run.project_id)
                if project is None:
                    raise InvalidInput(f"project {run.project_id} no longer exists")
                config = parse_label_config(project.label_config)
                run.submitted_tasks = count_submitted_tasks(session, project_id=project.id)
                run.examples = collect_examples(
                    session, project_id=project.id, config=config, blobs=ctx.blobs
                )
        return run.examples

    def _train(self, ctx: JobContext, run: _Training) -> TrainedModel:
        if run.model is None:
            examples = self._collect(ctx, run)
            started = time.perf_counter()
            run.model = train(examples.training_pages, labels=examples.labels)
            run.train_seconds = time.perf_counter() - started
            run.training_hash = artifact.training_data_hash(examples.training_pages)
        return run.model

    def _evaluate(self, ctx: JobContext, run: _Training) -> dict[str, Any]:
        if run.scores is None:
            model = self._train(ctx, run)
            examples = self._collect(ctx, run)
            scores = scores_json(evaluate(model, examples.held_out_pages))
            scores["held_out_tasks"] = len(examples.held_out)
            run.scores = scores
        return run.scores

    def process(self, ctx: JobContext, job: Job, item: JobItem) -> ItemOutcome:
        run = self._run(job)
        if run.error:
            return ItemOutcome(skipped_reason=f"an earlier step failed: {run.error}")
        try:
            return self._step(ctx, job, run, item.payload["step"])
        except VisualnerError as exc:
            run.error = exc.message
            raise

    def _step(self, ctx: JobContext, job: Job, run: _Training, step: str) -> ItemOutcome:
        if step == "collect":
            examples = self._collect(ctx, run)
            summary = {
                "labels": examples.labels,
                "train_tasks": len(examples.training),
                "train_pages": len(examples.training_pages),
                "held_out_tasks": len(examples.held_out),
            }
            return ItemOutcome(apply=lambda _session: summary)
        if step == "train":
            self._train(ctx, run)
            seconds = round(run.train_seconds, 2)
            return ItemOutcome(apply=lambda _session: {"train_seconds": seconds})
        if step == "evaluate":
            micro = self._evaluate(ctx, run)["micro"]
            return ItemOutcome(apply=lambda _session: {"micro": micro})
        return self._store(ctx, job, run)

    def _store(self, ctx: JobContext, job: Job, run: _Training) -> ItemOutcome:
        model = self._train(ctx, run)
        scores = self._evaluate(ctx, run)
        examples = self._collect(ctx, run)
        model.metadata.update(
            {
                "project_id": run.project_id,
                "train_tasks": len(examples.training),
                "held_out_tasks": len(examples.held_out),
                "submitted_tasks": run.submitted_tasks,
                "relation_label": examples.relation_label,
            }
        )
        blob = artifact.dump_model(
            model, training_hash=run.training_hash, scores=manifest_scores(scores)
        )
        sha256 = ctx.blobs.put_bytes(blob)

        def apply(session: Session) -> dict[str, Any]:
            number = next_version_number(session, project_id=run.project_id)
            session.execute(
                update(ModelVersion)
                .where(ModelVersion.project_id == run.project_id)
                .values(is_active=False)
                .execution_options(synchronize_session=False)
            )
            version = ModelVersion(
                project_id=run.project_id,
                version=number,
                artifact_sha256=sha256,
                labels=list(model.labels),
                features_version=model.features_version,
                training_hash=run.training_hash,
                scores=scores,
                train_tasks=len(examples.training),
                train_pages=len(examples.training_pages),
                held_out_tasks=len(examples.held_out),
                submitted_tasks=run.submitted_tasks,
                train_seconds=round(run.train_seconds, 3),
                is_active=True,
                job_id=job.id,
                created_by_id=job.created_by_id,
            )
            session.add(version)
            session.flush()
            return {"version": number, "artifact_sha256": sha256, "micro": scores["micro"]}

        return ItemOutcome(apply=apply)

    def release(self, job_id: int) -> None:
        """Drop the job's training pages and model once the job has stopped."""
        self._runs.pop(job_id, None)

    def finish(self, ctx: JobContext, job: Job, session: Session) -> dict[str, Any]:
        self.release(job.id)
        items = session.scalars(
            select(JobItem).where(JobItem.job_id == job.id).order_by(JobItem.position)
        ).all()
        stored = next((i.result for i in items if "version" in i.result), None)
        if stored is None:
            failed = next((i for i in items if i.error), None)
            raise InvalidInput(failed.error if failed else "training stored no model")
        log.info("project %s: model version %s trained", job.project_id, stored["version"])
        return stored
