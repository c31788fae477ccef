"""Bulk actions on a selection or on every task matching a query, on SQLite and PostgreSQL:
tags (and the tag filter), delete with its confirmation and blob cleanup, export and
pre-annotation of a selection."""

from __future__ import annotations

import os
import time

from tests.factories import new_user
from tests.search.conftest import Searcher
from visualner.db import session_scope
from visualner.tasks.models import Page


def _bulk(searcher: Searcher, action: str, **body: object) -> object:
    return searcher.admin.post(f"/api/projects/{searcher.project_id}/tasks/{action}", json=body)


def test_tagging_a_selection_and_a_query_result_and_filtering_by_tag(
    searcher: Searcher,
) -> None:
    a, b, c = (searcher.task(f"{n}.png", f"form {n}") for n in ("a", "b", "c"))
    tagged = _bulk(searcher, "tags", task_ids=[a, b], add=["To check", "batch 7"])
    assert tagged.status_code == 200, tagged.text  # type: ignore[attr-defined]
    assert tagged.json() == {"added": 4, "removed": 0}  # type: ignore[attr-defined]
    again = _bulk(searcher, "tags", query="form", add=["to  CHECK"])
    assert again.json() == {"added": 1, "removed": 0}  # type: ignore[attr-defined]
    searcher.same('tag:"to check"', [a, b, c])
    searcher.same('tag:"batch 7" -tag:nothing', [a, b])
    listed = searcher.search("", sort="id").json()["items"]
    assert listed[0]["tags"] == ["batch 7", "To check"]
    tags = searcher.admin.get(f"/api/projects/{searcher.project_id}/tags").json()
    assert tags == [{"name": "batch 7", "tasks": 2}, {"name": "To check", "tasks": 3}]
    removed = _bulk(searcher, "tags", query='tag:"batch 7"', remove=["batch 7"])
    assert removed.json() == {"added": 0, "removed": 2}  # type: ignore[attr-defined]
    names = [
        t["name"] for t in searcher.admin.get(f"/api/projects/{searcher.project_id}/tags").json()
    ]
    assert names == ["To check"]  # an unused tag is forgotten


def test_a_selection_is_ids_of_this_project_or_a_valid_query(searcher: Searcher) -> None:
    a = searcher.task("a.png", "x")
    other = searcher.admin.post("/api/projects", json={"title": "Other", "template": "forms"})
    foreign = _bulk(searcher, "tags", task_ids=[a, 99999], add=["x"])
    assert foreign.status_code == 404  # type: ignore[attr-defined]
    both = _bulk(searcher, "tags", task_ids=[a], query="x", add=["x"])
    assert both.status_code == 400  # type: ignore[attr-defined]
    bad = _bulk(searcher, "tags", query="label:nope", add=["x"])
    assert bad.status_code == 400 and "label:nope" in bad.json()["detail"]  # type: ignore[attr-defined]
    assert _bulk(searcher, "tags", task_ids=[a], add=[" "]).status_code == 400  # type: ignore[attr-defined]
    assert other.status_code == 201


def test_annotators_may_not_tag_or_delete(searcher: Searcher) -> None:
    a = searcher.task("a.png", "x")
    annotator = new_user(searcher.admin)
    searcher.admin.post(
        f"/api/projects/{searcher.project_id}/members",
        json={"username": annotator.username, "role": "annotator"},
    )
    url = f"/api/projects/{searcher.project_id}/tasks"
    assert annotator.post(f"{url}/tags", json={"task_ids": [a], "add": ["x"]}).status_code == 403
    deleting = annotator.post(f"{url}/delete", json={"task_ids": [a], "confirm_count": 1})
    assert deleting.status_code == 403
    assert annotator.get(f"/api/projects/{searcher.project_id}/tags").status_code == 200


