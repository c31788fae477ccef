"""Health and version: unauthenticated, for load balancers and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from visualner import __version__
from visualner.deps import ServicesDep

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health")
def health(services: ServicesDep) -> dict[str, Any]:
    """``{"status": "ok"}`` when the database answers."""
    with services.database.read() as session:
        session.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "version": __version__,
        "database": services.database.engine.dialect.name,
    }
