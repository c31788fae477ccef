"""The project's Model tab renders for members, with manager controls for managers only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import admin_user, new_project


def test_the_model_tab_shows_training_controls_to_managers(sqlite_client: TestClient) -> None:
    admin = admin_user(sqlite_client, ADMIN_PASSWORD)
    project_id = new_project(admin)["id"]
    login = sqlite_client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert login.status_code == 200

    page = sqlite_client.get(f"/projects/{project_id}/model")

    assert page.status_code == 200
    assert 'data-testid="tab-model"' in page.text
    assert 'data-testid="model-train"' in page.text
    assert 'data-testid="model-settings"' in page.text
    assert "/static/js/model_page.js" in page.text
    assert sqlite_client.get("/static/js/model_page.js").status_code == 200


def test_servers_that_cannot_pre_annotate_are_not_offered(sqlite_client: TestClient) -> None:
    """A server that is down (or answers /info without ``preannotate``) is not in the Model
    tab's server list (issue 13 item 4)."""
    admin = admin_user(sqlite_client, ADMIN_PASSWORD)
    project_id = new_project(admin)["id"]
    dead = admin.post("/api/ocr-servers", json={"name": "dead-box", "url": "http://127.0.0.1:9"})
    assert dead.status_code == 201 and dead.json()["health"] == "down"
    sqlite_client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})

    page = sqlite_client.get(f"/projects/{project_id}/model")

    assert 'data-testid="model-ocr-server"' in page.text
    assert "dead-box" not in page.text
