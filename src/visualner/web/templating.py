"""The Jinja2 environment of the pages, built by ``mount_web`` (never at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from visualner import __version__

TEMPLATE_DIR = Path(__file__).parent / "templates"


def build_templates() -> Jinja2Templates:
    """Autoescaping is on for every ``.html`` template: names may contain ``<script>``."""
    templates = Jinja2Templates(directory=TEMPLATE_DIR)
    templates.env.globals["version"] = __version__
    return templates


def install_templates(app: FastAPI) -> None:
    app.state.web_templates = build_templates()


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page; ``context["login"]`` (a ``PageLogin``) fills the top bar when present."""
    templates: Jinja2Templates = request.app.state.web_templates
    response: HTMLResponse = templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response
