"""Who may do what in a project. Every project-scoped route goes through ``project_access``.

A user who is not a member gets ``NotFound`` (not 403) so project ids do not leak; a member
lacking the capability gets ``PermissionDenied`` naming the role needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.errors import NotFound, PermissionDenied
from visualner.projects.models import Project, ProjectMember, Role


class Capability(StrEnum):
    VIEW = "view"
    ANNOTATE = "annotate"
    REVIEW = "review"
    MANAGE = "manage"


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.MANAGER: frozenset(Capability),
    Role.REVIEWER: frozenset({Capability.VIEW, Capability.ANNOTATE, Capability.REVIEW}),
    Role.ANNOTATOR: frozenset({Capability.VIEW, Capability.ANNOTATE}),
}
NEEDED_ROLE = {
    Capability.VIEW: "any project role",
    Capability.ANNOTATE: "annotator, reviewer or manager",
    Capability.REVIEW: "reviewer or manager",
    Capability.MANAGE: "manager",
}


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    user: User
    role: Role

    def can(self, capability: Capability) -> bool:
        return capability in CAPABILITIES[self.role]

    def require(self, capability: Capability) -> None:
        if not self.can(capability):
            raise PermissionDenied(
                f"this needs the {NEEDED_ROLE[capability]} role in project "
                f"{self.project.id}; you are {self.role.value}"
            )


def member_role(session: Session, *, project_id: int, user: User) -> Role | None:
    role = session.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user.id
        )
    )
    return Role(role) if role else None


def project_access(
    session: Session, *, user: User, project_id: int, capability: Capability = Capability.VIEW
) -> ProjectAccess:
    """The project and the user's role in it, after checking ``capability``."""
    project = session.get(Project, project_id)
    role = member_role(session, project_id=project_id, user=user) if project else None
    if project is None or (role is None and not user.is_admin):
        raise NotFound(f"no project {project_id}")
    effective_role = Role.MANAGER if user.is_admin or role is None else role
    access = ProjectAccess(project=project, user=user, role=effective_role)
    access.require(capability)
    return access
