"""One user has one annotation per task: a second tab's first save is a stale write (409),
the database refuses a second row, imports and old duplicates are folded into that rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from tests.conftest import ADMIN_PASSWORD
from tests.factories import admin_user, new_project, new_task
from visualner.annotations.models import Annotation
from visualner.db import Database, session_scope
from visualner.migrate import alembic_config, upgrade_database
from visualner.runtime import Services

REGION = {"id": "q1", "page": 0, "label": "question", "tokens": [0], "text": "word0"}


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def test_a_second_first_save_by_the_same_user_is_a_stale_write(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    task_id = new_task(_services(client), project["id"])
    url = f"/api/tasks/{task_id}/annotations"
    first = admin.post(url, json={"regions": [REGION], "status": "draft"})
    assert first.status_code == 201, first.text
    second = admin.post(url, json={"regions": [{**REGION, "id": "other"}], "status": "draft"})
    assert second.status_code == 409
    detail = second.json()["detail"]
    assert f"annotation {first.json()['id']}, version 1" in detail
    assert "reload" in detail
    listed = admin.get(url).json()
    assert [a["regions"][0]["id"] for a in listed] == ["q1"]
    task = admin.get(f"/api/projects/{project['id']}/tasks").json()["items"][0]
    assert task["annotation_count"] == 1


def test_the_database_refuses_a_second_annotation_of_a_task_by_one_user(
    client: TestClient,
) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    services = _services(client)
    task_id = new_task(services, project["id"])
    admin_id = admin.get("/api/me").json()["id"]
    with session_scope(services.database.write) as session:
        session.add(Annotation(task_id=task_id, user_id=admin_id, result={}))
        session.add(Annotation(task_id=task_id, user_id=None, result={}))
        session.add(Annotation(task_id=task_id, user_id=None, result={}))
    with pytest.raises(IntegrityError), session_scope(services.database.write) as session:
        session.add(Annotation(task_id=task_id, user_id=admin_id, result={}))
        session.flush()


def _rows(conn: sa.Connection, sql: str, **params: object) -> list[sa.Row[tuple[object, ...]]]:
    return list(conn.execute(sa.text(sql), params).all())


def test_the_migration_merges_duplicates_into_one_history(
    database_url: str, tmp_path: Path
) -> None:
    """Built on the schema before the rule: two annotations of one task by one user (the
    submitted one with a history of its own) become one, every saved state kept."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        command.downgrade(alembic_config(database_url), "0003_task_sort_indexes")
    command.upgrade(alembic_config(database_url), "0003_task_sort_indexes")
    engine = sa.create_engine(database_url)
    stamp = "2026-01-0{} 10:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, password_hash, is_admin, is_active, created_at)"
                " VALUES (1, 'ann', 'x', false, true, :t), (2, 'bob', 'x', false, true, :t)"
            ),
            {"t": stamp.format(1)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO projects (id, title, description, label_config, settings, "
                "task_count, created_at, updated_at) "
                "VALUES (1, 'P', '', '<View/>', '{}', 1, :t, :t)"
            ),
            {"t": stamp.format(1)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO tasks (id, project_id, title, data, status, page_count, "
                "annotation_count, prediction_count, created_at, updated_at) "
                "VALUES (1, 1, 't', '{}', 'submitted', 1, 3, 0, :t, :t)"
            ),
            {"t": stamp.format(1)},
        )
        insert = sa.text(
            "INSERT INTO annotations (id, task_id, user_id, status, version, result, "
            "review_status, created_at, updated_at) VALUES "
            "(:id, 1, :user, :status, :version, :result, '', :t, :t)"
        )
        conn.execute(
            insert,
            {
                "id": 1,
                "user": 1,
                "status": "draft",
                "version": 1,
                "result": '{"regions": ["draft"]}',
                "t": stamp.format(5),
            },
        )
        conn.execute(
            insert,
            {
                "id": 2,
                "user": 1,
                "status": "submitted",
                "version": 2,
                "result": '{"regions": ["submitted"]}',
                "t": stamp.format(4),
            },
        )
        conn.execute(
            insert,
            {
                "id": 3,
                "user": 2,
                "status": "draft",
                "version": 1,
                "result": '{"regions": ["bob"]}',
                "t": stamp.format(3),
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO annotation_versions (annotation_id, version, status, result, "
                "user_id, created_at) VALUES (2, 1, 'draft', '{\"regions\": [\"first\"]}', 1, :t)"
            ),
            {"t": stamp.format(2)},
        )
    upgrade_database(database_url)
    with engine.connect() as conn:
        kept = _rows(
            conn, "SELECT id, user_id, status, version, result FROM annotations ORDER BY id"
        )
        history = _rows(
            conn,
            "SELECT version, status, result FROM annotation_versions "
            "WHERE annotation_id = 2 ORDER BY version",
        )
        count = conn.execute(sa.text("SELECT annotation_count FROM tasks")).scalar()
    engine.dispose()
    assert [(r[0], r[1], r[2], r[3]) for r in kept] == [(2, 1, "submitted", 3), (3, 2, "draft", 1)]
    assert [(r[0], r[1], _regions(r[2])) for r in history] == [
        (1, "draft", ["first"]),
        (2, "draft", ["draft"]),
    ]
    assert _regions(kept[0][4]) == ["submitted"]
    assert count == 2
    database = Database(database_url)
    with pytest.raises(IntegrityError), session_scope(database.write) as session:
        session.add(Annotation(task_id=1, user_id=2, result={}))
        session.flush()
    database.dispose()


def _regions(result: object) -> object:
    value = json.loads(result) if isinstance(result, str) else result
    assert isinstance(value, dict)
    return value["regions"]
