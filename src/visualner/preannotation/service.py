"""Model versions and pre-annotation jobs: plain functions shared by the API, CLI and pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.errors import Conflict, InvalidInput, NotFound
from visualner.jobs.models import Job, JobStatus
from visualner.jobs.service import create_job
from visualner.ocr.servers.store import refuse_unable_to_preannotate
from visualner.ocr.servers.targets import servers_named
from visualner.preannotation.examples import MIN_TASKS, token_label_values
from visualner.preannotation.models import ModelVersion
from visualner.projects.config import LabelConfig, parse_label_config
from visualner.projects.models import Project, ProjectMember
from visualner.tasks.models import Task, TaskStatus

MODEL_NAME = "visualner-crf"
TRAIN_KIND = "train_model"
PREANNOTATE_KIND = "preannotate"
LABEL_NEXT_ORDERS = ("id", "uncertainty")

# Project settings this package reads; projects/service.py lists them with its defaults.
MODEL_SETTING_DEFAULTS: dict[str, Any] = {
    "model_retrain_every": 0,
    "label_next_order": "id",
    "preannotate_on_import": False,
}
MAX_TASK_IDS = 100_000


def origin_of(version: ModelVersion) -> str:
    """What predictions of this version carry as ``model_version`` and region ``origin``."""
    return f"{MODEL_NAME}@{version.version}"


def model_settings(project: Project) -> dict[str, Any]:
    """The project's model settings with defaults filled in."""
    stored = project.settings or {}
    return {key: stored.get(key, default) for key, default in MODEL_SETTING_DEFAULTS.items()}


def validate_model_settings(settings: dict[str, Any]) -> None:
    """Refuse bad values of the model settings (others are left to their owners)."""
    every = settings.get("model_retrain_every", 0)
    if isinstance(every, bool) or not isinstance(every, int) or every < 0:
        raise InvalidInput(
            "model_retrain_every must be a whole number ≥ 0 (0 turns retraining off)",
            field="settings",
        )
    order = settings.get("label_next_order", "id")
    if order not in LABEL_NEXT_ORDERS:
        raise InvalidInput(
            f"label_next_order must be one of {', '.join(LABEL_NEXT_ORDERS)}", field="settings"
        )
    if not isinstance(settings.get("preannotate_on_import", False), bool):
        raise InvalidInput("preannotate_on_import must be true or false", field="settings")


def list_versions(session: Session, *, project_id: int) -> list[ModelVersion]:
    """Every model version of the project, newest first."""
    return list(
        session.scalars(
            select(ModelVersion)
            .where(ModelVersion.project_id == project_id)
            .order_by(ModelVersion.version.desc())
        )
    )


def get_version(session: Session, *, project_id: int, version: int) -> ModelVersion:
    found = session.scalar(
        select(ModelVersion).where(
            ModelVersion.project_id == project_id, ModelVersion.version == version
        )
    )
    if found is None:
        raise NotFound(f"project {project_id} has no model version {version}")
    return found


def active_version(session: Session, *, project_id: int) -> ModelVersion | None:
    return session.scalar(
        select(ModelVersion).where(
            ModelVersion.project_id == project_id, ModelVersion.is_active.is_(True)
        )
    )


def missing_labels(version: ModelVersion, config: LabelConfig) -> list[str]:
    """The model's labels that the project's ``<Labels>`` lack, in the model's order."""
    known = set(token_label_values(config))
    return [label for label in version.labels if label not in known]


def check_labels_fit(version: ModelVersion, config: LabelConfig) -> None:
    """Refuse a model that predicts labels the project cannot show."""
    missing = missing_labels(version, config)
    if missing:
        raise InvalidInput(
            f"model version {version.version} predicts the labels {', '.join(missing)}, which "
            "this project's labeling config lacks; add them to a <Labels> group or train a "
            "new version on the current labels",
            field="model_version",
        )


def activate_version(session: Session, *, project: Project, version: int) -> ModelVersion:
    """Make ``version`` the project's active model (the one pre-annotation uses)."""
    chosen = get_version(session, project_id=project.id, version=version)
    check_labels_fit(chosen, parse_label_config(project.label_config))
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.project_id == project.id, ModelVersion.id != chosen.id)
        .values(is_active=False)
        .execution_options(synchronize_session=False)
    )
    chosen.is_active = True
    session.flush()
    return chosen


