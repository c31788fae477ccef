"""A project with tasks whose pages hold known text, and a helper to search it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import ApiUser, admin_user, new_project
from visualner.db import session_scope
from visualner.runtime import Services
from visualner.tasks.service import NewPage, create_task
from visualner.words import Word


def words_of(text: str) -> list[Word]:
    """One word per space-separated piece, one OCR line per text line."""
    words = []
    for line_number, line in enumerate(text.splitlines()):
        for position, piece in enumerate(line.split()):
            x = 10.0 + 80 * position
            y = 20.0 + 30 * line_number
            words.append(Word(piece, (x, y, x + 70, y + 20), 0.9, line_number, 0))
    return words


@dataclass
class Searcher:
    admin: ApiUser
    project_id: int
    services: Services

    def task(self, title: str, *pages: str) -> int:
        with session_scope(self.services.database.write) as session:
            return create_task(
                session,
                project_id=self.project_id,
                title=title,
                data={"image": title},
                pages=[
                    NewPage(800, 1000, words=words_of(text), words_source="ocr") for text in pages
                ],
            ).id

    def search(self, q: str, **params: Any) -> Any:
        return self.admin.get(f"/api/projects/{self.project_id}/tasks", params={"q": q, **params})

    def ids(self, q: str, **params: Any) -> list[int]:
        response = self.search(q, **params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    def same(self, q: str, expected: Sequence[int]) -> None:
        assert sorted(self.ids(q)) == sorted(expected), q

    def annotate(self, task_id: int, regions: list[dict[str, Any]], **body: Any) -> Any:
        response = self.admin.post(
            f"/api/tasks/{task_id}/annotations",
            json={"regions": regions, "relations": [], "status": "submitted", **body},
        )
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def searcher(client: TestClient) -> Searcher:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin, title="Invoices", template="invoices")
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return Searcher(admin, project["id"], services)
