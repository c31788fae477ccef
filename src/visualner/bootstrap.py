"""What the first start of an installation creates: the admin account and the local OCR server."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.auth.service import create_user
from visualner.ocr.servers.models import OcrServer
from visualner.settings import Settings

log = logging.getLogger(__name__)

BUILTIN_OCR_SERVER = "built-in"


def ensure_admin(session: Session, settings: Settings) -> tuple[str, str] | None:
    """Create the first admin when there are no users; returns (username, password) then."""
    if (session.scalar(select(func.count(User.id))) or 0) > 0:
        return None
    password = settings.admin_password or secrets.token_urlsafe(12)
    create_user(session, username=settings.admin_username, password=password, is_admin=True)
    return settings.admin_username, password


def ensure_builtin_ocr_server(session: Session) -> None:
    """The in-process OCR server always exists and is the default until another is chosen."""
    existing = session.scalar(select(OcrServer).where(OcrServer.is_builtin.is_(True)))
    if existing is None:
        has_default = session.scalar(select(OcrServer.id).where(OcrServer.is_default.is_(True)))
        session.add(
            OcrServer(name=BUILTIN_OCR_SERVER, url="", is_builtin=True, is_default=not has_default)
        )
