"""Projects, labeling configs, task listing and versioned annotations through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import admin_user, new_project, new_task, new_user
from visualner.runtime import Services


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def test_a_project_is_created_from_a_template_or_from_xml(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    from_template = new_project(admin, template="invoices")
    assert "invoice_number" in from_template["parsed_config"]["label_values"]
    xml = (
        '<View><Image name="i" value="$image"/><Labels name="l" toName="i">'
        '<Label value="A"/></Labels></View>'
    )
    from_xml = admin.post("/api/projects", json={"title": "X", "label_config": xml})
    assert from_xml.status_code == 201
    assert from_xml.json()["parsed_config"]["label_values"] == ["A"]


def test_a_project_needs_exactly_one_of_config_and_template(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    both = admin.post(
        "/api/projects", json={"title": "X", "template": "forms", "label_config": "<View/>"}
    )
    assert both.status_code == 422
    assert "exactly one" in both.json()["detail"]
    unknown = admin.post("/api/projects", json={"title": "X", "template": "nope"})
    assert unknown.status_code == 400
    assert "unknown template 'nope'" in unknown.json()["detail"]


def test_an_invalid_config_edit_is_refused_and_the_old_one_kept(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    response = admin.patch(
        f"/api/projects/{project['id']}", json={"label_config": "<View><Bad/></View>"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "label_config"
    assert "<Bad>: unknown tag" in response.json()["detail"]
    assert (
        admin.get(f"/api/projects/{project['id']}").json()["label_config"]
        == project["label_config"]
    )


def test_live_validation_reports_without_saving(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    good = admin.post("/api/label-config/validate", json={"label_config": "<View>"}).json()
    assert good["valid"] is False and "not valid XML" in good["error"]


def test_unknown_project_settings_are_refused(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    response = admin.patch(f"/api/projects/{project['id']}", json={"settings": {"colour": 1}})
    assert response.status_code == 400
    assert "unknown project settings: colour" in response.json()["detail"]


def test_tasks_page_through_with_a_total(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    for i in range(7):
        new_task(_services(client), project["id"], title=f"doc{i}.png")
    first = admin.get(f"/api/projects/{project['id']}/tasks?page=1&page_size=5").json()
    second = admin.get(f"/api/projects/{project['id']}/tasks?page=2&page_size=5").json()
    assert first["total"] == second["total"] == 7
    assert len(first["items"]) == 5 and len(second["items"]) == 2
    titles = [t["title"] for t in first["items"] + second["items"]]
    assert titles == [f"doc{i}.png" for i in range(7)]
    bad = admin.get(f"/api/projects/{project['id']}/tasks?status=weird")
    assert bad.status_code == 400


def test_a_task_shows_its_pages_and_words_in_reading_order(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    task_id = new_task(_services(client), project["id"], pages=2, words_per_page=12)
    task = admin.get(f"/api/tasks/{task_id}").json()
    assert [p["index"] for p in task["pages"]] == [0, 1]
    words = task["pages"][1]["words"]
    assert [w["text"] for w in words] == [f"word{i}" for i in range(12)]
    assert words[10]["line"] == 1
    assert set(words[0]) == {"text", "bbox", "confidence", "line", "block"}
    page = admin.get(f"/api/tasks/{task_id}/pages/1").json()
    assert page["words"] == words
    assert admin.get(f"/api/tasks/{task_id}/pages/5").status_code == 404


def test_saving_annotations_keeps_versions_and_refuses_stale_saves(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    reviewer = new_user(admin)
    project = new_project(admin)
    admin.post(
        f"/api/projects/{project['id']}/members",
        json={"username": reviewer.username, "role": "reviewer"},
    )
    task_id = new_task(_services(client), project["id"])
    region = {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"}
    created = admin.post(f"/api/tasks/{task_id}/annotations", json={"regions": [region]}).json()
    assert created["version"] == 1
    annotation_url = f"/api/annotations/{created['id']}"
    answer = {**region, "id": "a1", "label": "answer", "tokens": [2]}
    saved = reviewer.put(
        annotation_url,
        json={
            "version": 1,
            "regions": [region, answer],
            "relations": [{"from_id": "q1", "to_id": "a1"}],
        },
    )
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = admin.put(annotation_url, json={"version": 1, "regions": []})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    current = admin.get(annotation_url).json()
    assert len(current["regions"]) == 2 and current["relations"][0]["to_id"] == "a1"
    versions = admin.get(f"{annotation_url}/versions").json()
    assert [(v["version"], v["region_count"]) for v in versions] == [(1, 1)]
    assert admin.get(f"/api/projects/{project['id']}/tasks").json()["items"][0]["status"] == (
        "submitted"
    )


def test_annotations_are_validated_against_the_config_and_the_page(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    task_id = new_task(_services(client), project["id"], words_per_page=3)
    url = f"/api/tasks/{task_id}/annotations"
    cases = {
        "label 'PERSON' is not in the project's config": {
            "regions": [{"id": "r", "label": "PERSON", "tokens": [0]}]
        },
        "token 7 is past the 3 words of page 0": {
            "regions": [{"id": "r", "label": "question", "tokens": [7]}]
        },
        "the task has no page 4": {
            "regions": [{"id": "r", "page": 4, "label": "question", "tokens": [0]}]
        },
        "needs tokens or a bbox": {"regions": [{"id": "r", "label": "question"}]},
        "no region with id 'zz'": {
            "regions": [{"id": "r", "label": "question", "tokens": [0]}],
            "relations": [{"from_id": "r", "to_id": "zz"}],
        },
        "duplicate region id": {
            "regions": [
                {"id": "r", "label": "question", "tokens": [0]},
                {"id": "r", "label": "answer", "tokens": [1]},
            ]
        },
    }
    for message, body in cases.items():
        response = admin.post(url, json=body)
        assert response.status_code == 400, (message, response.text)
        assert message in response.json()["detail"]
    malformed = admin.post(
        url, json={"regions": [{"id": "r", "label": "question", "bbox": [5, 5, 1, 1]}]}
    )
    assert malformed.status_code == 422
    assert "x0 ≤ x1" in malformed.json()["detail"]


def test_an_annotator_may_not_edit_someone_elses_annotation(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    annotator = new_user(admin)
    project = new_project(admin)
    admin.post(
        f"/api/projects/{project['id']}/members",
        json={"username": annotator.username, "role": "annotator"},
    )
    task_id = new_task(_services(client), project["id"])
    created = admin.post(
        f"/api/tasks/{task_id}/annotations",
        json={"regions": [{"id": "r", "label": "question", "tokens": [0]}]},
    ).json()
    response = annotator.put(f"/api/annotations/{created['id']}", json={"version": 1})
    assert response.status_code == 403
