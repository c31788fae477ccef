"""Hostile labeling configs and the session cookie's Secure flag (issue 12, item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.factories import admin_user, new_project
from visualner.app import create_app
from visualner.settings import Settings

CONFIG_WITH_EXTERNAL_DTD = (
    '<?xml version="1.0"?><!DOCTYPE View SYSTEM "http://127.0.0.1:9/probe.dtd">'
    '<View><Image name="image" value="$image"/>'
    '<Labels name="label" toName="image"><Label value="Name"/></Labels></View>'
)


def test_a_config_with_an_external_dtd_is_refused_on_create_and_update(
    client: TestClient,
) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    created = admin.post(
        "/api/projects", json={"title": "Probe", "label_config": CONFIG_WITH_EXTERNAL_DTD}
    )
    assert created.status_code == 400
    assert created.json()["code"] == "invalid"
    assert "DOCTYPE" in created.json()["detail"]
    project = new_project(admin)
    updated = admin.patch(
        f"/api/projects/{project['id']}", json={"label_config": CONFIG_WITH_EXTERNAL_DTD}
    )
    assert updated.status_code == 400
    assert "DOCTYPE" in updated.json()["detail"]
    assert (
        admin.get(f"/api/projects/{project['id']}").json()["label_config"]
        == (project["label_config"])
    )


def _login_cookie(settings: Settings) -> str:
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200
        return response.headers["set-cookie"].lower()


def test_the_session_cookie_is_secure_by_default_in_production(
    tmp_path: Path, sqlite_url: str
) -> None:
    production = make_settings(tmp_path / "data", sqlite_url, environment="production")
    assert production.secure_cookies is True
    assert "; secure" in _login_cookie(production)


def test_the_session_cookie_is_not_secure_by_default_in_development(
    tmp_path: Path, sqlite_url: str
) -> None:
    development = make_settings(tmp_path / "data", sqlite_url, environment="development")
    assert "; secure" not in _login_cookie(development)


def test_an_explicit_secure_cookies_setting_wins_in_production(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISUALNER_SECURE_COOKIES", "false")
    plain_http = make_settings(tmp_path / "data", sqlite_url, environment="production")
    assert plain_http.secure_cookies is False
    assert "; secure" not in _login_cookie(plain_http)
