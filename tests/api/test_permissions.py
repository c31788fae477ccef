"""The role × endpoint matrix: who may see and change what in a project.

Non-members get 404 on everything of another project (ids don't leak); annotators can't
change settings, members or config, and read only their own annotations (another's answers
404, as annotators of one task work blind to each other); reviewers may read and edit others'
annotations; managers and admins may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import ApiUser, add_member, admin_user, new_project, new_task, new_user
from visualner.db import session_scope
from visualner.jobs.service import create_job
from visualner.runtime import Services

VIEW, ANNOTATE, EDIT_OTHERS, MANAGE = "view", "annotate", "edit_others", "manage"
READ_OTHERS = "read_others"
ALLOWED = {
    "outsider": set(),
    "annotator": {VIEW, ANNOTATE},
    "reviewer": {VIEW, ANNOTATE, READ_OTHERS, EDIT_OTHERS},
    "manager": {VIEW, ANNOTATE, READ_OTHERS, EDIT_OTHERS, MANAGE},
    "admin": {VIEW, ANNOTATE, READ_OTHERS, EDIT_OTHERS, MANAGE},
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    needs: str
    body: dict[str, Any] | None = None
    #: what a member without ``needs`` gets: 403, or 404 for what they may not even see
    denied: str = "403"


REGION = {"id": "r1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}
# Destructive calls come last so the earlier ones still find their targets.
ENDPOINTS = [
    Endpoint("GET", "/api/projects/{project}", VIEW),
    Endpoint("GET", "/api/projects/{project}/members", VIEW),
    Endpoint("GET", "/api/projects/{project}/tasks", VIEW),
    Endpoint("GET", "/api/tasks/{task}", VIEW),
    Endpoint("GET", "/api/tasks/{task}/pages/0", VIEW),
    Endpoint("GET", "/api/tasks/{task}/annotations", VIEW),
    Endpoint("GET", "/api/annotations/{annotation}", READ_OTHERS, denied="404"),
    Endpoint("GET", "/api/annotations/{annotation}/versions", READ_OTHERS, denied="404"),
    Endpoint("GET", "/api/jobs/{job}", VIEW),
    Endpoint("POST", "/api/tasks/{task}/annotations", ANNOTATE, {"regions": [REGION]}),
    Endpoint(
        "PUT", "/api/annotations/{annotation}", EDIT_OTHERS, {"version": 1, "regions": [REGION]}
    ),
    Endpoint("PATCH", "/api/projects/{project}", MANAGE, {"title": "Renamed"}),
    Endpoint("PATCH", "/api/projects/{project}", MANAGE, {"settings": {"ocr_enabled": False}}),
    Endpoint("POST", "/api/projects/{project}/tasks", MANAGE, {"title": "t", "data": {}}),
    Endpoint(
        "POST",
        "/api/projects/{project}/members",
        MANAGE,
        {"username": "{bystander}", "role": "annotator"},
    ),
    Endpoint("POST", "/api/jobs/{job}/cancel", MANAGE),
    Endpoint("DELETE", "/api/annotations/{annotation}", EDIT_OTHERS),
    Endpoint("DELETE", "/api/tasks/{task}", MANAGE),
    Endpoint("DELETE", "/api/projects/{project}/members/{bystander}", MANAGE),
    Endpoint("DELETE", "/api/projects/{project}", MANAGE),
]


def _fill(template: Any, ids: dict[str, Any]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, ids) for v in template]
    return template


def _caller(role: str, admin: ApiUser, project_id: int) -> ApiUser:
    if role == "admin":
        return new_user(admin, prefix="otheradmin", is_admin=True)
    caller = new_user(admin, prefix=role)
    if role != "outsider":
        add_member(admin, project_id, caller, role)
    return caller


@pytest.mark.parametrize("role", list(ALLOWED))
def test_role_matrix(client: TestClient, role: str) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    admin = admin_user(client, ADMIN_PASSWORD)
    owner = new_user(admin, prefix="owner")
    project = new_project(owner)
    task_id = new_task(services, project["id"])
    annotation = owner.post(f"/api/tasks/{task_id}/annotations", json={"regions": [REGION]})
    assert annotation.status_code == 201, annotation.text
    bystander = new_user(admin, prefix="bystander")
    add_member(owner, project["id"], bystander, "annotator")
    with session_scope(services.database.write) as session:
        job_id = create_job(session, kind="import", user=None, project_id=project["id"]).id
    caller = _caller(role, admin, project["id"])
    ids = {
        "project": project["id"],
        "task": task_id,
        "annotation": annotation.json()["id"],
        "job": job_id,
        "bystander": bystander.username,
    }
    mismatches = []
    for endpoint in ENDPOINTS:
        path = _fill(endpoint.path, ids)
        kwargs = {"json": _fill(endpoint.body, ids)} if endpoint.body is not None else {}
        if endpoint.method == "PUT" and kwargs:
            current = owner.get(f"/api/annotations/{ids['annotation']}").json()["version"]
            kwargs["json"]["version"] = current
        response = caller.client.request(endpoint.method, path, headers=caller.headers, **kwargs)
        allowed = endpoint.needs in ALLOWED[role]
        expected = "2xx" if allowed else ("404" if role == "outsider" else endpoint.denied)
        got = "2xx" if 200 <= response.status_code < 300 else str(response.status_code)
        if got != expected:
            mismatches.append(
                f"{endpoint.method} {path}: expected {expected}, got {got} {response.text[:120]}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_a_project_lists_only_for_its_members(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    alice, bob = new_user(admin), new_user(admin)
    project = new_project(alice, title="Alice's")
    assert [p["id"] for p in alice.get("/api/projects").json()["items"]] == [project["id"]]
    assert bob.get("/api/projects").json() == {"items": [], "total": 0}
    assert project["id"] in [p["id"] for p in admin.get("/api/projects").json()["items"]]


def test_the_last_manager_cannot_be_removed_or_demoted(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    owner = new_user(admin)
    project = new_project(owner)
    demote = owner.post(
        f"/api/projects/{project['id']}/members",
        json={"username": owner.username, "role": "annotator"},
    )
    assert demote.status_code == 409
    assert "at least one manager" in demote.json()["detail"]
    removal = owner.delete(f"/api/projects/{project['id']}/members/{owner.username}")
    assert removal.status_code == 409
