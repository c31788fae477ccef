"""OCR-server health is checked at registration and in the background, never per listing;
servers that are down or cannot pre-annotate are marked and not offered; a job whose items
all failed is failed (issue 13 items 4 and 5, issue 12 item 8)."""

from __future__ import annotations

import time

import pytest

from tests.factories import new_user
from tests.imports.conftest import Importer
from tests.imports.servers import free_port


def test_registering_an_unreachable_server_warns_and_marks_it_down(importer: Importer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    added = importer.admin.post("/api/ocr-servers", json={"name": "dead", "url": dead})
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["health"] == "down" and body["checked_at"]
    assert body["warning"].startswith("dead was registered but does not answer")
    assert body["can_preannotate"] is False


def test_only_admins_see_server_urls_and_errors(importer: Importer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    importer.admin.post("/api/ocr-servers", json={"name": "dead", "url": dead})
    user = new_user(importer.admin)
    for_user = {s["name"]: s for s in user.get("/api/ocr-servers").json()}
    assert for_user["dead"]["url"] is None and for_user["dead"]["error"] is None
    assert for_user["dead"]["health"] == "down"
    assert "info" not in for_user["dead"]
    for_admin = {s["name"]: s for s in importer.admin.get("/api/ocr-servers").json()}
    assert for_admin["dead"]["url"] == dead and dead in for_admin["dead"]["error"]
    assert user.post("/api/ocr-servers/check").status_code == 403


def test_pre_annotation_is_refused_on_a_server_that_is_down(importer: Importer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    importer.admin.post("/api/ocr-servers", json={"name": "dead", "url": dead})
    refused = importer.admin.post(
        f"/api/projects/{importer.project_id}/preannotate", json={"ocr_server": "dead"}
    )
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("OCR server 'dead' does not answer")
    assert refused.json()["field"] == "ocr_server"


def test_the_built_in_server_is_checked_on_demand(importer: Importer) -> None:
    checked = importer.admin.post("/api/ocr-servers/check")
    assert checked.status_code == 200, checked.text
    builtin = next(s for s in checked.json() if s["is_builtin"])
    assert builtin["health"] == "ok" and builtin["can_preannotate"] and builtin["engine"]


def test_a_job_whose_items_all_failed_is_failed_with_the_first_reason(
    importer: Importer,
) -> None:
    job = importer.run([("a.png", b"not an image"), ("b.png", b"nor this")])
    assert job["status"] == "failed", job
    assert job["failed"] == 2 and job["done"] == 0
    assert job["error"].startswith("all 2 items failed: a.png: ")


@pytest.mark.parametrize("app_client", [{"ocr_health_check_interval_s": 0.2}], indirect=True)
def test_servers_are_checked_in_the_background(importer: Importer) -> None:
    """Nobody asks for a check: the app's background loop records the built-in server's
    health (it starts as "unknown")."""
    deadline = time.monotonic() + 60
    while True:
        listed = importer.admin.get("/api/ocr-servers").json()
        builtin = next(s for s in listed if s["is_builtin"])
        if builtin["health"] != "unknown":
            break
        assert time.monotonic() < deadline, "no background check happened"
        time.sleep(0.2)
    assert builtin["health"] == "ok" and builtin["checked_at"]
