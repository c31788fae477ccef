"""The registry of OCR servers: add by URL, check health, remove, pick the default."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from visualner.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from visualner.ocr.engines.builtin import builtin_engine
from visualner.ocr.servers.client import RemoteOcrClient
from visualner.ocr.servers.models import OcrServer
from visualner.settings import Settings


def list_servers(session: Session) -> list[OcrServer]:
    return list(
        session.scalars(select(OcrServer).order_by(OcrServer.is_builtin.desc(), OcrServer.name))
    )


def add_server(session: Session, *, name: str, url: str, is_default: bool) -> OcrServer:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidInput("an OCR server URL looks like http://host:8501", field="url")
    if session.scalar(select(OcrServer.id).where(OcrServer.name == name)):
        raise Conflict(f"an OCR server named {name!r} exists already", field="name")
    server = OcrServer(name=name, url=url.rstrip("/"), is_builtin=False)
    session.add(server)
    session.flush()
    if is_default:
        make_default(session, server)
    return server


def make_default(session: Session, server: OcrServer) -> None:
    session.execute(update(OcrServer).values(is_default=False))
    server.is_default = True
    session.flush()


def remove_server(session: Session, server_id: int) -> None:
    server = session.get(OcrServer, server_id)
    if server is None:
        raise NotFound(f"no OCR server {server_id}")
    if server.is_builtin:
        raise PermissionDenied("the built-in OCR server cannot be removed")
    was_default = server.is_default
    session.delete(server)
    session.flush()
    if was_default:
        builtin = session.scalar(select(OcrServer).where(OcrServer.is_builtin.is_(True)))
        if builtin is not None:
            builtin.is_default = True


def server_health(server: OcrServer, settings: Settings) -> tuple[str, dict[str, Any] | None, str]:
    """("ok" | "down", the server's /info, the error) — live, not cached."""
    if server.is_builtin:
        try:
            engine = builtin_engine(settings.ocr_engine, settings.ocr_languages)
        except Exception as exc:  # a broken local engine is reported, not raised
            return "down", None, str(exc)
        info = {"engine": engine.name, "version": engine.version, "languages": engine.languages}
        return "ok", info, ""
    client = RemoteOcrClient(server.url)
    try:
        return "ok", client.info(), ""
    except Unavailable as exc:
        return "down", None, exc.message
    finally:
        client.close()
