"""Every team-workflow endpoint × role, on SQLite and PostgreSQL: the annotator of another
task, the task's annotator, a reviewer, a manager and a non-member get what docs/api.md and
docs/team-workflow.md say (404 for what one may not see, 403 for what one may see but not do)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import ApiUser, new_user
from tests.team.conftest import Team

REGION = {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}
#: role → expected status; "ok" is any 2xx
READS = {"own": "ok", "other": 404, "reviewer": "ok", "manager": "ok", "stranger": 404}
MANAGE = {"own": 403, "other": 403, "reviewer": 403, "manager": "ok", "stranger": 404}
REVIEW = {"own": 403, "other": 404, "reviewer": "ok", "manager": "ok", "stranger": 404}
PROJECT_REVIEW = {"own": 403, "other": 403, "reviewer": "ok", "manager": "ok", "stranger": 404}


def _people(team: Team) -> dict[str, ApiUser]:
    return {
        "own": team.ann_a,
        "other": team.ann_b,
        "reviewer": team.reviewer,
        "manager": team.manager,
        "stranger": new_user(team.manager),
    }


def _check(answer: Any, expected: int | str, what: str) -> None:
    if expected == "ok":
        assert 200 <= answer.status_code < 300, f"{what}: {answer.status_code} {answer.text}"
    else:
        assert answer.status_code == expected, f"{what}: {answer.status_code} {answer.text}"


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("GET", "/api/tasks/{task}/reviews", None, READS),
        ("GET", "/api/tasks/{task}/comments", None, READS),
        ("POST", "/api/tasks/{task}/comments", {"body": "hi"}, READS),
        ("GET", "/api/annotations/{annotation}/diff?from=1", None, READS),
        ("POST", "/api/annotations/{annotation}/ground-truth", None, {**MANAGE, "other": 404}),
        ("POST", "/api/projects/{project}/assignments", {"task_ids": [], "query": None}, MANAGE),
        ("GET", "/api/projects/{project}/agreement", None, PROJECT_REVIEW),
        ("GET", "/api/projects/{project}/progress", None, PROJECT_REVIEW),
    ],
)
def test_each_endpoint_answers_each_role_as_documented(
    team: Team, method: str, path: str, body: dict[str, Any] | None, expected: dict[str, Any]
) -> None:
    (task,) = team.tasks(1)
    team.tasks(1)
    team.assign(task_ids=[task], annotators=[team.ann_a.username])
    team.assign(query="-assignee:" + team.ann_a.username, annotators=[team.ann_b.username])
    annotation = team.ann_a.post(f"/api/tasks/{task}/annotations", json={"regions": [REGION]})
    url = path.format(task=task, annotation=annotation.json()["id"], project=team.project_id)
    if body is not None and "task_ids" in body:
        body = {"task_ids": [task], "annotators": [team.ann_a.username]}
    for role, user in _people(team).items():
        answer = user.client.request(method, url, json=body, headers=user.headers)
        _check(answer, expected[role], f"{method} {url} as {role}")


def test_review_answers_each_role(team: Team) -> None:
    (task,) = team.tasks(1)
    team.tasks(1)
    team.assign(task_ids=[task], annotators=[team.ann_a.username])
    team.assign(query="-assignee:" + team.ann_a.username, annotators=[team.ann_b.username])
    saved = team.ann_a.post(f"/api/tasks/{task}/annotations", json={"regions": [REGION]}).json()
    body = {"action": "reject", "version": 1, "comment": "again"}
    for role, user in _people(team).items():
        answer = user.post(f"/api/annotations/{saved['id']}/review", json=body)
        _check(answer, REVIEW[role], f"review as {role}")
        if answer.status_code == 200:  # back to submitted for the next role
            team.ann_a.put(
                f"/api/annotations/{saved['id']}",
                json={"version": answer.json()["annotation"]["version"], "regions": [REGION]},
            )
            body["version"] += 1


def test_the_team_tab_and_review_next_are_for_reviewers_and_managers(team: Team) -> None:
    for url in (f"/projects/{team.project_id}/team", f"/projects/{team.project_id}/review-next"):
        assert team.page_as(team.ann_a, url).status_code == 404, url
        assert team.page_as(team.reviewer, url).status_code in (200, 303), url
        assert team.page_as(team.manager, url).status_code in (200, 303), url
