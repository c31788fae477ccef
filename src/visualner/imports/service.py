"""Starting imports: stage what was sent, then create the import job (``start_job`` enqueues it)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.errors import InvalidInput
from visualner.imports.job import KIND
from visualner.imports.options import ImportOptions
from visualner.imports.uploads import StagedFile, safe_filename
from visualner.jobs.models import Job
from visualner.jobs.service import create_job
from visualner.projects.models import Project
from visualner.settings import Settings


def create_import_job(
    session: Session,
    *,
    settings: Settings,
    project: Project,
    user: User | None,
    staging: Path,
    files: list[StagedFile],
    options: ImportOptions,
) -> Job:
    """A queued import of files already in ``staging``, for ``start_job`` to commit and enqueue."""
    if not files:
        raise InvalidInput(
            "nothing to import: send files in the 'files' field or a JSON task list", field="files"
        )
    resolved = options.resolved(project.settings or {}, settings.pdf_dpi)
    return create_job(
        session,
        kind=KIND,
        user=user,
        project_id=project.id,
        params={
            "staging": staging.name,
            "sources": [{"path": f.path.name, "name": f.name, "size": f.size} for f in files],
            "options": resolved.model_dump(),
        },
    )


def stage_local_files(staging: Path, paths: list[Path]) -> list[StagedFile]:
    """Copy files from disk into a staging folder (the CLI's way in)."""
    staged = []
    for number, path in enumerate(paths):
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        target = staging / f"{number:05d}"
        shutil.copyfile(path, target)
        staged.append(
            StagedFile(
                target, safe_filename(path.name, f"file-{number + 1}"), target.stat().st_size
            )
        )
    return staged
