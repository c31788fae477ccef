"""Migration 0013 numbers the tasks already stored, per project in id order."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from visualner.db import make_disposable_engine
from visualner.migrate import alembic_config, upgrade_database

NOW = "2026-01-01 00:00:00"


def test_existing_tasks_are_numbered_per_project_in_id_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0012_annotation_reviews")
    engine = make_disposable_engine(url)
    with engine.begin() as conn:
        for project_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO projects (id, title, description, label_config, settings, "
                    "task_count, created_at, updated_at) VALUES "
                    "(:id, 'p', '', '<View/>', '{}', 0, :now, :now)"
                ),
                {"id": project_id, "now": NOW},
            )
        for task_id, project_id in ((1, 1), (2, 2), (3, 1), (4, 2), (5, 1)):
            conn.execute(
                text(
                    "INSERT INTO tasks (id, project_id, title, data, status, page_count, "
                    "annotation_count, prediction_count, created_at, updated_at) VALUES "
                    "(:id, :project, 't', '{}', 'new', 0, 0, 0, :now, :now)"
                ),
                {"id": task_id, "project": project_id, "now": NOW},
            )
    upgrade_database(url)
    with engine.connect() as conn:
        numbered = dict(conn.execute(text("SELECT id, number FROM tasks")).all())
        counters = dict(conn.execute(text("SELECT id, tasks_numbered FROM projects")).all())
    engine.dispose()
    assert numbered == {1: 1, 3: 2, 5: 3, 2: 1, 4: 2}
    assert counters == {1: 3, 2: 2}
