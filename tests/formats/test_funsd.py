"""FUNSD forms imported as tasks export back to the same entities, words and links."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image

from tests.datasets import FUNSD_TRAINING
from tests.factories import store_native_task
from tests.formats.conftest import FixtureProject, zip_members
from visualner.db import session_scope
from visualner.formats.funsd import funsd_to_task
from visualner.projects.config import parse_label_config
from visualner.projects.templates import get_template

FUNSD_DIR = FUNSD_TRAINING
FORMS = ("0000971160", "0000989556", "0000990274")


def _entities(form: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            int(e["id"]),
            e["label"],
            e["text"],
            tuple(e["box"]),
            tuple((w["text"], tuple(w["box"])) for w in e["words"]),
            tuple(sorted(tuple(pair) for pair in e["linking"])),
        )
        for e in form["form"]
    )


@pytest.mark.skipif(not FUNSD_DIR.is_dir(), reason=f"FUNSD forms not found at {FUNSD_DIR}")
def test_funsd_forms_imported_as_tasks_export_the_same_entities_words_and_links(
    fixture_project: FixtureProject,
) -> None:
    services = fixture_project.services
    created = fixture_project.admin.post(
        "/api/projects", json={"title": "FUNSD", "template": "forms"}
    )
    project_id = created.json()["id"]
    config = parse_label_config(get_template("forms").xml)
    originals = {}
    with session_scope(services.database.write) as session:
        for name in FORMS:
            form = json.loads((FUNSD_DIR / "annotations" / f"{name}.json").read_text())
            image_bytes = (FUNSD_DIR / "images" / f"{name}.png").read_bytes()
            width, height = Image.open(io.BytesIO(image_bytes)).size
            raw_task = funsd_to_task(
                form,
                name=f"{name}.png",
                width=width,
                height=height,
                image_sha256=services.blobs.put_bytes(image_bytes),
            )
            task_id = store_native_task(
                session, project_id=project_id, raw_task=raw_task, config=config
            )
            originals[f"task-{task_id}_page-0.json"] = form
    exported = fixture_project.admin.get(
        f"/api/projects/{project_id}/export", params={"format": "funsd"}
    )
    assert exported.status_code == 200, exported.text
    members = zip_members(exported.content)
    assert sorted(members) == sorted(originals)
    for member, form in originals.items():
        assert _entities(json.loads(members[member])) == _entities(form)
