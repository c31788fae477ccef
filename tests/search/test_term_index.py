"""The label/choice index (``annotation_terms``) knows each row's project, follows saves,
imports, deletes and a task changing project, rewrites only the rows a save changed, and
counts a ``label:`` match once per task. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.factories import add_member, new_project, new_user, store_native_task
from tests.search.conftest import Searcher
from visualner.db import session_scope
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project
from visualner.search.models import AnnotationTerm
from visualner.tasks.models import Task


def _terms(searcher: Searcher, task_id: int) -> list[tuple[int, int, str, str, str]]:
    """(row id, project, kind, name, text) of the task's term rows."""
    with session_scope(searcher.services.database.read) as session:
        rows = session.execute(
            sa.select(
                AnnotationTerm.id,
                AnnotationTerm.project_id,
                AnnotationTerm.kind,
                AnnotationTerm.name,
                AnnotationTerm.text,
            )
            .where(AnnotationTerm.task_id == task_id)
            .order_by(AnnotationTerm.kind, AnnotationTerm.name)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _region(rid: str, label: str, text: str, token: int) -> dict[str, Any]:
    return {"id": rid, "page": 0, "label": label, "tokens": [token], "text": text}


def test_term_rows_carry_their_project_through_saves_imports_and_moves(
    searcher: Searcher,
) -> None:
    saved_task = searcher.task("saved.png", "Invoice 17 total 12")
    searcher.annotate(
        saved_task, [_region("r1", "total", "12", 3)], choices={"document_type": ["invoice"]}
    )
    assert {(project, kind) for _, project, kind, _, _ in _terms(searcher, saved_task)} == {
        (searcher.project_id, "label"),
        (searcher.project_id, "choice"),
    }

    with session_scope(searcher.services.database.write) as session:
        project = session.get(Project, searcher.project_id)
        assert project is not None
        imported_task = store_native_task(
            session,
            project_id=searcher.project_id,
            raw_task={
                "title": "imported.png",
                "data": {},
                "pages": [
                    {
                        "width": 600,
                        "height": 200,
                        "words": [{"text": "Acme", "bbox": [10, 10, 60, 30]}],
                        "ocr_status": "done",
                    }
                ],
                "annotations": [{"regions": [_region("a", "vendor_name", "Acme", 0)]}],
            },
            config=parse_label_config(project.label_config),
        )
    assert [row[1:] for row in _terms(searcher, imported_task)] == [
        (searcher.project_id, "label", "vendor_name", "Acme")
    ]

    other_project = new_project(searcher.admin, title="Elsewhere", template="invoices")["id"]
    with session_scope(searcher.services.database.write) as session:
        session.execute(
            sa.update(Task).where(Task.id == saved_task).values(project_id=other_project)
        )
    assert {project for _, project, _, _, _ in _terms(searcher, saved_task)} == {other_project}
    assert searcher.ids("label:total") == []
    assert searcher.ids("label:vendor_name") == [imported_task]


def test_a_save_rewrites_only_the_term_rows_it_changed(searcher: Searcher) -> None:
    task_id = searcher.task("doc.png", "Acme Corp invoice 17 total 12")
    regions = [_region("v", "vendor_name", "Acme Corp", 0), _region("t", "total", "12", 5)]
    saved = searcher.annotate(task_id, regions)
    before = {row[3]: row for row in _terms(searcher, task_id)}

    def save(new_regions: list[dict[str, Any]]) -> None:
        nonlocal saved
        response = searcher.admin.put(
            f"/api/annotations/{saved['id']}",
            json={"regions": new_regions, "status": "submitted", "version": saved["version"]},
        )
        assert response.status_code == 200, response.text
        saved = response.json()

    save(regions)
    assert {row[3]: row for row in _terms(searcher, task_id)} == before

    save([regions[0], _region("t", "total", "17", 4)])
    after = {row[3]: row for row in _terms(searcher, task_id)}
    assert after["vendor_name"] == before["vendor_name"]
    assert after["total"][4] == "17" and after["total"][0] != before["total"][0]
    assert searcher.ids("label:total=17") == [task_id]
    assert searcher.ids("label:total=12") == []

    save([regions[0]])
    assert [row[3] for row in _terms(searcher, task_id)] == ["vendor_name"]
    assert searcher.ids("label:total") == []


def test_a_label_counts_each_matching_task_once(searcher: Searcher) -> None:
    both = searcher.task("both.png", "Acme total 12")
    searcher.task("plain.png", "nothing labelled")
    searcher.annotate(both, [_region("t", "total", "12", 2), _region("u", "total", "Acme", 0)])
    second = new_user(searcher.admin)
    add_member(searcher.admin, searcher.project_id, second, "annotator")
    answer = second.post(
        f"/api/tasks/{both}/annotations",
        json={"regions": [_region("t", "total", "12", 2)], "status": "submitted"},
    )
    assert answer.status_code == 201, answer.text
    listed = searcher.search("label:total").json()
    assert listed["total"] == 1 and [t["id"] for t in listed["items"]] == [both]
    assert searcher.search("label:total", sort="title").json()["total"] == 1
    assert searcher.search("label:total=acme").json()["total"] == 1
    assert searcher.search("label:tax").json()["total"] == 0
    assert searcher.search("label:total", status="new").json()["total"] == 0

    assert searcher.admin.delete(f"/api/tasks/{both}").status_code == 204
    assert searcher.search("label:total").json()["total"] == 0
