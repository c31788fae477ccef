"""Projects and membership: plain functions shared by the API, the CLI and the pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from visualner.annotations.label_changes import apply_label_mapping, plan_label_changes
from visualner.assignments.queue import MAX_OVERLAP, OVERLAP_SETTING
from visualner.assignments.visibility import SETTING as ASSIGNED_ONLY_SETTING
from visualner.auth.models import User
from visualner.auth.service import get_user_by_username
from visualner.errors import Conflict, InvalidInput, NotFound
from visualner.preannotation.service import validate_model_settings
from visualner.projects.access import ProjectAccess
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project, ProjectMember, Role
from visualner.projects.page_keys import parse_config_to_save
from visualner.projects.templates import get_template

PROJECT_SETTING_DEFAULTS: dict[str, Any] = {
    "ocr_enabled": True,
    "ocr_server": None,
    "pdf_dpi": None,
    "skip_duplicates": False,
    "model_retrain_every": 0,
    "label_next_order": "id",
    "preannotate_on_import": False,
    "fetch_images_on_first_view": False,
    # null: on once a task has an assigned annotator (assignments/visibility.py)
    ASSIGNED_ONLY_SETTING: None,
    OVERLAP_SETTING: 1,
}


def create_project(
    session: Session,
    *,
    owner: User,
    title: str,
    description: str = "",
    label_config: str | None = None,
    template: str | None = None,
) -> Project:
    """Create a project; its creator becomes its manager."""
    xml = label_config if label_config is not None else get_template(template or "").xml
    parse_config_to_save(xml)
    project = Project(
        title=title.strip(),
        description=description,
        label_config=xml,
        settings=dict(PROJECT_SETTING_DEFAULTS),
        created_by_id=owner.id,
    )
    if not project.title:
        raise InvalidInput("title must not be blank", field="title")
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=owner.id, role=Role.MANAGER.value))
    session.flush()
    return project


def visible_projects(
    session: Session, *, user: User, offset: int = 0, limit: int = 100
) -> tuple[list[tuple[Project, Role]], int]:
    """Projects the user belongs to (all of them for admins) with the user's role."""
    role_column = (
        select(ProjectMember.role)
        .where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id)
        .scalar_subquery()
    )
    query = select(Project, role_column).order_by(Project.id.desc())
    count_query = select(func.count(Project.id))
    if not user.is_admin:
        member_of = select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
        query = query.where(Project.id.in_(member_of))
        count_query = count_query.where(Project.id.in_(member_of))
    rows = session.execute(query.offset(offset).limit(limit)).all()
    total = session.scalar(count_query) or 0
    return [
        (project, Role.MANAGER if user.is_admin else Role(role)) for project, role in rows
    ], total


def task_counts(session: Session, project_ids: list[int]) -> dict[int, int]:
    if not project_ids:
        return {}
    rows = session.execute(
        select(Project.id, Project.task_count).where(Project.id.in_(project_ids))
    ).all()
    return {project_id: count for project_id, count in rows}


def update_project(
    session: Session,
    *,
    access: ProjectAccess,
    title: str | None = None,
    description: str | None = None,
    label_config: str | None = None,
    rename_labels: Mapping[str, str] | None = None,
    remove_labels: Mapping[str, str] | None = None,
    settings: dict[str, Any] | None = None,
) -> Project:
    """Change what is given. A new ``label_config`` that drops labels regions use needs
    ``rename_labels`` / ``remove_labels`` for them (``annotations.label_changes``); the
    regions are rewritten in this transaction, so config and regions never disagree."""
    project = access.project
    if title is not None:
        if not title.strip():
            raise InvalidInput("title must not be blank", field="title")
        project.title = title.strip()
    if description is not None:
        project.description = description
    if label_config is not None:
        mapping = plan_label_changes(
            session,
            project_id=project.id,
            old=parse_label_config(project.label_config),
            new=parse_config_to_save(label_config),
            rename=rename_labels or {},
            remove=remove_labels or {},
        )
        apply_label_mapping(session, project_id=project.id, mapping=mapping)
        project.label_config = label_config
    elif rename_labels or remove_labels:
        raise InvalidInput(
            "label_changes go with the new label_config that renames or removes the labels",
            field="label_changes",
        )
    if settings is not None:
        unknown = set(settings) - set(PROJECT_SETTING_DEFAULTS)
        if unknown:
            raise InvalidInput(
                f"unknown project settings: {', '.join(sorted(unknown))}; known: "
                + ", ".join(PROJECT_SETTING_DEFAULTS),
                field="settings",
            )
        merged = {**PROJECT_SETTING_DEFAULTS, **project.settings, **settings}
        validate_model_settings(merged)
        if not isinstance(merged["fetch_images_on_first_view"], bool):
            raise InvalidInput("fetch_images_on_first_view must be true or false", field="settings")
        _check_team_settings(merged)
        project.settings = merged
    session.flush()
    return project


def _check_team_settings(settings: dict[str, Any]) -> None:
    if settings[ASSIGNED_ONLY_SETTING] not in (None, True, False):
        raise InvalidInput(
            f"{ASSIGNED_ONLY_SETTING} must be true, false or null (on once a task is assigned)",
            field="settings",
        )
    overlap = settings[OVERLAP_SETTING]
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 1 <= overlap <= MAX_OVERLAP:
        raise InvalidInput(
            f"{OVERLAP_SETTING} must be a whole number from 1 to {MAX_OVERLAP}", field="settings"
        )


def delete_project(session: Session, *, access: ProjectAccess) -> None:
    session.delete(access.project)
    session.flush()


def list_members(session: Session, *, project_id: int) -> list[tuple[User, Role]]:
    rows = session.execute(
        select(User, ProjectMember.role)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project_id)
        .order_by(User.username)
    ).all()
    return [(user, Role(role)) for user, role in rows]


def set_member(session: Session, *, project_id: int, username: str, role: Role) -> User:
    """Add a member or change their role."""
    user = get_user_by_username(session, username)
    member = session.scalar(
        select(ProjectMember).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user.id
        )
    )
    if member is None:
        session.add(ProjectMember(project_id=project_id, user_id=user.id, role=role.value))
    else:
        if member.role == Role.MANAGER and role != Role.MANAGER:
            _refuse_removing_last_manager(session, project_id=project_id)
        member.role = role.value
    session.flush()
    return user


def remove_member(session: Session, *, project_id: int, username: str) -> None:
    user = get_user_by_username(session, username)
    member = session.scalar(
        select(ProjectMember).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user.id
        )
    )
    if member is None:
        raise NotFound(f"{username!r} is not a member of project {project_id}")
    if member.role == Role.MANAGER:
        _refuse_removing_last_manager(session, project_id=project_id)
    session.execute(delete(ProjectMember).where(ProjectMember.id == member.id))


def _refuse_removing_last_manager(session: Session, *, project_id: int) -> None:
    managers = session.scalar(
        select(func.count(ProjectMember.id)).where(
            ProjectMember.project_id == project_id, ProjectMember.role == Role.MANAGER.value
        )
    )
    if (managers or 0) <= 1:
        raise Conflict("a project needs at least one manager; add another manager first")
