"""User id → username, the one lookup every listing of authors uses."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User


def usernames(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The usernames of ``user_ids`` (None and unknown ids are left out), in one query."""
    ids = {user_id for user_id in user_ids if user_id}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
