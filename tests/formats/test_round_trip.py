"""The native JSON export carries a whole project: storing it again gives the same export."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import store_native_task
from tests.formats.conftest import LABEL_CONFIG, FixtureProject
from visualner.db import session_scope
from visualner.projects.config import parse_label_config

# What a re-import cannot keep the same: ids, times, URLs with ids, and the edit history.
VOLATILE = {"id", "created_at", "updated_at", "url", "history", "version", "saved_at"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _new_project(project: FixtureProject, title: str) -> int:
    created = project.admin.post(
        "/api/projects", json={"title": title, "label_config": LABEL_CONFIG}
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _everything(project: FixtureProject, project_id: int) -> list[dict[str, Any]]:
    response = project.admin.get(
        f"/api/projects/{project_id}/export",
        params={"format": "json", "only": "all", "predictions": "true"},
    )
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


def test_storing_a_native_export_again_gives_an_identical_project(
    fixture_project: FixtureProject,
) -> None:
    exported = _everything(fixture_project, fixture_project.project_id)
    copy_id = _new_project(fixture_project, "Round trip (service)")
    services = fixture_project.services
    config = parse_label_config(LABEL_CONFIG)
    with session_scope(services.database.write) as session:
        for position, raw in enumerate(json.loads(json.dumps(exported))):
            store_native_task(
                session,
                project_id=copy_id,
                raw_task=raw,
                config=config,
                where=f"tasks.json[{position}]",
            )
    assert _stable(_everything(fixture_project, copy_id)) == _stable(exported)


def test_importing_a_native_export_through_the_api_gives_an_identical_project(
    fixture_project: FixtureProject,
) -> None:
    exported = _everything(fixture_project, fixture_project.project_id)
    copy_id = _new_project(fixture_project, "Round trip (API)")
    started = fixture_project.admin.post(
        f"/api/projects/{copy_id}/import", json=exported, params={"options": '{"ocr": false}'}
    )
    assert started.status_code == 202, started.text
    from datetime import timedelta

    from visualner.jobs.runner import run_job

    services = fixture_project.services
    run_job(
        services.job_context,
        services.registry,
        started.json()["job_id"],
        stale_after=timedelta(minutes=5),
    )
    assert _stable(_everything(fixture_project, copy_id)) == _stable(exported)
