"""What every command shares: settings, services, and turning errors into one clear line."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from visualner.errors import VisualnerError
from visualner.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        name = f"VISUALNER_{where.upper()}" if where else "settings"
        fail(f"invalid setting {name}: {first.get('msg')}")


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
