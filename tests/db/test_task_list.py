"""Paging through a project's tasks in every sort, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from visualner.auth.service import create_user
from visualner.db import Database, session_scope
from visualner.errors import InvalidInput
from visualner.projects.models import Project
from visualner.projects.service import create_project
from visualner.search.service import TASK_SORTS, list_tasks
from visualner.tasks.service import NewPage, create_task

TITLES = ["b.png", "a.png", "c.png", "a.png", "b.png", "a.png", "d.png"]


def _seed(database: Database) -> tuple[int, list[int]]:
    with session_scope(database.write) as session:
        owner = create_user(session, username="owner", password="long-password")
        project_id = create_project(session, owner=owner, title="Claims", template="forms").id
        ids = [
            create_task(
                session,
                project_id=project_id,
                title=title,
                data={"image": title},
                pages=[NewPage(100, 100)] * (1 + k % 3),
            ).id
            for k, title in enumerate(TITLES)
        ]
    return project_id, ids


@pytest.mark.parametrize("sort", sorted(TASK_SORTS))
def test_pages_of_any_sort_cover_every_task_once_in_order(database_url: str, sort: str) -> None:
    database = Database(database_url)
    project_id, ids = _seed(database)
    with session_scope(database.read) as session:
        listed = []
        for page in range(1, 5):
            project = session.get(Project, project_id)
            assert project is not None
            found = list_tasks(session, project=project, page=page, page_size=2, sort=sort)
            total = found.total
            listed.extend((t.id, t.title, t.page_count) for t in found.tasks)
    database.dispose()

    key = {"id": 0, "title": 1, "pages": 2}.get(sort.lstrip("-"))
    if key is None:  # updated: created in order; status, annotations, score: all the same
        key = 0
    expected = sorted(
        ((task_id, TITLES[k], 1 + k % 3) for k, task_id in enumerate(ids)),
        key=lambda row: (row[key], row[0]),
        reverse=sort.startswith("-"),
    )
    assert total == len(TITLES)
    assert listed == expected


def test_an_unknown_sort_is_refused_with_the_choices(database_url: str) -> None:
    database = Database(database_url)
    project_id, _ = _seed(database)
    with session_scope(database.read) as session, pytest.raises(InvalidInput, match="title"):
        project = session.get(Project, project_id)
        assert project is not None
        list_tasks(session, project=project, sort="colour")
    database.dispose()
