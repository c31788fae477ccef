"""An imported task with several annotations by one account keeps them all, one of them
that account's (a user has one annotation per task)."""

from __future__ import annotations

import orjson

from tests.factories import project_page_image
from tests.fixture_files import png_bytes, text_image
from tests.imports.conftest import Importer
from tests.imports.test_json_batches import native_task
from visualner.runtime import Services


def test_a_task_annotated_twice_by_one_account_imports_both(importer: Importer) -> None:
    services: Services = importer.admin.client.app.state.services  # type: ignore[attr-defined]
    sha = project_page_image(services, importer.project_id, png_bytes(text_image("Policy 12345")))
    task = native_task(sha, "twice")
    second = {**task["annotations"][0], "status": "draft"}
    task["annotations"].append(second)
    job = importer.run([("tasks.json", orjson.dumps([task]))])
    assert job["status"] == "succeeded", job
    [imported] = [t for t in importer.tasks() if t["title"] == "twice"]
    assert sorted(str(a["user"]) for a in imported["annotations"]) == ["None", "admin"]
    assert imported["status"] == "submitted"
