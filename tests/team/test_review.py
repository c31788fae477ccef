"""Reviewing on SQLite and PostgreSQL: reject with a comment → to correct and back in the
annotator's queue; resubmit → accept → reviewed and the ground truth; exports take the
ground truth by default; per-annotator statuses; "Review next"; who may do what."""

from __future__ import annotations

from typing import Any

from tests.factories import add_member, new_user
from tests.team.conftest import Team

REGION = {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}


def _annotate(team: Team, user: Any, task_id: int, label: str = "question") -> dict[str, Any]:
    saved = user.post(
        f"/api/tasks/{task_id}/annotations",
        json={"regions": [{**REGION, "label": label}], "status": "submitted"},
    )
    assert saved.status_code == 201, saved.text
    return dict(saved.json())


def _review(user: Any, annotation: dict[str, Any], action: str, **body: Any) -> Any:
    return user.post(
        f"/api/annotations/{annotation['id']}/review",
        json={"action": action, "version": annotation["version"], **body},
    )


def _exported(team: Team, only: str | None = None) -> list[tuple[int, str, str]]:
    """(task, author, first region's label) of every exported annotation."""
    params = {"format": "json", **({"only": only} if only else {})}
    answer = team.manager.get(f"/api/projects/{team.project_id}/export", params=params)
    assert answer.status_code == 200, answer.text
    return sorted(
        (task["id"], annotation["user"], annotation["regions"][0]["label"])
        for task in answer.json()
        for annotation in task["annotations"]
    )


def _status(team: Team, user: Any, task_id: int) -> str:
    return str(user.get(f"/api/tasks/{task_id}").json()["status"])


