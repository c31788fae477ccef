"""Training on a project's submitted work, model versions, pre-annotation in process."""

from __future__ import annotations

from sqlalchemy import select

from tests.preannotation.conftest import (
    ModelProject,
    add_labeled_tasks,
    add_unlabeled_tasks,
    wait_for_job,
)
from visualner.annotations.models import Prediction
from visualner.db import session_scope
from visualner.model.artifact import load_model, read_manifest
from visualner.model.tagger import LabeledPage
from visualner.preannotation.examples import split_task_ids
from visualner.preannotation.hooks import retrain_if_due
from visualner.preannotation.next_task import next_task_by_uncertainty
from visualner.projects.models import Project


def _trained_with_new_tasks(model_project: ModelProject, forms: list[LabeledPage]) -> list[int]:
    """A model trained on 4 labelled forms; the ids of the unlabelled tasks beside them."""
    add_labeled_tasks(model_project.services, model_project.project_id, forms[:4])
    new_ids = add_unlabeled_tasks(model_project.services, model_project.project_id, forms[10:])
    model_project.train()
    return new_ids


def test_training_stores_a_version_with_held_out_scores_and_a_manifest(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:6])

    job = model_project.train()

    assert job["total"] == 4 and job["done"] == 4
    assert job["result"]["version"] == 1
    listed = model_project.admin.get(f"/api/projects/{model_project.project_id}/models").json()
    (version,) = listed["items"]
    assert version["name"] == "visualner-crf@1" and version["is_active"]
    assert set(version["labels"]) <= {"question", "answer", "header"}
    assert {"question", "answer"} <= set(version["scores"]["per_label"])
    assert 0.1 < version["scores"]["micro"]["f1"] <= 1.0
    assert version["train_tasks"] + version["held_out_tasks"] == 6
    assert version["held_out_tasks"] >= 1
    blob = model_project.services.blobs.read_bytes(version["artifact_sha256"])
    assert load_model(blob).labels == tuple(version["labels"])  # fits this build's features
    manifest = read_manifest(blob)
    assert manifest["features_version"] == version["features_version"]
    assert manifest["labels"] == version["labels"]
    assert manifest["training_data_hash"] == version["training_hash"]
    assert manifest["metadata"]["train_tasks"] == version["train_tasks"]
    assert "micro_f1" in manifest["scores"] and manifest["created"]


def test_pre_annotation_stores_regions_in_the_annotation_json_shape(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    new_ids = _trained_with_new_tasks(model_project, funsd_forms)

    job = model_project.preannotate()

    assert job["result"] == {
        "model_version": 1,
        "tasks_predicted": 2,
        "regions": job["result"]["regions"],
    }
    task = model_project.admin.get(f"/api/tasks/{new_ids[0]}").json()
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "visualner-crf@1"
    assert 0.0 < prediction["score"] <= 1.0
    words = task["pages"][0]["words"]
    regions = prediction["regions"]
    assert len(regions) > 5
    for region in regions:
        assert region["origin"] == "visualner-crf@1"
        assert region["label"] in {"question", "answer", "header"}
        assert region["page"] == 0 and region["tokens"] == sorted(region["tokens"])
        boxes = [words[t]["bbox"] for t in region["tokens"]]
        assert region["bbox"] == [
            round(min(b[0] for b in boxes), 1),
            round(min(b[1] for b in boxes), 1),
            round(max(b[2] for b in boxes), 1),
            round(max(b[3] for b in boxes), 1),
        ]
        assert region["text"] == " ".join(words[t]["text"] for t in region["tokens"])
        assert 0.0 < region["score"] <= 1.0
    assert len({r["id"] for r in regions}) == len(regions)
    listed = model_project.admin.get(f"/api/projects/{model_project.project_id}/tasks").json()
    counts = {t["id"]: t["prediction_count"] for t in listed["items"]}
    assert counts[new_ids[0]] == 1 and counts[new_ids[1]] == 1

    again = model_project.preannotate(task_ids=[new_ids[0]])  # replaces, never piles up
    assert again["result"]["tasks_predicted"] == 1
    task = model_project.admin.get(f"/api/tasks/{new_ids[0]}").json()
    assert len(task["predictions"]) == 1


def test_a_model_whose_labels_the_config_lacks_is_refused_naming_them(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:2])
    version = model_project.train()["result"]["version"]
    project = model_project.admin.get(f"/api/projects/{model_project.project_id}").json()
    trimmed = (
        project["label_config"]
        .replace('<Label value="question" background="#4363d8" hotkey="q"/>', "")
        .replace('<Label value="answer" background="#3cb44b" hotkey="a"/>', "")
    )
    assert 'value="question"' not in trimmed
    patched = model_project.admin.patch(
        f"/api/projects/{model_project.project_id}",
        json={
            "label_config": trimmed,
            "label_changes": {"remove": {"question": "delete", "answer": "delete"}},
        },
    )
    assert patched.status_code == 200, patched.text

    response = model_project.admin.post(
        f"/api/projects/{model_project.project_id}/preannotate", json={}
    )

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert f"model version {version}" in detail
    assert "question, answer" in detail and "labeling config lacks" in detail
    activate = model_project.admin.post(
        f"/api/projects/{model_project.project_id}/models/{version}/activate"
    )
    assert activate.status_code == 400 and "question" in activate.json()["detail"]
    listed = model_project.admin.get(f"/api/projects/{model_project.project_id}/models").json()
    assert listed["missing_labels"] == {str(version): ["question", "answer"]}


