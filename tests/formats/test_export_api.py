"""The export routes on SQLite and PostgreSQL: who may export, filters, the background job."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.factories import ApiUser, add_member, new_user
from tests.formats.conftest import FixtureProject, zip_members
from visualner.annotations.models import Annotation
from visualner.db import session_scope
from visualner.formats.registry import EXPORT_FORMATS
from visualner.jobs.runner import run_job


def _annotation_counts(project: FixtureProject, **params: Any) -> list[int]:
    tasks = json.loads(project.export("json", **params))
    return [len(task["annotations"]) for task in tasks]


@dataclass
class Members:
    reviewer: ApiUser
    annotator: ApiUser
    outsider: ApiUser


@pytest.fixture(scope="module")
def members(engine_project: FixtureProject) -> Members:
    project = engine_project
    reviewer, annotator, outsider = (new_user(project.admin) for _ in range(3))
    add_member(project.admin, project.project_id, reviewer, "reviewer")
    add_member(project.admin, project.project_id, annotator, "annotator")
    return Members(reviewer, annotator, outsider)


def test_managers_and_reviewers_export_annotators_are_refused_and_outsiders_see_nothing(
    engine_project: FixtureProject, members: Members
) -> None:
    project = engine_project
    url = f"/api/projects/{project.project_id}/export?format=csv"
    reviewer, annotator, outsider = members.reviewer, members.annotator, members.outsider
    answer = reviewer.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert annotator.get(url).status_code == 403
    assert outsider.get(url).status_code == 404
    started = annotator.post(f"/api/projects/{project.project_id}/exports", json={})
    assert started.status_code == 403
    assert outsider.post(f"/api/projects/{project.project_id}/exports", json={}).status_code == 404


def test_the_annotation_filter_keeps_submitted_reviewed_or_all_annotations(
    engine_project: FixtureProject,
) -> None:
    project = engine_project
    assert _annotation_counts(project) == [1, 0]
    assert _annotation_counts(project, only="all") == [1, 1]
    assert _annotation_counts(project, only="reviewed") == [0, 0]
    with session_scope(project.services.database.write) as session:
        session.execute(
            update(Annotation)
            .where(Annotation.status == "submitted")
            .values(review_status="accepted")
        )
    assert _annotation_counts(project, only="reviewed") == [1, 0]
    assert _annotation_counts(project, status="in_progress", only="all") == [1]
    with session_scope(project.services.database.write) as session:
        session.execute(update(Annotation).values(review_status=""))


def test_predictions_are_exported_only_on_request(engine_project: FixtureProject) -> None:
    project = engine_project
    plain = json.loads(project.export("json"))
    assert [len(t["predictions"]) for t in plain] == [0, 0]
    with_predictions = json.loads(project.export("json", predictions="true"))
    assert [len(t["predictions"]) for t in with_predictions] == [0, 1]
    assert project.export("csv").decode().count("\n") == 5  # header + 4 regions of task 1


def test_unknown_formats_and_filters_are_refused_with_400_or_422(
    engine_project: FixtureProject,
) -> None:
    project = engine_project
    url = f"/api/projects/{project.project_id}/export"
    refused = project.admin.get(url, params={"format": "yaml"})
    assert refused.status_code == 400
    assert "csv" in refused.json()["detail"]
    assert project.admin.get(url, params={"status": "nope"}).status_code == 400
    assert project.admin.get(url, params={"only": "some"}).status_code == 422
    started = project.admin.post(
        f"/api/projects/{project.project_id}/exports", json={"format": "yaml"}
    )
    assert started.status_code == 400


def test_the_format_list_names_every_format_with_a_description(
    engine_project: FixtureProject,
) -> None:
    project = engine_project
    listed = project.admin.get("/api/export-formats").json()
    assert [f["name"] for f in listed] == [f.name for f in EXPORT_FORMATS]
    assert all(f["description"] and f["extension"] for f in listed)


def test_an_export_job_stores_the_file_and_offers_it_for_download(
    engine_project: FixtureProject, members: Members
) -> None:
    project = engine_project
    started = project.admin.post(
        f"/api/projects/{project.project_id}/exports", json={"format": "funsd", "only": "all"}
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    download = f"/api/jobs/{job_id}/download"
    assert project.admin.get(download).status_code == 409
    services = project.services
    run_job(services.job_context, services.registry, job_id, stale_after=timedelta(minutes=5))
    job = project.admin.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "succeeded", job
    assert job["result"]["download_url"] == download
    answer = project.admin.get(download)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.content == project.export("funsd", only="all")
    assert sorted(zip_members(answer.content)) == [
        "task-1_page-0.json",
        "task-1_page-1.json",
        "task-2_page-0.json",
    ]
    assert members.annotator.get(download).status_code == 403
    assert members.reviewer.get(download).status_code == 200
    assert members.outsider.get(download).status_code == 404
