"""The search index follows every write in its own transaction: imports (with OCR), OCR
re-runs, text corrections, annotation and task deletes; and the migration indexes a database
that already has documents. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, POSTGRES_ADMIN_URL
from tests.factories import ApiUser, admin_user, new_project, wait_for_job
from tests.fixture_files import png_bytes, text_image
from visualner.db import Database, session_scope
from visualner.migrate import alembic_config, upgrade_database
from visualner.projects.models import Project
from visualner.search.service import list_tasks


def _found(admin: ApiUser, project_id: int, q: str) -> list[int]:
    response = admin.get(f"/api/projects/{project_id}/tasks", params={"q": q})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _sqlite_index_is_consistent(client: TestClient) -> None:
    database: Database = client.app.state.services.database  # type: ignore[attr-defined]
    if not database.is_sqlite:
        return
    with database.engine.begin() as conn:
        for fts in ("pages_fts", "tasks_fts", "annotation_terms_fts"):
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")


def test_imports_ocr_reruns_corrections_and_deletes_keep_the_index_in_step(
    worker_client: TestClient,
) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    project_id = new_project(admin, title="Scans", template="forms")["id"]
    url = f"/api/projects/{project_id}/import"

    def import_image(name: str, text: str, *, ocr: bool) -> int:
        response = admin.post(
            url,
            files=[("files", (name, png_bytes(text_image(text))))],
            data={"options": '{"ocr": %s}' % ("true" if ocr else "false")},
        )
        assert response.status_code == 202, response.text
        assert wait_for_job(admin, response.json()["job_id"])["status"] == "succeeded"
        return _found(admin, project_id, f'"{name}"')[0]

    scanned = import_image("scanned.png", "Quarterly report", ocr=True)
    assert _found(admin, project_id, "quarterly") == [scanned]

    later = import_image("later.png", "Meeting notes", ocr=False)
    assert _found(admin, project_id, "meeting") == []
    rerun = admin.post(
        f"/api/projects/{project_id}/tasks/ocr", json={"query": '"later.png"', "ocr_servers": []}
    )
    assert rerun.status_code == 202, rerun.text
    assert wait_for_job(admin, rerun.json()["job_id"])["status"] == "succeeded"
    assert _found(admin, project_id, "meeting") == [later]

    region = {"id": "r1", "page": 0, "label": "header", "tokens": [0], "text": "Quartrly"}
    saved = admin.post(
        f"/api/tasks/{scanned}/annotations",
        json={"regions": [region], "relations": [], "status": "submitted"},
    ).json()
    assert _found(admin, project_id, "label:header=quartrly") == [scanned]
    corrected = admin.put(
        f"/api/annotations/{saved['id']}",
        json={
            "regions": [{**region, "text": "Quarterly summary"}],
            "relations": [],
            "status": "submitted",
            "version": saved["version"],
        },
    )
    assert corrected.status_code == 200, corrected.text
    assert _found(admin, project_id, "quartrly") == []
    assert _found(admin, project_id, '"quarterly summary"') == [scanned]
    _sqlite_index_is_consistent(worker_client)

    assert admin.delete(f"/api/annotations/{saved['id']}").status_code == 204
    assert _found(admin, project_id, "label:header") == []
    assert admin.delete(f"/api/tasks/{later}").status_code == 204
    assert _found(admin, project_id, "meeting") == []
    assert _found(admin, project_id, "later") == []
    _sqlite_index_is_consistent(worker_client)


ROWS_AT_0003: dict[str, list[dict[str, Any]]] = {
    "users": [{"id": 1, "username": "old", "password_hash": "x", "is_admin": True}],
    "projects": [{"id": 1, "title": "Old", "label_config": "", "task_count": 1}],
    "tasks": [
        {
            "id": 1,
            "project_id": 1,
            "title": "legacy-scan.png",
            "page_count": 1,
            "prediction_count": 1,
        }
    ],
    "pages": [
        {
            "id": 1,
            "task_id": 1,
            "page_index": 0,
            "width": 9,
            "height": 9,
            "page_text": "Ancient tome",
        }
    ],
    "annotations": [
        {
            "id": 1,
            "task_id": 1,
            "result": {
                "regions": [{"id": "a", "label": "header", "text": "Ancient"}],
                "choices": {"kind": ["book"]},
            },
        }
    ],
    "predictions": [{"id": 1, "task_id": 1, "model_version": "crf@1", "score": 0.25}],
}


def _filler(column: sa.Column[Any]) -> Any:
    python_type = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
    if python_type is dt.datetime:
        return dt.datetime.now(dt.UTC)
    return {int: 0, str: "", bool: False, float: 0.0, dict: {}}.get(python_type)


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, on the engine of ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"visualner_old_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield (
        sa.engine.make_url(POSTGRES_ADMIN_URL)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _insert_rows(database_url: str, rows_by_table: dict[str, list[dict[str, Any]]]) -> None:
    """Insert rows as they are, filling required columns the rows leave out."""
    engine = sa.create_engine(database_url)
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.begin() as conn:
        for name, rows in rows_by_table.items():
            table = tables.tables[name]
            for row in rows:
                filled = {
                    c.name: _filler(c)
                    for c in table.columns
                    if not c.nullable and c.server_default is None and c.name not in row
                }
                conn.execute(table.insert().values(**filled, **row))
        if engine.dialect.name == "postgresql":
            for name in rows_by_table:
                conn.execute(sa.text(f"SELECT setval('{name}_id_seq', 10)"))
    engine.dispose()


def test_the_migration_indexes_an_existing_database(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "0003_task_sort_indexes")
    _insert_rows(empty_database_url, ROWS_AT_0003)
    upgrade_database(empty_database_url)
    database = Database(empty_database_url)
    with session_scope(database.write) as session:
        project = session.get(Project, 1)
        assert project is not None
        project.label_config = (
            '<View><Image name="image" value="$image"/>'
            '<Labels name="label" toName="image"><Label value="header"/></Labels>'
            '<Choices name="kind" toName="image"><Choice value="book"/></Choices></View>'
        )
    with session_scope(database.read) as session:
        project = session.get(Project, 1)
        assert project is not None
        for query in ("ancient", "tome", "legacy", "label:header=ancient", "choice:book"):
            found = list_tasks(session, project=project, q=query)
            assert [t.id for t in found.tasks] == [1], query
        scored = list_tasks(session, project=project, q="has:predictions")
        assert scored.tasks[0].prediction_score == pytest.approx(0.25)
    database.dispose()


def test_the_migration_gives_existing_term_rows_their_project(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "0015_annotation_active_time")
    rows = {**ROWS_AT_0003}
    rows["projects"] = [*rows["projects"], {"id": 2, "title": "Other", "label_config": ""}]
    rows["tasks"] = [*rows["tasks"], {**rows["tasks"][0], "id": 2, "project_id": 2}]
    rows["annotations"] = [*rows["annotations"], {**rows["annotations"][0], "id": 2, "task_id": 2}]
    _insert_rows(empty_database_url, rows)
    upgrade_database(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    with engine.connect() as conn:
        projects = conn.execute(
            sa.text("SELECT task_id, kind, project_id FROM annotation_terms ORDER BY task_id, kind")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in projects] == [
        (1, "choice", 1),
        (1, "label", 1),
        (2, "choice", 2),
        (2, "label", 2),
    ]
