"""The diff between two versions of an annotation on SQLite and PostgreSQL: regions added,
removed, relabelled, text edited and moved; who may read it."""

from __future__ import annotations

from tests.factories import new_user
from tests.team.conftest import Team

Q1 = {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}
A1 = {"id": "a1", "page": 0, "label": "answer", "tokens": [2], "text": "word2"}
H1 = {"id": "h1", "page": 0, "label": "header", "tokens": [3], "text": "word3"}


def test_the_diff_names_added_removed_relabelled_edited_and_moved_regions(team: Team) -> None:
    (t1,) = team.tasks(1)
    team.assign(task_ids=[t1], annotators=[team.ann_a.username])
    first = team.ann_a.post(f"/api/tasks/{t1}/annotations", json={"regions": [Q1, A1]}).json()
    url = f"/api/annotations/{first['id']}"
    team.ann_a.put(
        url,
        json={
            "version": 1,
            "regions": [
                {**Q1, "label": "answer", "text": "word0 word1!"},
                {**H1, "tokens": [3, 4]},
            ],
        },
    )
    diff = team.reviewer.get(f"{url}/diff", params={"from": 1})
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert (body["from"], body["to"]) == (1, 2)
    assert [r["id"] for r in body["added"]] == ["h1"]
    assert [r["id"] for r in body["removed"]] == ["a1"]
    assert [(r["id"], r["from_label"], r["label"]) for r in body["relabelled"]] == [
        ("q1", "question", "answer")
    ]
    assert [(r["from_text"], r["text"]) for r in body["text_edited"]] == [
        ("word0 word1", "word0 word1!")
    ]
    assert body["reshaped"] == []
    back = team.ann_a.get(f"{url}/diff", params={"from": 2, "to": 1}).json()
    assert [r["id"] for r in back["added"]] == ["a1"]
    assert team.ann_a.get(f"{url}/diff", params={"from": 5}).status_code == 404
    assert team.ann_a.get(f"{url}/diff").status_code == 422
    assert team.ann_b.get(f"{url}/diff", params={"from": 1}).status_code == 404
    assert new_user(team.manager).get(f"{url}/diff", params={"from": 1}).status_code == 404
