"""What every command shares: settings, services, the project argument and turning errors into
one clear line."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Annotated, NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from visualner.errors import VisualnerError
from visualner.migrate import upgrade_database
from visualner.projects.models import Project
from visualner.runtime import Services, build_services
from visualner.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

#: The project a command works on, by id or exact title (``find_project``).
ProjectRef = Annotated[str, typer.Argument(help="Project id or exact title.")]


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        name = f"VISUALNER_{where.upper()}" if where else "settings"
        fail(f"invalid setting {name}: {first.get('msg')}")


def open_services() -> Services:
    """The installation's services, its database migrated first (commands run without a server)."""
    settings = load_settings()
    upgrade_database(settings.effective_database_url)
    return build_services(settings)


def find_project(session: Session, ref: str) -> Project:
    """A project by id or exact title."""
    column = Project.id if ref.isdigit() else Project.title
    projects = list(
        session.scalars(select(Project).where(column == (int(ref) if ref.isdigit() else ref)))
    )
    if not projects:
        fail(f"no project {ref!r} (give its id or exact title)")
    if len(projects) > 1:
        fail(f"several projects are titled {ref!r}; give the id")
    return projects[0]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """User mistakes end the command with one red line and exit code 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except VisualnerError as exc:
            fail(exc.message)
        except OperationalError as exc:
            fail(f"cannot use the database: {exc.orig}")
        except (ConnectionError, OSError) as exc:
            fail(str(exc))

    return wrapper


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