def test_every_version_is_kept_and_managers_pick_the_active_one(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:2])
    model_project.train()
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[2:3])
    model_project.train()
    base = f"/api/projects/{model_project.project_id}/models"
    assert [
        (v["version"], v["is_active"]) for v in model_project.admin.get(base).json()["items"]
    ] == [
        (2, True),
        (1, False),
    ]

    activated = model_project.admin.post(f"{base}/1/activate")

    assert activated.status_code == 200 and activated.json()["is_active"]
    assert [
        (v["version"], v["is_active"]) for v in model_project.admin.get(base).json()["items"]
    ] == [
        (2, False),
        (1, True),
    ]
    job = model_project.preannotate(task_ids=[1])
    assert job["result"]["model_version"] == 1


def test_training_needs_two_submitted_tasks(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:1])
    add_labeled_tasks(
        model_project.services, model_project.project_id, funsd_forms[1:3], submit=False
    )

    response = model_project.admin.post(f"/api/projects/{model_project.project_id}/models/train")

    assert response.status_code == 400
    assert "at least 2 submitted tasks" in response.json()["detail"]


def test_held_out_tasks_are_stable_and_about_a_fifth() -> None:
    training, held_out = split_task_ids(range(1, 501))
    assert 80 <= len(held_out) <= 120
    assert set(training).isdisjoint(held_out)
    _, more_held_out = split_task_ids(range(1, 1001))
    assert set(held_out) <= set(more_held_out)  # a held-out task stays held out as data grows
    assert len(split_task_ids([3, 9])[0]) == 1 and len(split_task_ids([3, 9])[1]) == 1


def test_uncertainty_order_serves_the_least_confident_open_task_first(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:3])
    new_ids = add_unlabeled_tasks(
        model_project.services, model_project.project_id, funsd_forms[8:12]
    )
    model_project.train()
    model_project.preannotate(task_ids=new_ids[:3])
    with session_scope(model_project.services.database.read) as session:
        rows = session.execute(
            select(Prediction.task_id, Prediction.score).where(Prediction.task_id.in_(new_ids))
        ).all()
        scores = {task_id: score for task_id, score in rows}
        ranked = sorted(scores, key=lambda t: (scores[t], t))
        order = [next_task_by_uncertainty(session, model_project.project_id, None)]
        while len(order) < 5:
            order.append(next_task_by_uncertainty(session, model_project.project_id, order[-1]))

    assert order[:4] == [*ranked, new_ids[3]]  # never pre-annotated: last
    assert order[4] == ranked[0]  # wraps around


def test_retraining_starts_after_the_configured_number_of_submissions(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    services = model_project.services
    with session_scope(services.database.write) as session:
        project = session.get(Project, model_project.project_id)
        assert project is not None
        project.settings = {**project.settings, "model_retrain_every": 2}
    add_labeled_tasks(services, model_project.project_id, funsd_forms[:1])
    assert retrain_if_due(services.queue, project_id=model_project.project_id, user_id=None) is None
    add_labeled_tasks(services, model_project.project_id, funsd_forms[1:2])

    job_id = retrain_if_due(services.queue, project_id=model_project.project_id, user_id=None)

    assert job_id is not None
    assert wait_for_job(model_project.admin, job_id)["status"] == "succeeded"
    assert retrain_if_due(services.queue, project_id=model_project.project_id, user_id=None) is None
    add_labeled_tasks(services, model_project.project_id, funsd_forms[2:3])
    assert retrain_if_due(services.queue, project_id=model_project.project_id, user_id=None) is None
    add_labeled_tasks(services, model_project.project_id, funsd_forms[3:4])
    second = retrain_if_due(services.queue, project_id=model_project.project_id, user_id=None)
    assert second is not None
    assert wait_for_job(model_project.admin, second)["result"]["version"] == 2


def test_annotated_relations_train_links_that_predictions_carry_as_relations(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:8])
    (new_id,) = add_unlabeled_tasks(
        model_project.services, model_project.project_id, funsd_forms[10:11]
    )
    model_project.train()

    model_project.preannotate(task_ids=[new_id])

    task = model_project.admin.get(f"/api/tasks/{new_id}").json()
    (prediction,) = task["predictions"]
    regions = {region["id"]: region for region in prediction["regions"]}
    relations = prediction["relations"]
    assert relations, "a model trained on question -> answer relations predicts some"
    for relation in relations:
        assert relation["label"] == "answers"  # the label the training relations carry
        assert regions[relation["from_id"]]["label"] == "question"
        assert regions[relation["to_id"]]["label"] == "answer"


def test_pre_annotating_a_search_result_predicts_exactly_the_matching_tasks(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    new_ids = _trained_with_new_tasks(model_project, funsd_forms)
    chosen = model_project.admin.get(f"/api/tasks/{new_ids[1]}").json()["title"]

    job = model_project.preannotate(query=f'"{chosen}" -has:annotations')

    assert job["result"]["tasks_predicted"] == 1
    counts = {
        t["id"]: t["prediction_count"]
        for t in model_project.admin.get(f"/api/projects/{model_project.project_id}/tasks").json()[
            "items"
        ]
    }
    assert counts[new_ids[1]] == 1
    assert counts[new_ids[0]] == 0
