"""Where a page's OCR runs: the built-in engine or a registered OCR server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.errors import InvalidInput
from visualner.ocr.engines.builtin import builtin_engine
from visualner.ocr.servers.client import RemoteOcrClient
from visualner.ocr.servers.models import OcrServer
from visualner.ocr.servers.protocol import encode_for_ocr
from visualner.settings import Settings
from visualner.words import PageWords


class OcrTarget(Protocol):
    name: str
    capacity: int

    def recognize(self, image: Image.Image) -> PageWords: ...

    def close(self) -> None: ...


@dataclass
class BuiltinTarget:
    """The engine inside this process; capacity follows the worker's cores."""

    engine_name: str
    languages: str
    name: str = "built-in"
    capacity: int = 2

    def recognize(self, image: Image.Image) -> PageWords:
        return builtin_engine(self.engine_name, self.languages).recognize(image)

    def close(self) -> None:
        return None


@dataclass
class RemoteTarget:
    name: str
    url: str
    capacity: int = 2
    client: RemoteOcrClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = RemoteOcrClient(self.url)

    def recognize(self, image: Image.Image) -> PageWords:
        return self.client.recognize(encode_for_ocr(image), mime="image/png")

    def close(self) -> None:
        self.client.close()


def servers_named(session: Session, names: list[str]) -> list[OcrServer]:
    """The registered servers called ``names`` (the default one when none is named)."""
    if not names:
        default = session.scalar(select(OcrServer).where(OcrServer.is_default.is_(True)))
        return [default] if default else []
    servers = list(session.scalars(select(OcrServer).where(OcrServer.name.in_(names))))
    unknown = sorted(set(names) - {s.name for s in servers})
    if unknown:
        raise InvalidInput(
            f"unknown OCR server(s): {', '.join(unknown)}; add them on the OCR servers page",
            field="ocr_servers",
        )
    return servers


def resolve_targets(session: Session, settings: Settings, names: list[str]) -> list[OcrTarget]:
    """The OCR targets called ``names``; none named means the default server."""
    servers = servers_named(session, names)
    targets: list[OcrTarget] = []
    for server in servers:
        if server.is_builtin:
            targets.append(BuiltinTarget(settings.ocr_engine, settings.ocr_languages))
        else:
            targets.append(RemoteTarget(name=server.name, url=server.url))
    if not targets:
        targets.append(BuiltinTarget(settings.ocr_engine, settings.ocr_languages))
    return targets
