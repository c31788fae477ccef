"""Who may do what in a project. Every project-scoped route goes through ``project_access``.

A user who is not a member gets ``NotFound`` (not 403) so project ids do not leak; a member
lacking the capability gets ``PermissionDenied`` naming the role needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ScalarSelect, select
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


def member_role_of(user: User) -> ScalarSelect[str | None]:
    """The user's role in the project of the row a statement reads, as a column (``None``
    for a non-member): the project and the role come in one round trip."""
    return (
        select(ProjectMember.role)
        .where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id)
        .scalar_subquery()
    )


def project_access(
    session: Session, *, user: User, project_id: int, capability: Capability = Capability.VIEW
) -> ProjectAccess:
    """The project and the user's role in it, after checking ``capability``."""
    found = session.execute(
        select(Project, member_role_of(user)).where(Project.id == project_id)
    ).first()
    project, role = found if found is not None else (None, None)
    return access_to(project, role, user=user, project_id=project_id, capability=capability)


def access_to(
    project: Project | None,
    role: str | None,
    *,
    user: User,
    project_id: int,
    capability: Capability = Capability.VIEW,
) -> ProjectAccess:
    """``ProjectAccess`` from a project read with the user's role in it (``member_role_of``),
    after checking ``capability``; ``NotFound`` for no project, or one the user is no member
    of (administrators are managers of every project)."""
    if project is None or (role is None and not user.is_admin):
        raise NotFound(f"no project {project_id}")
    effective_role = Role.MANAGER if user.is_admin or role is None else Role(role)
    access = ProjectAccess(project=project, user=user, role=effective_role)
    access.require(capability)
    return access
