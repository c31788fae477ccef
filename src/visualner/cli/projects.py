"""``visualner project``: create and list projects from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from visualner.auth.service import get_user_by_username
from visualner.cli.admin import open_sessions
from visualner.cli.common import reports_errors
from visualner.db import session_scope
from visualner.projects.models import Project
from visualner.projects.service import create_project, task_counts

project_app = typer.Typer(help="Projects.", no_args_is_help=True)


@project_app.command("create")
@reports_errors
def project_create(
    title: Annotated[str, typer.Argument(help="Project title.")],
    owner: Annotated[str, typer.Option(help="Username of its first manager.")],
    template: Annotated[str, typer.Option(help="visual_ner, forms, invoices or receipts.")] = (
        "visual_ner"
    ),
    config: Annotated[
        Path | None, typer.Option(help="A labeling config XML file instead of a template.")
    ] = None,
) -> None:
    """Create a project and print its id."""
    with session_scope(open_sessions()) as session:
        project = create_project(
            session,
            owner=get_user_by_username(session, owner),
            title=title,
            label_config=config.read_text() if config else None,
            template=None if config else template,
        )
        typer.echo(project.id)


@project_app.command("list")
@reports_errors
def project_list() -> None:
    """List projects: id, tasks, title."""
    with session_scope(open_sessions()) as session:
        projects = list(session.scalars(select(Project).order_by(Project.id)))
        counts = task_counts(session, [p.id for p in projects])
        for project in projects:
            typer.echo(f"{project.id}\t{counts.get(project.id, 0)}\t{project.title}")