def _with_image(searcher: Searcher, task_id: int, content: bytes) -> str:
    sha = searcher.services.blobs.put_bytes(content)
    with session_scope(searcher.services.database.write) as session:
        for page in session.query(Page).filter(Page.task_id == task_id):
            page.image_sha256 = sha
    return sha


def _age(searcher: Searcher, sha: str) -> None:
    """As if stored an hour ago (imports that may reuse a blob touch it)."""
    past = time.time() - 3600
    os.utime(searcher.services.blobs.path_for(sha), (past, past))


def test_deleting_needs_the_confirmed_count_and_removes_only_unused_blobs(
    searcher: Searcher,
) -> None:
    a = searcher.task("a.png", "old scan")
    b = searcher.task("b.png", "old scan")
    c = searcher.task("c.png", "shared image")
    fresh = searcher.task("d.png", "old scan")
    own = _with_image(searcher, a, b"image of a only")
    shared = _with_image(searcher, b, b"image of b and c")
    _with_image(searcher, c, b"image of b and c")
    just_stored = _with_image(searcher, fresh, b"image stored a moment ago")
    for sha in (own, shared):
        _age(searcher, sha)

    stale = _bulk(searcher, "delete", query='"old scan"', confirm_count=2)
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert "holds 3 task(s), not the 2 confirmed" in stale.json()["detail"]  # type: ignore[attr-defined]

    deleted = _bulk(searcher, "delete", query='"old scan"', confirm_count=3)
    assert deleted.status_code == 200, deleted.text  # type: ignore[attr-defined]
    assert deleted.json() == {"deleted": 3, "blobs_removed": 1}  # type: ignore[attr-defined]
    blobs = searcher.services.blobs
    assert not blobs.exists(own)
    assert blobs.exists(shared)  # task c still shows it
    assert blobs.exists(just_stored)  # queued: an import may be about to use it
    searcher.same("", [c])
    assert searcher.search("").json()["total"] == 1

    _age(searcher, just_stored)
    single = searcher.admin.delete(f"/api/tasks/{c}")
    assert single.status_code == 204
    assert not blobs.exists(shared) and not blobs.exists(just_stored)
    assert searcher.search("").json()["total"] == 0


def test_export_and_preannotation_take_the_selection(searcher: Searcher) -> None:
    a = searcher.task("a.png", "invoice one")
    searcher.task("b.png", "receipt two")
    url = f"/api/projects/{searcher.project_id}/export"
    exported = searcher.admin.get(url, params={"format": "json", "only": "all", "q": "invoice"})
    assert exported.status_code == 200
    assert [t["id"] for t in exported.json()] == [a]
    by_id = searcher.admin.get(url, params={"format": "json", "only": "all", "task_ids": [a]})
    assert [t["id"] for t in by_id.json()] == [a]
    bad = searcher.admin.get(url, params={"format": "json", "q": '"open'})
    assert bad.status_code == 400 and "quote is not closed" in bad.json()["detail"]
    preannotate = searcher.admin.post(
        f"/api/projects/{searcher.project_id}/preannotate", json={"query": "nothing-like-this"}
    )
    assert preannotate.status_code == 400
    assert "no task matches" in preannotate.json()["detail"]


def test_out_of_range_ids_nul_tags_and_odd_statuses_are_400s(searcher: Searcher) -> None:
    a = searcher.task("a.png", "x")
    huge = _bulk(searcher, "tags", task_ids=[2**63], add=["x"])
    assert huge.status_code == 422  # type: ignore[attr-defined]
    nul = _bulk(searcher, "tags", task_ids=[a], add=["a\x00b"])
    assert nul.status_code == 400  # type: ignore[attr-defined]
    assert "NUL" in nul.json()["detail"]  # type: ignore[attr-defined]
    odd = searcher.search("", status="new tag:x")
    assert odd.status_code == 400 and odd.json()["field"] == "status"
    exported = searcher.admin.get(
        f"/api/projects/{searcher.project_id}/export", params={"task_ids": [2**40]}
    )
    assert exported.status_code == 400
