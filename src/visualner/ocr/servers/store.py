"""The registry of OCR servers: add by URL, check health, remove, pick the default."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from visualner.db import Database, session_scope, utcnow
from visualner.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from visualner.ocr.engines.builtin import builtin_engine
from visualner.ocr.servers.client import RemoteOcrClient
from visualner.ocr.servers.models import OcrServer
from visualner.settings import Settings


def list_servers(session: Session) -> list[OcrServer]:
    return list(
        session.scalars(select(OcrServer).order_by(OcrServer.is_builtin.desc(), OcrServer.name))
    )


def checked_server_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidInput("an OCR server URL looks like http://host:8501", field="url")
    return url.rstrip("/")


def add_server(
    session: Session, *, name: str, url: str, is_default: bool, health: Health
) -> OcrServer:
    """Register a server with its first check's answer (``probe_url``, done before the
    write transaction)."""
    url = checked_server_url(url)
    if session.scalar(select(OcrServer.id).where(OcrServer.name == name)):
        raise Conflict(f"an OCR server named {name!r} exists already", field="name")
    server = OcrServer(name=name, url=url, is_builtin=False)
    record_health(server, health)
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


@dataclass(frozen=True)
class Health:
    """One check's answer: "ok" or "down", what the UI shows, and why it is down."""

    status: str
    engine: str = ""
    can_preannotate: bool = False
    error: str = ""


def probe(server: OcrServer, settings: Settings) -> Health:
    """Ask the server now (``/info``; the built-in engine in process). Slow when a server
    does not answer, so it runs at registration and in the background, never per listing."""
    if server.is_builtin:
        try:
            engine = builtin_engine(settings.ocr_engine, settings.ocr_languages)
        except Exception as exc:  # a broken local engine is reported, not raised
            return Health(status="down", error=str(exc))
        return Health(status="ok", engine=f"{engine.name} {engine.version}", can_preannotate=True)
    return probe_url(server.url)


def probe_url(url: str) -> Health:
    """Ask the OCR server at ``url`` for its ``/info`` now."""
    client = RemoteOcrClient(checked_server_url(url))
    try:
        info = client.info()
    except Unavailable as exc:
        return Health(status="down", error=exc.message)
    finally:
        client.close()
    engine_name = f"{info.get('engine', '')} {info.get('version', '')}".strip()
    return Health(
        status="ok", engine=engine_name[:200], can_preannotate=info.get("preannotate") is True
    )


def record_health(server: OcrServer, health: Health) -> None:
    server.health = health.status
    server.engine = health.engine
    server.can_preannotate = health.can_preannotate
    server.health_error = health.error[:2000]
    server.checked_at = utcnow()


def check_all_servers(database: Database, settings: Settings) -> None:
    """Check every registered server and store the answers: the probes run outside any
    transaction (a dead server takes seconds), then one short write stores them."""
    with database.read() as session:
        servers = list_servers(session)
        session.expunge_all()
    answers = {server.id: probe(server, settings) for server in servers}
    with session_scope(database.write) as session:
        for server in list_servers(session):
            if server.id in answers:
                record_health(server, answers[server.id])


def refuse_unable_to_preannotate(server: OcrServer) -> None:
    """A server known not to pre-annotate is refused before a job is queued for it (the
    built-in one pre-annotates in this app's workers)."""
    if server.is_builtin:
        return
    if server.health == "down":
        raise InvalidInput(
            f"OCR server {server.name!r} does not answer; pick another or check it on the "
            "OCR servers page",
            field="ocr_server",
        )
    if not server.can_preannotate:
        raise InvalidInput(
            f"OCR server {server.name!r} cannot pre-annotate: start it with --app-url and "
            "--app-token (or leave the server empty to pre-annotate in this app)",
            field="ocr_server",
        )
