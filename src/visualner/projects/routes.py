"""Project, member and labeling-config endpoints (thin: authorize, call the service)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from visualner.annotations.label_changes import config_label_usage
from visualner.deps import CurrentUser, IdPath, PagingDep, SessionDep
from visualner.errors import InvalidInput
from visualner.projects import service
from visualner.projects.access import Capability, project_access
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project, Role
from visualner.projects.page_keys import parse_config_to_save
from visualner.projects.schemas import (
    ConfigCheck,
    ConfigCheckResult,
    LabelUsageOut,
    MemberIn,
    MemberOut,
    ProjectCreate,
    ProjectList,
    ProjectOut,
    ProjectUpdate,
)
from visualner.projects.templates import TEMPLATES

router = APIRouter(prefix="/api", tags=["projects"])


def project_out(project: Project, role: Role, task_count: int) -> ProjectOut:
    return ProjectOut(
        id=project.id,
        title=project.title,
        description=project.description,
        label_config=project.label_config,
        parsed_config=parse_label_config(project.label_config).to_json(),
        settings=project.settings,
        role=role.value,
        task_count=task_count,
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


@router.get("/templates")
def list_templates(user: CurrentUser) -> list[dict[str, str]]:
    """The predefined labeling configs."""
    del user
    return [
        {"key": t.key, "title": t.title, "description": t.description, "label_config": t.xml}
        for t in TEMPLATES.values()
    ]


@router.post("/label-config/validate", response_model=ConfigCheckResult)
def validate_label_config(body: ConfigCheck, user: CurrentUser) -> ConfigCheckResult:
    """Check a labeling config without saving it (the editor's live validation)."""
    del user
    try:
        parsed = parse_config_to_save(body.label_config)
    except InvalidInput as exc:
        return ConfigCheckResult(valid=False, error=exc.message)
    return ConfigCheckResult(valid=True, parsed=parsed.to_json())


@router.post("/projects", response_model=ProjectOut, status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectCreate, user: CurrentUser, session: SessionDep) -> ProjectOut:
    """Create a project from a labeling config or a template; you become its manager."""
    project = service.create_project(
        session,
        owner=user,
        title=body.title,
        description=body.description,
        label_config=body.label_config,
        template=body.template,
    )
    return project_out(project, Role.MANAGER, 0)


@router.get("/projects", response_model=ProjectList)
def list_projects(
    user: CurrentUser,
    session: SessionDep,
    paging: PagingDep,
) -> ProjectList:
    rows, total = service.visible_projects(
        session, user=user, offset=paging.offset, limit=paging.page_size
    )
    counts = service.task_counts(session, [p.id for p, _ in rows])
    return ProjectList(
        items=[project_out(p, role, counts.get(p.id, 0)) for p, role in rows], total=total
    )


@router.get("/projects/{project_id}", response_model=ProjectOut)
def get_project(project_id: IdPath, user: CurrentUser, session: SessionDep) -> ProjectOut:
    access = project_access(session, user=user, project_id=project_id)
    counts = service.task_counts(session, [project_id])
    return project_out(access.project, access.role, counts.get(project_id, 0))


@router.patch("/projects/{project_id}", response_model=ProjectOut)
def update_project(
    project_id: IdPath, body: ProjectUpdate, user: CurrentUser, session: SessionDep
) -> ProjectOut:
    """Change title, description, labeling config or settings (managers). A config that
    drops labels regions use answers 409 with their counts unless ``label_changes`` says
    what becomes of them."""
    access = project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    project = service.update_project(
        session,
        access=access,
        title=body.title,
        description=body.description,
        label_config=body.label_config,
        rename_labels=body.label_changes.rename if body.label_changes else None,
        remove_labels=body.label_changes.remove if body.label_changes else None,
        settings=body.settings,
    )
    counts = service.task_counts(session, [project_id])
    return project_out(project, access.role, counts.get(project_id, 0))


@router.get("/projects/{project_id}/label-usage", response_model=list[LabelUsageOut])
def get_label_usage(
    project_id: IdPath, user: CurrentUser, session: SessionDep
) -> list[LabelUsageOut]:
    """How many regions each label has in the project's annotations and predictions
    (managers): the config's labels, then any label only the regions still use."""
    access = project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    config = parse_label_config(access.project.label_config)
    return [
        LabelUsageOut(**row)
        for row in config_label_usage(session, project_id=project_id, config=config)
    ]


@router.delete("/projects/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project_id: IdPath, user: CurrentUser, session: SessionDep) -> None:
    access = project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    service.delete_project(session, access=access)


@router.get("/projects/{project_id}/members", response_model=list[MemberOut])
def list_members(project_id: IdPath, user: CurrentUser, session: SessionDep) -> list[MemberOut]:
    project_access(session, user=user, project_id=project_id)
    return [
        MemberOut(username=member.username, user_id=member.id, role=role)
        for member, role in service.list_members(session, project_id=project_id)
    ]


@router.post("/projects/{project_id}/members", response_model=MemberOut)
def add_member(
    project_id: IdPath, body: MemberIn, user: CurrentUser, session: SessionDep
) -> MemberOut:
    """Add a member or change a member's role (managers)."""
    project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    member = service.set_member(
        session, project_id=project_id, username=body.username, role=body.role
    )
    return MemberOut(username=member.username, user_id=member.id, role=body.role)


@router.delete("/projects/{project_id}/members", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    project_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    username: str = Query(..., min_length=1),
) -> None:
    """Remove a member (managers); ``?username=``."""
    project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    service.remove_member(session, project_id=project_id, username=username)


@router.delete("/projects/{project_id}/members/{username}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member_by_path(
    project_id: IdPath, username: str, user: CurrentUser, session: SessionDep
) -> None:
    """Remove a member (managers)."""
    project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    service.remove_member(session, project_id=project_id, username=username)