def test_reject_with_a_comment_then_resubmit_and_accept(team: Team) -> None:
    t1, t2 = team.tasks(2)
    team.assign(task_ids=[t1, t2], annotators=[team.ann_a.username])
    first = _annotate(team, team.ann_a, t1)
    assert _status(team, team.manager, t1) == "submitted"
    no_comment = _review(team.reviewer, first, "reject", comment="  ")
    assert no_comment.status_code == 400 and no_comment.json()["field"] == "comment"
    comment = "<script>alert(1)</script> the date is an answer"
    rejected = _review(team.reviewer, first, "reject", comment=comment)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["annotation"]["status"] == "draft"
    assert rejected.json()["annotation"]["review_status"] == "rejected"
    assert rejected.json()["review"]["comment"] == comment
    assert _status(team, team.manager, t1) == "to_correct"
    assert _status(team, team.ann_a, t1) == "to_correct"
    reviews = team.ann_a.get(f"/api/tasks/{t1}/reviews").json()
    assert [(r["action"], r["comment"], r["reviewer"], r["version"]) for r in reviews] == [
        ("reject", comment, team.reviewer.username, 1)
    ]
    nxt = team.page_as(team.ann_a, f"/projects/{team.project_id}/next")
    assert nxt.headers["location"] == f"/tasks/{t1}"  # back in the annotator's queue
    fixed = team.ann_a.put(
        f"/api/annotations/{first['id']}",
        json={"version": 1, "regions": [{**REGION, "label": "answer"}], "status": "submitted"},
    ).json()
    assert fixed["version"] == 2 and fixed["review_status"] == ""
    assert _status(team, team.manager, t1) == "submitted"
    stale = _review(team.reviewer, first, "accept")
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"]
    accepted = _review(team.reviewer, fixed, "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["annotation"]["review_status"] == "accepted"
    assert _status(team, team.manager, t1) == "reviewed"
    assert _status(team, team.ann_a, t1) == "reviewed"
    _annotate(team, team.ann_a, t2)
    assert _exported(team, "reviewed") == [(t1, team.ann_a.username, "answer")]
    assert _exported(team, "submitted") == [
        (t1, team.ann_a.username, "answer"),
        (t2, team.ann_a.username, "question"),
    ]
    again = _review(team.reviewer, accepted.json()["annotation"], "reject", comment="x")
    assert again.status_code == 200  # a reviewed annotation can still be sent back
    assert _status(team, team.manager, t1) == "to_correct"
    draft = _review(team.reviewer, again.json()["annotation"], "accept")
    assert draft.status_code == 409 and "not submitted" in draft.json()["detail"]


def test_a_reviewer_edits_and_accepts_as_a_new_version(team: Team) -> None:
    (t1,) = team.tasks(1)
    first = _annotate(team, team.ann_a, t1)
    edited = team.reviewer.put(
        f"/api/annotations/{first['id']}",
        json={"version": 1, "regions": [{**REGION, "label": "header"}], "status": "submitted"},
    ).json()
    assert edited["edited_by"] == team.reviewer.username and edited["user"] == team.ann_a.username
    assert first["edited_by"] == team.ann_a.username
    assert _review(team.reviewer, edited, "accept").status_code == 200
    assert _exported(team, "reviewed") == [(t1, team.ann_a.username, "header")]
    versions = team.manager.get(f"/api/annotations/{first['id']}/versions").json()
    assert [(v["version"], v["user"]) for v in versions] == [(1, team.ann_a.username)]
    team.ann_a.put(
        f"/api/annotations/{first['id']}",
        json={"version": 2, "regions": [{**REGION, "label": "header"}], "status": "draft"},
    )
    versions = team.manager.get(f"/api/annotations/{first['id']}/versions").json()
    assert [(v["version"], v["user"]) for v in versions] == [
        (2, team.reviewer.username),
        (1, team.ann_a.username),
    ]


def test_exports_take_the_ground_truth_by_default_and_a_manager_picks_it(team: Team) -> None:
    t1, t2 = team.tasks(2)
    team.manager.patch(
        f"/api/projects/{team.project_id}", json={"settings": {"annotations_per_task": 2}}
    )
    from_a = _annotate(team, team.ann_a, t1, "question")
    from_b = _annotate(team, team.ann_b, t1, "answer")
    _annotate(team, team.ann_a, t2, "other")
    both = [
        (t1, team.ann_a.username, "question"),
        (t1, team.ann_b.username, "answer"),
        (t2, team.ann_a.username, "other"),
    ]
    assert _exported(team) == both  # no ground truth chosen yet: the submitted ones
    assert team.reviewer.post(f"/api/annotations/{from_b['id']}/ground-truth").status_code == 403
    picked = team.manager.post(f"/api/annotations/{from_b['id']}/ground-truth")
    assert picked.status_code == 200, picked.text
    assert _exported(team) == [both[1], both[2]]
    assert _exported(team, "ground_truth") == [both[1], both[2]]
    assert _exported(team, "submitted") == both
    assert _review(team.reviewer, from_a, "accept").status_code == 200  # accepting picks it
    assert _exported(team) == [both[0], both[2]]
    as_draft = team.ann_b.put(
        f"/api/annotations/{from_b['id']}",
        json={"version": 1, "regions": [REGION], "status": "draft"},
    )
    assert as_draft.status_code == 200, as_draft.text
    draft = team.manager.post(f"/api/annotations/{from_b['id']}/ground-truth")
    assert draft.status_code == 409 and "among submitted" in draft.json()["detail"]


def test_each_annotator_sees_their_own_status(team: Team) -> None:
    (t1,) = team.tasks(1)
    team.manager.patch(
        f"/api/projects/{team.project_id}", json={"settings": {"annotations_per_task": 2}}
    )
    _annotate(team, team.ann_a, t1)
    team.ann_b.post(f"/api/tasks/{t1}/annotations", json={"regions": [], "status": "draft"})
    rows = {
        user.username: user.get(f"/api/projects/{team.project_id}/tasks").json()["items"][0]
        for user in (team.ann_a, team.ann_b, team.reviewer)
    }
    assert rows[team.ann_a.username]["status"] == "submitted"
    assert rows[team.ann_b.username]["status"] == "in_progress"
    assert rows[team.reviewer.username]["status"] == "submitted"
    ann_c = new_user(team.manager)
    add_member(team.manager, team.project_id, ann_c, "annotator")
    assert _status(team, ann_c, t1) == "new"


def test_review_next_walks_the_reviewers_queue(team: Team) -> None:
    t1, t2, t3, t4 = team.tasks(4)
    other = new_user(team.manager)
    add_member(team.manager, team.project_id, other, "reviewer")
    team.assign(task_ids=[t1], reviewer=team.reviewer.username)
    team.assign(task_ids=[t2], reviewer=other.username)
    annotations = {t: _annotate(team, team.manager, t) for t in (t1, t2, t3)}
    url = f"/projects/{team.project_id}/review-next"
    first = team.page_as(team.reviewer, url).headers["location"]
    assert first == f"/tasks/{t1}?annotation={annotations[t1]['id']}"
    following = team.page_as(team.reviewer, f"{url}?after={t1}").headers["location"]
    assert following == f"/tasks/{t3}?annotation={annotations[t3]['id']}"
    assert (
        team.page_as(team.manager, f"{url}?after={t1}")
        .headers["location"]
        .startswith(f"/tasks/{t2}?")
    )
    _review(team.reviewer, annotations[t1], "accept")
    _review(team.reviewer, annotations[t3], "reject", comment="redo")
    done = team.page_as(team.reviewer, url).headers["location"]
    assert done == f"/projects/{team.project_id}?status=submitted"
    assert team.page_as(team.ann_a, url).status_code == 404
    assert t4


def test_who_may_review(team: Team) -> None:
    t1, t2 = team.tasks(2)
    team.assign(task_ids=[t1], annotators=[team.ann_a.username])
    team.assign(task_ids=[t2], annotators=[team.ann_b.username])
    mine = _annotate(team, team.ann_a, t1)
    assert _review(team.ann_a, mine, "accept").status_code == 403
    assert _review(team.ann_b, mine, "accept").status_code == 404  # not their task
    assert team.ann_b.get(f"/api/tasks/{t1}/reviews").status_code == 404
    stranger = new_user(team.manager)
    assert _review(stranger, mine, "accept").status_code == 404
    assert stranger.get(f"/api/tasks/{t1}/reviews").status_code == 404
    assert _review(team.reviewer, mine, "approve").status_code == 422
    assert _review(team.reviewer, {**mine, "id": 99999}, "accept").status_code == 404
    long = _review(team.reviewer, mine, "reject", comment="x" * 5001)
    assert long.status_code == 422
    assert _review(team.manager, mine, "accept").status_code == 200
