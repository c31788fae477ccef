"""The Python client's team-workflow methods against the real app, on both engines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.team.conftest import Team
from visualner.client import ApiError, VersionConflict, VisualnerClient

REGION = {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}


@pytest.fixture
def vn(team: Team) -> Iterator[VisualnerClient]:
    http: TestClient = team.client
    yield VisualnerClient.login("", "admin", ADMIN_PASSWORD, http=http)


def test_assign_review_comment_and_measure_through_the_client(
    team: Team, vn: VisualnerClient
) -> None:
    t1, t2 = team.tasks(2)
    a, b = team.ann_a.username, team.ann_b.username
    spread = vn.assign(team.project_id, query="", annotators=[a, b], distribute=True)
    assert spread == {"tasks": 2, "annotators": {a: 1, b: 1}, "reviewer": None}
    assert vn.assign(team.project_id, task_ids=[t1], reviewer=team.reviewer.username)[
        "reviewer"
    ] == (team.reviewer.username)
    assert vn.task(t1)["assignees"] == [a]
    saved = team.ann_a.post(f"/api/tasks/{t1}/annotations", json={"regions": [REGION]}).json()
    with pytest.raises(VersionConflict):
        vn.review(saved["id"], "accept", version=7)
    with pytest.raises(ApiError) as refused:
        vn.review(saved["id"], "reject", version=1)
    assert refused.value.status == 400
    rejected = vn.review(saved["id"], "reject", version=1, comment="label the answer too")
    assert rejected["annotation"]["review_status"] == "rejected"
    assert [r["comment"] for r in vn.reviews(t1)] == ["label the answer too"]
    comment = vn.add_comment(t1, "see q1", annotation_id=saved["id"], region_id="q1")
    assert vn.resolve_comment(comment["id"])["resolved"] is True
    assert [c["region_id"] for c in vn.comments(t1)] == ["q1"]
    fixed = team.ann_a.put(
        f"/api/annotations/{saved['id']}", json={"version": 1, "regions": [REGION]}
    ).json()
    vn.review(saved["id"], "accept", version=fixed["version"])
    assert vn.pick_ground_truth(saved["id"])["review_status"] == "accepted"
    assert vn.progress(team.project_id)[0]["accepted"] == 1
    assert vn.agreement(team.project_id)["pairs"] == []
    assert t2
