"""Editing a project's labeling config: hotkeys that take a page key are refused (issue 13,
item 6); renaming or removing labels that regions use (item 3)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import admin_user, new_project

LOGO_ON_L = (
    '<View><Image name="image" value="$image"/>'
    '<Labels name="label" toName="image"><Label value="PERSON" hotkey="1"/></Labels>'
    '<RectangleLabels name="box" toName="image"><Label value="LOGO" hotkey="l"/></RectangleLabels>'
    "</View>"
)


def test_a_config_whose_hotkey_takes_a_page_key_is_refused_naming_the_key(
    client: TestClient,
) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    edit = admin.patch(f"/api/projects/{project['id']}", json={"label_config": LOGO_ON_L})
    assert edit.status_code == 400
    assert edit.json()["code"] == "invalid"
    assert "'l' is the labeling page's key for Link" in edit.json()["detail"]
    created = admin.post("/api/projects", json={"title": "X", "label_config": LOGO_ON_L})
    assert created.status_code == 400
    checked = admin.post("/api/label-config/validate", json={"label_config": LOGO_ON_L}).json()
    assert checked["valid"] is False and "'l'" in checked["error"]
