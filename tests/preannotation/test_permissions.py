"""Who may train, pick models, pre-annotate and download model files."""

from __future__ import annotations

from tests.factories import add_member, new_user
from tests.preannotation.conftest import ModelProject, add_labeled_tasks
from visualner.model.tagger import LabeledPage


def test_denies_annotators_and_reviewers_training_activating_and_pre_annotating(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:2])
    model_project.train()
    base = f"/api/projects/{model_project.project_id}"
    for role in ("annotator", "reviewer"):
        member = new_user(model_project.admin, prefix=role)
        add_member(model_project.admin, model_project.project_id, member, role)

        for path, body in (
            (f"{base}/models/train", None),
            (f"{base}/models/1/activate", None),
            (f"{base}/preannotate", {}),
        ):
            response = member.post(path, json=body)
            assert response.status_code == 403, (role, path, response.text)
            assert "manager" in response.json()["detail"]

        listed = member.get(f"{base}/models")  # every member sees the versions and scores
        assert listed.status_code == 200 and listed.json()["items"][0]["version"] == 1


def test_allows_only_members_and_admins_to_download_the_artifact(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    add_labeled_tasks(model_project.services, model_project.project_id, funsd_forms[:2])
    model_project.train()
    base = f"/api/projects/{model_project.project_id}"
    sha256 = model_project.admin.get(f"{base}/models").json()["items"][0]["artifact_sha256"]
    annotator = new_user(model_project.admin, prefix="annotator")
    add_member(model_project.admin, model_project.project_id, annotator, "annotator")
    outsider = new_user(model_project.admin, prefix="outsider")

    for user in (model_project.admin, annotator):
        response = user.get(f"/api/models/{sha256}/artifact")
        assert response.status_code == 200
        assert response.content == model_project.services.blobs.read_bytes(sha256)
    assert outsider.get(f"{base}/models").status_code == 404
    assert outsider.post(f"{base}/models/train").status_code == 404
    assert outsider.post(f"{base}/preannotate", json={}).status_code == 404
    assert outsider.get(f"/api/models/{sha256}/artifact").status_code == 404
    assert model_project.client.get(f"/api/models/{sha256}/artifact").status_code == 401
    assert annotator.get(f"/api/models/{'0' * 64}/artifact").status_code == 404
    assert annotator.get("/api/models/not-a-sha/artifact").status_code == 400
