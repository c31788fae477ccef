"""``visualner assign``: give a project's tasks annotators and a reviewer, as the API does."""

from __future__ import annotations

from typing import Annotated

import typer

from visualner.assignments.service import assign_tasks, distribute_tasks
from visualner.cli.admin import open_sessions
from visualner.cli.common import ProjectRef, find_project, reports_errors
from visualner.db import session_scope
from visualner.tasks.selection import TaskSelection, selected_task_ids


@reports_errors
def assign_command(
    project: ProjectRef,
    annotators: Annotated[
        str | None, typer.Option(help="Comma-separated usernames (project members).")
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="A reviewer or manager of the project.")
    ] = None,
    filter_query: Annotated[
        str,
        typer.Option("--filter", help="Only tasks matching this search query (docs/search.md)."),
    ] = "",
    distribute: Annotated[
        int | None,
        typer.Option(
            help="Spread N tasks that have no annotator yet evenly over the annotators "
            "(0: all of them) instead of giving every task all of them."
        ),
    ] = None,
) -> None:
    """Assign the project's tasks (or those matching --filter) and print what was done."""
    names = [n for n in (annotators or "").split(",") if n.strip()] if annotators else None
    with session_scope(open_sessions()) as session:
        found = find_project(session, project)
        task_ids = selected_task_ids(
            session, project=found, selection=TaskSelection(query=filter_query)
        )
        if distribute is not None:
            outcome = distribute_tasks(
                session,
                project=found,
                task_ids=task_ids,
                annotators=names or [],
                reviewer=reviewer,
                limit=distribute or None,
            )
        else:
            outcome = assign_tasks(
                session,
                project=found,
                task_ids=task_ids,
                annotators=names,
                reviewer=reviewer,
                set_reviewer=reviewer is not None,
            )
    typer.echo(f"assigned {outcome.tasks} task(s)")
    for name, count in outcome.annotators.items():
        typer.echo(f"{name}\t{count}")
    if outcome.reviewer:
        typer.echo(f"reviewer\t{outcome.reviewer}")