def count_submitted_tasks(session: Session, *, project_id: int) -> int:
    statuses = [TaskStatus.SUBMITTED.value, TaskStatus.REVIEWED.value]
    count = session.scalar(
        select(func.count(Task.id)).where(Task.project_id == project_id, Task.status.in_(statuses))
    )
    return int(count or 0)


def pending_job(session: Session, *, project_id: int, kind: str) -> Job | None:
    """A queued or running job of this kind in the project."""
    return session.scalar(
        select(Job)
        .where(
            Job.project_id == project_id,
            Job.kind == kind,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(Job.id.desc())
        .limit(1)
    )


def create_train_job(
    session: Session, *, project: Project, user: User | None, reason: str = "manual"
) -> Job:
    """A queued training job, for ``jobs.service.start_job`` to commit and enqueue."""
    running = pending_job(session, project_id=project.id, kind=TRAIN_KIND)
    if running is not None:
        raise Conflict(f"model training is already under way in job {running.id}")
    submitted = count_submitted_tasks(session, project_id=project.id)
    if submitted < MIN_TASKS:
        raise InvalidInput(
            f"training needs at least {MIN_TASKS} submitted tasks (one is held out to measure "
            f"the model); this project has {submitted}"
        )
    return create_job(
        session,
        kind=TRAIN_KIND,
        user=user,
        project_id=project.id,
        params={"reason": reason, "submitted_tasks": submitted},
    )


def _checked_task_ids(session: Session, *, project_id: int, task_ids: list[int]) -> list[int]:
    if len(task_ids) > MAX_TASK_IDS:
        raise InvalidInput(f"at most {MAX_TASK_IDS} task ids at once", field="task_ids")
    wanted = sorted(set(task_ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        found.update(
            session.scalars(
                select(Task.id).where(Task.project_id == project_id, Task.id.in_(chunk))
            )
        )
    unknown = [t for t in wanted if t not in found]
    if unknown:
        shown = ", ".join(str(t) for t in unknown[:10])
        raise InvalidInput(f"project {project_id} has no task(s) {shown}", field="task_ids")
    return wanted


def create_preannotate_job(
    session: Session,
    *,
    project: Project,
    user: User | None,
    task_ids: list[int] | None = None,
    ocr_server: str | None = None,
    version: int | None = None,
) -> Job:
    """A queued pre-annotation job: the given tasks, or every task without annotations.

    Runs with ``version`` (default: the active model) on the OCR server named (default:
    in this app's workers).
    """
    if ocr_server:
        for server in servers_named(session, [ocr_server]):
            refuse_unable_to_preannotate(server)
    chosen = (
        get_version(session, project_id=project.id, version=version)
        if version is not None
        else active_version(session, project_id=project.id)
    )
    if chosen is None:
        raise InvalidInput(
            f"project {project.id} has no active model yet; train one on the Model tab first"
        )
    check_labels_fit(chosen, parse_label_config(project.label_config))
    ids = _checked_task_ids(session, project_id=project.id, task_ids=task_ids) if task_ids else None
    return create_job(
        session,
        kind=PREANNOTATE_KIND,
        user=user,
        project_id=project.id,
        params={
            "model_version_id": chosen.id,
            "version": chosen.version,
            "task_ids": ids,
            "ocr_server": ocr_server or None,
        },
    )


def version_for_artifact(session: Session, *, user: User, sha256: str) -> ModelVersion:
    """A model version with this artifact that the user may download.

    Admins may fetch any; others only models of projects they belong to. Anything else is
    ``NotFound``, so artifact ids do not leak.
    """
    query = select(ModelVersion).where(ModelVersion.artifact_sha256 == sha256)
    if not user.is_admin:
        member_of = select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
        query = query.where(ModelVersion.project_id.in_(member_of))
    found = session.scalar(query.order_by(ModelVersion.id).limit(1))
    if found is None:
        raise NotFound(f"no model {sha256[:12]}…")
    return found


def next_version_number(session: Session, *, project_id: int) -> int:
    latest = session.scalar(
        select(func.max(ModelVersion.version)).where(ModelVersion.project_id == project_id)
    )
    return int(latest or 0) + 1
