"""Renaming and removing labels that regions use (issue 13, item 3): a config edit that drops
a used label is refused with the counts unless it says what becomes of the regions; renames
and relabels rewrite every annotation (a new version, the old one kept) and prediction."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import ApiUser, add_member, admin_user, new_task, new_user
from visualner.annotations.models import Prediction
from visualner.db import session_scope
from visualner.projects.models import Project
from visualner.runtime import Services

WORDS = '<Label value="{}"/>'


def config(word_labels: list[str], box_labels: tuple[str, ...] = ("LOGO",)) -> str:
    return (
        '<View><Image name="image" value="$image"/><Labels name="label" toName="image">'
        + "".join(WORDS.format(label) for label in word_labels)
        + '</Labels><RectangleLabels name="box" toName="image">'
        + "".join(WORDS.format(label) for label in box_labels)
        + "</RectangleLabels><Relations/></View>"
    )


OLD = config(["PERSON", "ADDRESS", "PHONE", "OTHER"])


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def region(region_id: str, label: str, tokens: list[int], text: str) -> dict[str, Any]:
    return {"id": region_id, "label": label, "tokens": tokens, "text": text}


def labelled_project(client: TestClient) -> tuple[ApiUser, int, int, int]:
    """A project with one task annotated PERSON, ADDRESS, PHONE (PHONE → ADDRESS linked) and
    predicted ADDRESS, PHONE; answers (admin, project id, task id, annotation id)."""
    admin = admin_user(client, ADMIN_PASSWORD)
    project = admin.post("/api/projects", json={"title": "Letters", "label_config": OLD}).json()
    task_id = new_task(_services(client), project["id"])
    saved = admin.post(
        f"/api/tasks/{task_id}/annotations",
        json={
            "regions": [
                region("p", "PERSON", [0], "Ada"),
                region("a", "ADDRESS", [1, 2], "Main Street"),
                region("t", "PHONE", [3], "555"),
            ],
            "relations": [{"from_id": "t", "to_id": "a"}, {"from_id": "p", "to_id": "a"}],
            "status": "submitted",
        },
    )
    assert saved.status_code == 201, saved.text
    with session_scope(_services(client).database.write) as session:
        session.add(
            Prediction(
                task_id=task_id,
                model_version="crf@1",
                result={
                    "regions": [region("x", "ADDRESS", [1], "Main"), region("y", "PHONE", [3], "")],
                    "relations": [],
                },
            )
        )
    return admin, project["id"], task_id, saved.json()["id"]


def labels_of(admin: ApiUser, task_id: int) -> tuple[list[str], list[str]]:
    task = admin.get(f"/api/tasks/{task_id}").json()
    return (
        [r["label"] for r in task["annotations"][0]["regions"]],
        [r["label"] for r in task["predictions"][0]["regions"]],
    )


def test_label_usage_counts_regions_of_annotations_and_predictions(client: TestClient) -> None:
    admin, project_id, _, _ = labelled_project(client)
    usage = admin.get(f"/api/projects/{project_id}/label-usage")
    assert usage.status_code == 200
    rows = {row["label"]: row for row in usage.json()}
    assert list(rows) == ["PERSON", "ADDRESS", "PHONE", "OTHER", "LOGO"]
    assert rows["ADDRESS"] == {
        "label": "ADDRESS",
        "in_config": True,
        "kind": "labels",
        "regions": 1,
        "annotations": 1,
        "predicted_regions": 1,
        "predictions": 1,
    }
    assert rows["OTHER"]["regions"] == rows["OTHER"]["predicted_regions"] == 0
    assert rows["LOGO"]["kind"] == "rectanglelabels"


def test_label_usage_is_for_managers(client: TestClient) -> None:
    admin, project_id, _, _ = labelled_project(client)
    annotator = new_user(admin)
    add_member(admin, project_id, annotator, "annotator")
    assert annotator.get(f"/api/projects/{project_id}/label-usage").status_code == 403


def test_dropping_used_labels_is_refused_with_their_counts(client: TestClient) -> None:
    admin, project_id, task_id, _ = labelled_project(client)
    new_config = config(["PERSON", "LOCATION", "OTHER"])
    response = admin.patch(f"/api/projects/{project_id}", json={"label_config": new_config})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "labels_in_use"
    assert body["labels_in_use"] == {
        "ADDRESS": {"regions": 1, "annotations": 1, "predicted_regions": 1, "predictions": 1},
        "PHONE": {"regions": 1, "annotations": 1, "predicted_regions": 1, "predictions": 1},
    }
    assert "ADDRESS (1 regions in 1 annotations, 1 predicted)" in body["detail"]
    assert admin.get(f"/api/projects/{project_id}").json()["label_config"] == OLD
    assert labels_of(admin, task_id) == (["PERSON", "ADDRESS", "PHONE"], ["ADDRESS", "PHONE"])


def test_dropping_an_unused_label_needs_no_decision(client: TestClient) -> None:
    admin, project_id, _, _ = labelled_project(client)
    new_config = config(["PERSON", "ADDRESS", "PHONE"])
    response = admin.patch(f"/api/projects/{project_id}", json={"label_config": new_config})
    assert response.status_code == 200, response.text
    assert "OTHER" not in response.json()["parsed_config"]["label_values"]


def test_a_rename_and_a_delete_rewrite_annotations_and_predictions_keeping_versions(
    client: TestClient,
) -> None:
    admin, project_id, task_id, annotation_id = labelled_project(client)
    response = admin.patch(
        f"/api/projects/{project_id}",
        json={
            "label_config": config(["PERSON", "LOCATION", "OTHER"]),
            "label_changes": {"rename": {"ADDRESS": "LOCATION"}, "remove": {"PHONE": "delete"}},
        },
    )
    assert response.status_code == 200, response.text
    annotation = admin.get(f"/api/annotations/{annotation_id}").json()
    assert [(r["id"], r["label"]) for r in annotation["regions"]] == [
        ("p", "PERSON"),
        ("a", "LOCATION"),
    ]
    assert annotation["relations"] == [{"from_id": "p", "to_id": "a", "label": ""}]
    assert annotation["version"] == 2 and annotation["status"] == "submitted"
    assert annotation["user"] == "admin"
    versions = admin.get(f"/api/annotations/{annotation_id}/versions").json()
    assert [(v["version"], v["region_count"]) for v in versions] == [(1, 3)]
    assert labels_of(admin, task_id) == (["PERSON", "LOCATION"], ["LOCATION"])
    usage = {
        row["label"]: row for row in admin.get(f"/api/projects/{project_id}/label-usage").json()
    }
    assert "ADDRESS" not in usage and "PHONE" not in usage
    assert usage["LOCATION"]["regions"] == 1

    # the renamed annotation saves again: its labels are the config's
    again = admin.put(
        f"/api/annotations/{annotation_id}",
        json={"version": 2, "regions": annotation["regions"], "status": "submitted"},
    )
    assert again.status_code == 200, again.text


def test_search_finds_renamed_regions_under_their_new_label(client: TestClient) -> None:
    admin, project_id, task_id, _ = labelled_project(client)
    other_task = new_task(_services(client), project_id, title="unlabelled.png")
    response = admin.patch(
        f"/api/projects/{project_id}",
        json={
            "label_config": config(["PERSON", "LOCATION", "PHONE", "OTHER"]),
            "label_changes": {"rename": {"ADDRESS": "LOCATION"}},
        },
    )
    assert response.status_code == 200, response.text

    def found(query: str) -> list[int]:
        answer = admin.get(f"/api/projects/{project_id}/tasks", params={"q": query})
        assert answer.status_code == 200, answer.text
        return [task["id"] for task in answer.json()["items"]]

    assert found("label:LOCATION") == [task_id]
    assert found('label:LOCATION="main street"') == [task_id]
    assert other_task not in found("label:LOCATION")


def test_removing_a_label_can_relabel_its_regions(client: TestClient) -> None:
    admin, project_id, task_id, _ = labelled_project(client)
    response = admin.patch(
        f"/api/projects/{project_id}",
        json={
            "label_config": config(["PERSON", "ADDRESS", "OTHER"]),
            "label_changes": {"remove": {"PHONE": "relabel:OTHER"}},
        },
    )
    assert response.status_code == 200, response.text
    assert labels_of(admin, task_id) == (["PERSON", "ADDRESS", "OTHER"], ["ADDRESS", "OTHER"])


def test_label_changes_that_cannot_apply_are_refused(client: TestClient) -> None:
    admin, project_id, task_id, _ = labelled_project(client)
    new_config = config(["PERSON", "LOCATION", "OTHER"], box_labels=("LOGO", "STAMP"))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rename": {"ADDRESS": "PLACE"}}, "'PLACE' is not a label of the new config"),
        ({"rename": {"PERSON": "LOCATION"}}, "cannot rename 'PERSON': the new config still has it"),
        (
            {"rename": {"FAX": "LOCATION"}},
            "it is neither a label of the current config nor used by any region",
        ),
        ({"rename": {"ADDRESS": "STAMP"}}, "one is a word label"),
        ({"remove": {"PHONE": "shred"}}, "'delete' or 'relabel:OTHER_LABEL', not 'shred'"),
        ({"remove": {"PHONE": "relabel:FAX"}}, "'FAX' is not a label of the new config"),
        (
            {"rename": {"PHONE": "OTHER"}, "remove": {"PHONE": "delete"}},
            "'PHONE' is both renamed and removed",
        ),
    ]
    for changes, message in cases:
        response = admin.patch(
            f"/api/projects/{project_id}",
            json={"label_config": new_config, "label_changes": changes},
        )
        assert response.status_code == 400, (changes, response.text)
        assert message in response.json()["detail"], (changes, response.json())
        assert response.json()["field"].startswith("label_changes")
    alone = admin.patch(
        f"/api/projects/{project_id}", json={"label_changes": {"remove": {"PHONE": "delete"}}}
    )
    assert alone.status_code == 400
    assert "go with the new label_config" in alone.json()["detail"]
    unknown_key = admin.patch(
        f"/api/projects/{project_id}",
        json={"label_config": new_config, "label_changes": {"delete": ["PHONE"]}},
    )
    assert unknown_key.status_code == 422
    assert admin.get(f"/api/projects/{project_id}").json()["label_config"] == OLD
    assert labels_of(admin, task_id) == (["PERSON", "ADDRESS", "PHONE"], ["ADDRESS", "PHONE"])


def test_regions_whose_label_the_config_already_lacks_can_be_repaired(client: TestClient) -> None:
    """A project broken before this check (its config lost ADDRESS and PHONE while regions
    kept them) is repaired by naming those labels in label_changes."""
    admin, project_id, task_id, annotation_id = labelled_project(client)
    broken = config(["PERSON", "LOCATION", "OTHER"])
    with session_scope(_services(client).database.write) as session:
        project = session.get(Project, project_id)
        assert project is not None
        project.label_config = broken
    usage = {
        row["label"]: row for row in admin.get(f"/api/projects/{project_id}/label-usage").json()
    }
    assert usage["ADDRESS"]["in_config"] is False and usage["ADDRESS"]["regions"] == 1

    unchanged = admin.patch(f"/api/projects/{project_id}", json={"label_config": broken})
    assert unchanged.status_code == 200  # not this edit's drop: saving is not blocked
    repaired = admin.patch(
        f"/api/projects/{project_id}",
        json={
            "label_config": broken,
            "label_changes": {"rename": {"ADDRESS": "LOCATION"}, "remove": {"PHONE": "delete"}},
        },
    )
    assert repaired.status_code == 200, repaired.text
    assert labels_of(admin, task_id) == (["PERSON", "LOCATION"], ["LOCATION"])
    assert admin.get(f"/api/annotations/{annotation_id}").json()["version"] == 2
