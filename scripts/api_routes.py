"""Print the API routes as a Markdown table, from the OpenAPI schema (refreshes docs/api.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from visualner.app import create_app
from visualner.settings import Settings


def api_operations(openapi: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(METHOD, path, first paragraph of the description or the summary) per operation."""
    rows = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            text = (operation.get("description") or operation.get("summary") or "").strip()
            first = " ".join(text.split("\n\n")[0].split())
            rows.append((method.upper(), path, first))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp), environment="test"))
        print("| method | path | what it does |\n|---|---|---|")
        for method, path, text in api_operations(app.openapi()):
            print(f"| {method} | `{path}` | {text} |")


if __name__ == "__main__":
    main()
