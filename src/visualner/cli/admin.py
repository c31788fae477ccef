"""``visualner db``, ``visualner user`` and ``visualner token``."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from visualner.auth.service import (
    create_api_token,
    create_user,
    get_user_by_username,
    list_users,
    set_password,
)
from visualner.cli.common import load_settings, reports_errors
from visualner.db import make_disposable_engine, session_scope
from visualner.migrate import current_revision, upgrade_database

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)


@db_app.command("upgrade")
@reports_errors
def db_upgrade() -> None:
    """Migrate the database schema to the newest version."""
    settings = load_settings()
    url = settings.effective_database_url
    upgrade_database(url)
    typer.echo(f"database at revision {current_revision(url)}")


def open_sessions() -> sessionmaker[Session]:
    """Sessions on the configured database, migrated first (commands run without a server)."""
    settings = load_settings()
    url = settings.effective_database_url
    upgrade_database(url)
    return sessionmaker(bind=make_disposable_engine(url), expire_on_commit=False)


@user_app.command("create")
@reports_errors
def user_create(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
) -> None:
    """Create a user."""
    with session_scope(open_sessions()) as session:
        user = create_user(session, username=username, password=password, is_admin=admin)
        typer.echo(f"created {'admin' if user.is_admin else 'user'} {user.username}")


@user_app.command("passwd")
@reports_errors
def user_passwd(
    username: Annotated[str, typer.Argument(help="Whose password.")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="New password."),
    ],
) -> None:
    """Set a user's password: their sessions end and their API tokens are revoked."""
    with session_scope(open_sessions()) as session:
        user = get_user_by_username(session, username)
        changed = set_password(session, user=user, password=password)
        typer.echo(
            f"password of {user.username} changed; {changed.revoked_tokens} API token(s) "
            f"revoked, {changed.ended_sessions} session(s) ended"
        )


@user_app.command("list")
@reports_errors
def user_list() -> None:
    """List the users: name, role, whether active, last login."""
    with session_scope(open_sessions()) as session:
        for user in list_users(session):
            role = "admin" if user.is_admin else "user"
            state = "active" if user.is_active else "deactivated"
            last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "-"
            typer.echo(f"{user.username}\t{role}\t{state}\t{last}")


@user_app.command("deactivate")
@reports_errors
def user_deactivate(
    username: Annotated[str, typer.Argument(help="Whose account.")],
    undo: Annotated[
        bool, typer.Option("--reactivate", help="Let the user log in again instead.")
    ] = False,
) -> None:
    """Stop a user from logging in (their sessions and tokens stop working at once);
    ``--reactivate`` undoes it. Their annotations stay."""
    with session_scope(open_sessions()) as session:
        user = get_user_by_username(session, username)
        user.is_active = undo
        typer.echo(f"{user.username} {'reactivated' if undo else 'deactivated'}")


@token_app.command("create")
@reports_errors
def token_create(
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
) -> None:
    """Create a personal API token and print it (it is shown only once)."""
    with session_scope(open_sessions()) as session:
        user = get_user_by_username(session, username)
        issued = create_api_token(session, user=user, name=name)
        typer.echo(issued.key)
