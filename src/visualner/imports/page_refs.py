"""Which stored page images a JSON task's pages may name by sha256, and as what type.

A task of our own export names its page images by content hash, so re-importing it needs no
download. The hash alone must not open an image: a user removed from a project, or one who
never was in it, could otherwise name its pages in a task of their own project and read them
back. So a page may name only an image the same import stored itself (a FUNSD form's scan)
or a page image of a project the importer can open now (the importing project, or any other
they are a member of; administrators open every project). The media type is never the one
the JSON gives: it is the one the server wrote when it stored that image.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.documents.image_validation import PAGE_MEDIA_TYPES
from visualner.projects.models import ProjectMember
from visualner.tasks.models import Page, Task


class PageImageRefs:
    """The page images one import job may name, by sha256, with their media types (found
    once per job; refusals are asked again, so access granted meanwhile counts)."""

    def __init__(self, *, project_id: int, user_id: int | None) -> None:
        self._project_id = project_id
        self._user_id = user_id
        self._media_types: dict[str, str] = {}

    def add_stored(self, sha256: str, media_type: str) -> None:
        """An image this import stored itself (validated or encoded on the way)."""
        self._media_types[sha256] = media_type

    def media_types(self, session: Session, shas: Iterable[str]) -> dict[str, str]:
        """``sha256 -> media type`` for those of ``shas`` the import may name; the others
        are left out."""
        wanted = set(shas)
        unknown = wanted - self._media_types.keys()
        if unknown:
            found = select(Page.image_sha256, Page.image_mime).where(
                Page.image_sha256.in_(sorted(unknown)), Page.image_mime.in_(PAGE_MEDIA_TYPES)
            )
            if not self._opens_every_project(session):
                readable = select(ProjectMember.project_id).where(
                    ProjectMember.user_id == self._user_id
                )
                found = found.join(Task, Task.id == Page.task_id).where(
                    (Task.project_id == self._project_id) | Task.project_id.in_(readable)
                )
            for sha256, media_type in session.execute(found):
                if sha256 is not None:
                    self._media_types[sha256] = media_type
        return {sha: self._media_types[sha] for sha in wanted if sha in self._media_types}

    def _opens_every_project(self, session: Session) -> bool:
        """Administrators open every project; so does an import with no user (the CLI,
        run by whoever operates the installation)."""
        if self._user_id is None:
            return True
        return bool(session.scalar(select(User.is_admin).where(User.id == self._user_id)))
