"""Comments on tasks and regions on SQLite and PostgreSQL: who may comment, resolve and
reopen; region anchors checked; the task list marks open comments and has:comments finds
them; text is stored as written (the pages escape it)."""

from __future__ import annotations

from tests.factories import new_user
from tests.team.conftest import Team

REGION = {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def test_comments_on_a_task_and_a_region_resolve_reopen_and_mark_the_list(team: Team) -> None:
    t1, t2 = team.tasks(2)
    team.assign(task_ids=[t1], annotators=[team.ann_a.username])
    annotation = team.ann_a.post(
        f"/api/tasks/{t1}/annotations", json={"regions": [REGION], "status": "submitted"}
    ).json()
    url = f"/api/tasks/{t1}/comments"
    on_task = team.ann_a.post(url, json={"body": f"  {HOSTILE}  "})
    assert on_task.status_code == 201, on_task.text
    assert on_task.json()["body"] == HOSTILE and on_task.json()["author"] == team.ann_a.username
    on_region = team.reviewer.post(
        url, json={"body": "wrong label", "annotation_id": annotation["id"], "region_id": "q1"}
    )
    assert on_region.status_code == 201, on_region.text
    listed = team.ann_a.get(url).json()
    assert [(c["body"], c["region_id"], c["resolved"]) for c in listed] == [
        (HOSTILE, None, False),
        ("wrong label", "q1", False),
    ]
    rows = team.manager.get(f"/api/projects/{team.project_id}/tasks", params={"sort": "id"})
    assert [r["open_comments"] for r in rows.json()["items"]] == [2, 0]
    assert team.listed(team.manager, "has:comments") == [t1]
    assert team.listed(team.manager, "-has:comments") == [t2]
    comment_url = f"/api/comments/{on_region.json()['id']}"
    assert team.ann_b.patch(comment_url, json={"resolved": True}).status_code == 404
    assert team.ann_a.patch(comment_url, json={"resolved": True}).status_code == 403
    resolved = team.reviewer.patch(comment_url, json={"resolved": True})
    assert resolved.status_code == 200 and resolved.json()["resolved_by"] == team.reviewer.username
    own = team.ann_a.patch(f"/api/comments/{on_task.json()['id']}", json={"resolved": True})
    assert own.status_code == 200
    assert team.listed(team.manager, "has:comments") == []
    reopened = team.manager.patch(comment_url, json={"resolved": False})
    assert reopened.json()["resolved"] is False and reopened.json()["resolved_by"] is None
    assert team.listed(team.manager, "has:comments") == [t1]


def test_comment_refusals(team: Team) -> None:
    t1, t2 = team.tasks(2)
    team.assign(task_ids=[t1], annotators=[team.ann_a.username])
    annotation = team.manager.post(
        f"/api/tasks/{t2}/annotations", json={"regions": [REGION], "status": "submitted"}
    ).json()
    url = f"/api/tasks/{t1}/comments"
    assert team.ann_a.post(url, json={"body": "  "}).status_code == 400
    assert team.ann_a.post(url, json={"body": "x" * 5001}).status_code == 422
    assert team.ann_b.post(url, json={"body": "hi"}).status_code == 404  # not their task
    assert team.ann_b.get(url).status_code == 404
    stranger = new_user(team.manager)
    assert stranger.post(url, json={"body": "hi"}).status_code == 404
    foreign = team.manager.post(
        url, json={"body": "x", "annotation_id": annotation["id"], "region_id": "q1"}
    )
    assert foreign.status_code == 404  # an annotation of another task
    missing = team.manager.post(
        f"/api/tasks/{t2}/comments",
        json={"body": "x", "annotation_id": annotation["id"], "region_id": "nope"},
    )
    assert missing.status_code == 400 and "no region 'nope'" in missing.json()["detail"]
    half = team.manager.post(url, json={"body": "x", "region_id": "q1"})
    assert half.status_code == 400 and half.json()["field"] == "region_id"
    assert team.manager.patch("/api/comments/99999", json={"resolved": True}).status_code == 404


def test_an_annotator_cannot_anchor_to_or_probe_another_annotators_regions(team: Team) -> None:
    (task,) = team.tasks(1)
    team.assign(task_ids=[task], annotators=[team.ann_a.username, team.ann_b.username])
    theirs = team.ann_a.post(
        f"/api/tasks/{task}/annotations", json={"regions": [REGION], "status": "submitted"}
    ).json()
    url = f"/api/tasks/{task}/comments"
    for region_id in (REGION["id"], "no-such-region"):  # the same answer either way
        probe = team.ann_b.post(
            url, json={"body": "x", "annotation_id": theirs["id"], "region_id": region_id}
        )
        assert probe.status_code == 404, probe.text
    own = team.ann_a.post(
        url, json={"body": "mine", "annotation_id": theirs["id"], "region_id": REGION["id"]}
    )
    assert own.status_code == 201, own.text
    reviewer = team.reviewer.post(
        url, json={"body": "check", "annotation_id": theirs["id"], "region_id": REGION["id"]}
    )
    assert reviewer.status_code == 201, reviewer.text
    assert [c["body"] for c in team.ann_b.get(url).json()] == []  # A's region comments
    assert [c["body"] for c in team.ann_a.get(url).json()] == ["mine", "check"]
