"""A save is a handful of statements (issue 18: 50 clients saving flat out are bound by the
server's CPU per statement): the token check is one query, the task comes with its project,
a new annotation is one INSERT (no savepoint, no look-up first), and an update is read back
by the UPDATE itself. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.conftest import ADMIN_PASSWORD
from tests.factories import admin_user, new_project, new_task
from visualner.runtime import Services


@contextmanager
def statements_of(services: Services) -> Iterator[list[str]]:
    """The SQL the app sends meanwhile, one line each."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(services.database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(services.database.engine, "before_cursor_execute", record)


def _about(statements: list[str], start: str) -> list[str]:
    return [s for s in statements if s.upper().startswith(start)]


def test_a_save_reads_and_writes_each_row_once(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    project_id = new_project(admin)["id"]
    task_id = new_task(services, project_id)
    region = {"id": "r1", "page": 0, "label": "question", "tokens": [0], "text": "w0"}
    body = {"regions": [region], "relations": [], "status": "draft"}

    with statements_of(services) as created_with:
        created = admin.post(f"/api/tasks/{task_id}/annotations", json=body)
    assert created.status_code == 201, created.text
    with statements_of(services) as updated_with:
        updated = admin.put(
            f"/api/annotations/{created.json()['id']}",
            json={**body, "version": created.json()["version"]},
        )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2

    for statements in (created_with, updated_with):
        assert len([s for s in statements if "FROM api_tokens" in s or "JOIN api_tokens" in s]) == 1
        assert not [s for s in statements if "FROM projects" in s], statements
        assert not _about(statements, "SAVEPOINT")
    assert not [s for s in created_with if "FROM annotations" in s and "annotations.id," in s]
    assert len(_about(created_with, "INSERT INTO ANNOTATIONS")) == 1
    reads_of_the_annotation = [
        s
        for s in updated_with
        if s.startswith("SELECT annotations.id,") and "FROM annotations" in s
    ]
    assert len(reads_of_the_annotation) == 1, updated_with
    assert "RETURNING" in _about(updated_with, "UPDATE ANNOTATIONS")[0]


@contextmanager
def checkouts_of(services: Services) -> Iterator[list[int]]:
    """Each connection the app takes from its pool meanwhile."""
    taken: list[int] = []

    def record(*_args: object) -> None:
        taken.append(1)

    event.listen(services.database.engine.pool, "checkout", record)
    try:
        yield taken
    finally:
        event.remove(services.database.engine.pool, "checkout", record)


def test_a_save_reads_on_the_connection_it_was_authenticated_on(client: TestClient) -> None:
    """One connection authenticates and reads, one writes; a project without automatic
    retraining or target storages starts nothing after the response."""
    admin = admin_user(client, ADMIN_PASSWORD)
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    project_id = new_project(admin)["id"]
    task_id = new_task(services, project_id)
    region = {"id": "r1", "page": 0, "label": "question", "tokens": [0], "text": "w0"}
    body = {"regions": [region], "relations": [], "status": "submitted"}

    with checkouts_of(services) as taken, statements_of(services) as statements:
        created = admin.post(f"/api/tasks/{task_id}/annotations", json=body)
    assert created.status_code == 201, created.text
    assert len(taken) == 2
    assert not [s for s in statements if "FROM projects" in s], statements
    assert len([s for s in statements if "FROM storages" in s]) == 1

    with checkouts_of(services) as taken, statements_of(services) as statements:
        draft = admin.put(
            f"/api/annotations/{created.json()['id']}",
            json={**body, "status": "draft", "version": created.json()["version"]},
        )
    assert draft.status_code == 200, draft.text
    assert len(taken) == 2
    assert not [s for s in statements if "FROM storages" in s], statements


def test_a_task_list_is_one_connection_and_no_task_data(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    project_id = new_project(admin)["id"]
    new_task(services, project_id)

    with checkouts_of(services) as taken, statements_of(services) as statements:
        listed = admin.get(f"/api/projects/{project_id}/tasks")
    assert listed.status_code == 200, listed.text
    assert len(taken) == 1
    # the project comes with the caller's role in it
    assert not [s for s in statements if s.startswith("SELECT project_members.role")]
    assert not [s for s in statements if "tasks.data" in s], statements
