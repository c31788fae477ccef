"""Agreement figures on a constructed pair with a known F1, and the agreement and progress
endpoints on SQLite and PostgreSQL (who may read them, JSON and CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.factories import new_user
from tests.team.conftest import Team
from visualner.annotations.models import Prediction
from visualner.db import session_scope
from visualner.review.agreement import agreement_of, compare_regions


def _token(region_id: str, label: str, tokens: list[int]) -> dict[str, Any]:
    return {"id": region_id, "page": 0, "label": label, "tokens": tokens}


def _box(region_id: str, label: str, bbox: list[float]) -> dict[str, Any]:
    return {"id": region_id, "page": 0, "label": label, "tokens": [], "bbox": bbox}


LEFT = [
    _token("r1", "question", [0, 1]),
    _token("r2", "answer", [2]),
    _token("r3", "header", [3, 4]),
    _token("r4", "other", [5]),
    _box("b1", "answer", [0, 0, 100, 100]),
]
RIGHT = [
    _token("x1", "question", [1, 0]),  # same words, same label: agrees
    _token("x2", "question", [2]),  # same words, other label
    _token("x3", "header", [3]),  # other words
    _token("x4", "other", [5]),  # agrees
    _box("y1", "answer", [10, 0, 110, 100]),  # IoU 9000 / 11000 ≥ 0.5: agrees
    _token("x5", "other", [6]),  # only on this side
]


def test_a_constructed_pair_has_the_known_entity_f1() -> None:
    per_label = compare_regions(LEFT, RIGHT)
    assert {k: (c.matched, c.left, c.right) for k, c in per_label.items()} == {
        "question": (1, 1, 2),
        "answer": (1, 2, 1),
        "header": (0, 1, 1),
        "other": (1, 1, 2),
    }
    report = agreement_of({1: {"ann": LEFT, "bob": RIGHT}})
    (pair,) = report.pairs
    assert (pair.left, pair.right, pair.tasks) == ("ann", "bob", 1)
    assert pair.total.f1 == pytest.approx(2 * 3 / 11)
    assert pair.by_label["question"].f1 == pytest.approx(2 / 3)
    assert pair.by_label["header"].f1 == 0
    far = compare_regions(
        [_box("b", "answer", [0, 0, 100, 100])], [_box("c", "answer", [60, 0, 160, 100])]
    )
    assert far["answer"].matched == 0  # IoU 0.25
    other_page = compare_regions(
        [_token("a", "answer", [2])], [{**_token("b", "answer", [2]), "page": 1}]
    )
    assert other_page["answer"].matched == 0


def test_agreement_adds_tasks_up_and_compares_with_the_model() -> None:
    tasks = {
        1: {"ann": LEFT, "bob": RIGHT},
        2: {"ann": [_token("r", "answer", [1])], "bob": [_token("s", "answer", [1])], "cy": []},
    }
    report = agreement_of(tasks, {2: [_token("p", "answer", [1])]})
    assert report.annotators == ["ann", "bob", "cy"]
    pairs = {(p.left, p.right): p for p in report.pairs}
    assert pairs["ann", "bob"].tasks == 2
    assert pairs["ann", "bob"].total.f1 == pytest.approx(2 * 4 / 13)
    assert pairs["ann", "cy"].total.f1 == 0
    assert [(v.left, v.total.f1) for v in report.vs_model] == [
        ("ann", 1.0),
        ("bob", 1.0),
        ("cy", 0.0),
    ]


REGION = {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}


def _submit(user: Any, task_id: int, regions: list[dict[str, Any]]) -> dict[str, Any]:
    saved = user.post(f"/api/tasks/{task_id}/annotations", json={"regions": regions})
    assert saved.status_code == 201, saved.text
    return dict(saved.json())


def test_agreement_and_progress_endpoints(team: Team) -> None:
    t1, t2 = team.tasks(2)
    url = f"/api/projects/{team.project_id}"
    team.manager.patch(url, json={"settings": {"annotations_per_task": 2}})
    a, b = team.ann_a.username, team.ann_b.username
    first = _submit(
        team.ann_a, t1, [REGION, {**REGION, "id": "a1", "label": "answer", "tokens": [2]}]
    )
    _submit(team.ann_b, t1, [REGION])
    _submit(team.ann_a, t2, [REGION])
    _submit(team.ann_b, t2, [{**REGION, "label": "answer"}])
    with session_scope(team.services.database.write) as session:
        session.add(Prediction(task_id=t1, model_version="m@1", result={"regions": [REGION]}))
    found = team.reviewer.get(f"{url}/agreement")
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["annotators"] == sorted([a, b])
    (pair,) = body["pairs"]
    assert pair["tasks"] == 2 and pair["matched"] == 1
    assert pair["f1"] == pytest.approx(2 * 1 / (3 + 2))
    assert body["labels"]["question"]["f1"] == pytest.approx(2 * 1 / (2 + 1))
    assert {v["a"]: (v["tasks"], v["f1"]) for v in body["vs_model"]} == {
        a: (1, pytest.approx(2 / 3)),
        b: (1, 1.0),
    }
    exported = team.manager.get(f"{url}/agreement", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    total = next(r for r in rows if r["annotator_b"] != "model" and r["label"] == "*")
    assert (total["tasks"], total["matched"], total["f1"]) == ("2", "1", "0.4000")
    assert team.ann_a.get(f"{url}/agreement").status_code == 403
    assert team.ann_a.get(f"{url}/progress").status_code == 403
    stranger = new_user(team.manager)
    assert stranger.get(f"{url}/agreement").status_code == 404
    assert team.manager.get(f"{url}/agreement", params={"format": "xml"}).status_code == 422

    team.reviewer.post(
        f"/api/annotations/{first['id']}/review",
        json={"action": "reject", "version": 1, "comment": "the answer is wrong"},
    )
    progress = {row["annotator"]: row for row in team.reviewer.get(f"{url}/progress").json()}
    assert progress[a] == {
        "annotator": a,
        "tasks": 2,
        "submitted": 1,
        "accepted": 0,
        "to_correct": 1,
        "rejections": 1,
        "regions_per_task": 1.0,
        "median_active_s": None,
    }
    assert progress[b]["submitted"] == 2 and progress[b]["regions_per_task"] == 1.0


def test_active_time_adds_up_over_saves_and_progress_shows_the_median(team: Team) -> None:
    t1, t2, t3 = team.tasks(3)
    first = team.ann_a.post(
        f"/api/tasks/{t1}/annotations", json={"regions": [REGION], "active_ms": 5000}
    ).json()
    team.ann_a.put(
        f"/api/annotations/{first['id']}",
        json={"version": 1, "regions": [REGION], "active_ms": 3000},
    )
    team.ann_a.post(f"/api/tasks/{t2}/annotations", json={"regions": [], "active_ms": 2000})
    team.ann_a.post(f"/api/tasks/{t3}/annotations", json={"regions": [], "status": "draft"})
    rows = team.manager.get(f"/api/projects/{team.project_id}/progress").json()
    assert [(r["annotator"], r["median_active_s"]) for r in rows] == [(team.ann_a.username, 5.0)]
    for bad in (-1, 86_400_001, "a while"):
        refused = team.ann_a.post(
            f"/api/tasks/{t3}/annotations", json={"regions": [], "active_ms": bad}
        )
        assert refused.status_code == 422
