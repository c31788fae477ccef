"""A project with a manager (the admin), two annotators and a reviewer, on both engines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import ApiUser, add_member, admin_user, new_project, new_task, new_user
from visualner.runtime import Services


@dataclass
class Team:
    client: TestClient
    services: Services
    project_id: int
    manager: ApiUser
    ann_a: ApiUser
    ann_b: ApiUser
    reviewer: ApiUser

    def tasks(self, count: int) -> list[int]:
        return [new_task(self.services, self.project_id, title=f"doc{n}.png") for n in range(count)]

    def assign(self, **body: Any) -> Any:
        return self.manager.post(f"/api/projects/{self.project_id}/assignments", json=body)

    def listed(self, user: ApiUser, q: str = "") -> list[int]:
        response = user.get(f"/api/projects/{self.project_id}/tasks", params={"q": q, "sort": "id"})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    def password_of(self, user: ApiUser) -> str:
        return ADMIN_PASSWORD if user is self.manager else f"pw-{user.username}-long"

    def page_as(self, user: ApiUser, url: str) -> Any:
        """A server-rendered page as ``user`` (pages take the session cookie, not tokens)."""
        login = self.client.post(
            "/api/auth/login",
            json={"username": user.username, "password": self.password_of(user)},
        )
        assert login.status_code == 200, login.text
        try:
            return self.client.get(url, follow_redirects=False)
        finally:
            self.client.cookies.clear()

    def submit(self, user: ApiUser, task_id: int) -> Any:
        response = user.post(
            f"/api/tasks/{task_id}/annotations",
            json={"regions": [], "relations": [], "status": "submitted"},
        )
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def team(client: TestClient) -> Team:
    manager = admin_user(client, ADMIN_PASSWORD)
    project = new_project(manager, title="Team")
    members = {}
    for name, role in (("ann_a", "annotator"), ("ann_b", "annotator"), ("reviewer", "reviewer")):
        members[name] = new_user(manager, prefix=name.replace("_", ""))
        add_member(manager, project["id"], members[name], role)
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return Team(client, services, project["id"], manager, **members)
