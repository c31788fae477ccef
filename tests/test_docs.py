"""Every setting, CLI command and API route is documented (a new one without docs fails)."""

from __future__ import annotations

from pathlib import Path

import typer
from fastapi.testclient import TestClient

from scripts.api_routes import api_operations
from visualner.cli.main import app as cli_app
from visualner.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _cli_commands(app: typer.Typer, prefix: str = "visualner") -> list[str]:
    names = [
        f"{prefix} {c.name or c.callback.__name__}"
        for c in app.registered_commands
        if c.callback is not None
    ]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        names += _cli_commands(group.typer_instance, f"{prefix} {group.name}")
    return names


def test_the_readme_starts_with_the_run_and_test_commands() -> None:
    head = (ROOT / "README.md").read_text().splitlines()[:6]
    assert any(line.startswith("make run") for line in head)
    assert any(line.startswith("make test") for line in head)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [
        f"VISUALNER_{n.upper()}"
        for n in Settings.model_fields
        if f"`VISUALNER_{n.upper()}`" not in readme
    ]
    assert not missing, f"undocumented settings: {missing}"


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in _cli_commands(cli_app) if f"`{c}" not in readme]
    assert not missing, f"undocumented commands: {missing}"


def test_every_api_route_is_in_docs_api(sqlite_client: TestClient) -> None:
    documented = (ROOT / "docs" / "api.md").read_text()
    operations = api_operations(sqlite_client.app.openapi())  # type: ignore[attr-defined]
    missing = [f"{m} {p}" for m, p, _ in operations if f"| {m} | `{p}` |" not in documented]
    assert not missing, f"routes missing from docs/api.md (run scripts/api_routes.py): {missing}"


def test_every_cap_and_rate_limit_is_in_docs_security() -> None:
    security = (ROOT / "docs" / "security.md").read_text()
    caps = [
        f"VISUALNER_{n.upper()}"
        for n in Settings.model_fields
        if n.startswith(("max_", "login_", "url_fetch_"))
    ]
    missing = [name for name in caps if f"`{name}`" not in security]
    assert caps and not missing, f"caps missing from docs/security.md: {missing}"
