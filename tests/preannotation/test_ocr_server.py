"""Pre-annotation on a real ``visualner ocr-server`` that fetches the model from a real app.

Both run as subprocesses, started together (they take seconds to import); the database is
prepared beforehand so the OCR server can be given its API token at start.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from tests.conftest import make_settings
from tests.imports.servers import free_port, start_process, wait_for
from tests.preannotation.conftest import FUNSD_TRAINING, add_labeled_tasks, add_unlabeled_tasks
from visualner.annotations.models import Prediction
from visualner.auth.service import create_api_token, create_user
from visualner.db import session_scope
from visualner.migrate import upgrade_database
from visualner.model.artifact import load_model
from visualner.model.tagger import LabeledPage
from visualner.projects.service import create_project
from visualner.runtime import build_services


@contextmanager
def subprocess_running(
    args: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    process = start_process(args, env, log)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait(api: httpx.Client, job_id: int, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = api.get(f"/api/jobs/{job_id}?all_items=true").json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_pre_annotation_job_runs_on_the_chosen_ocr_server(
    tmp_path: Path, funsd_forms: list[LabeledPage]
) -> None:
    data_dir = tmp_path / "app"
    database_url = f"sqlite:///{data_dir / 'visualner.db'}"
    upgrade_database(database_url)
    services = build_services(make_settings(data_dir, database_url))
    with session_scope(services.database.write) as session:
        admin = create_user(session, username="admin", password="admin-password-1", is_admin=True)
        token = create_api_token(session, user=admin, name="ocr-server").key
        project_id = create_project(session, owner=admin, title="Forms", template="forms").id
    add_labeled_tasks(services, project_id, funsd_forms[:4], images=True)
    new_ids = add_unlabeled_tasks(services, project_id, funsd_forms[10:12], images=True)
    app_url = f"http://127.0.0.1:{free_port()}"
    ocr_url = f"http://127.0.0.1:{free_port()}"
    cache = tmp_path / "model-cache"
    with ExitStack() as stack:
        app = stack.enter_context(
            subprocess_running(
                ["serve", "--port", app_url.rsplit(":", 1)[1], "--log-level", "warning"],
                {
                    "VISUALNER_DATA_DIR": str(data_dir),
                    "VISUALNER_ENVIRONMENT": "test",
                    "VISUALNER_WORKER_THREADS": "1",
                },
                tmp_path / "serve.log",
            )
        )
        ocr = stack.enter_context(
            subprocess_running(
                [
                    "ocr-server",
                    "--port",
                    ocr_url.rsplit(":", 1)[1],
                    "--workers",
                    "1",
                    "--log-level",
                    "warning",
                ],
                {
                    "VISUALNER_APP_URL": app_url,
                    "VISUALNER_APP_TOKEN": token,
                    "VISUALNER_MODEL_CACHE_DIR": str(cache),
                },
                tmp_path / "ocr-server.log",
            )
        )
        wait_for(f"{app_url}/api/health", app)
        api = stack.enter_context(
            httpx.Client(base_url=app_url, headers={"Authorization": f"Token {token}"})
        )
        trained = api.post(f"/api/projects/{project_id}/models/train")
        assert trained.status_code == 202, trained.text
        assert _wait(api, trained.json()["job_id"])["status"] == "succeeded"
        sha256 = api.get(f"/api/projects/{project_id}/models").json()["items"][0]["artifact_sha256"]
        wait_for(f"{ocr_url}/health", ocr)
        registered = api.post("/api/ocr-servers", json={"name": "gpu-box", "url": ocr_url})
        assert registered.status_code == 201, registered.text

        started = api.post(
            f"/api/projects/{project_id}/preannotate",
            json={"task_ids": new_ids, "ocr_server": "gpu-box"},
        )
        assert started.status_code == 202, started.text
        job = _wait(api, started.json()["job_id"])

        assert job["status"] == "succeeded", job
        assert [item["result"]["server"] for item in job["items"]] == ["gpu-box", "gpu-box"]
        assert (cache / f"{sha256}.vnmodel").exists()  # fetched from the app, kept on disk
        direct = httpx.post(
            f"{ocr_url}/preannotate",
            files={
                "model_sha256": (None, sha256),
                "words": (
                    None,
                    '{"width": 100, "height": 50, "words": '
                    '[{"text": "Date:", "bbox": [1, 1, 30, 10]}]}',
                ),
            },
            timeout=30,
        ).json()
        assert direct["words"][0]["text"] == "Date:"
        assert direct["model"]["sha256"] == sha256
        assert isinstance(direct["entities"], list) and 0 <= direct["uncertainty"] <= 1
        form = funsd_forms[10]
        with_image = httpx.post(
            f"{ocr_url}/preannotate",
            files={
                "model_sha256": (None, sha256),
                "words": (None, json.dumps(form.page.to_json())),
                "image": (
                    "page.png",
                    (FUNSD_TRAINING / "images" / f"{form.name}.png").read_bytes(),
                ),
            },
            timeout=30,
        ).json()
        scan = FUNSD_TRAINING / "images" / f"{funsd_forms[11].name}.png"
        imported = api.post(
            f"/api/projects/{project_id}/import",
            files={"files": ("scan.png", scan.read_bytes(), "image/png")},
            data={"options": json.dumps({"ocr_servers": ["gpu-box"], "preannotate": True})},
        )
        assert imported.status_code == 202, imported.text
        import_job = _wait(api, imported.json()["job_id"])
        assert import_job["status"] == "succeeded", import_job
        (item,) = import_job["items"]
        assert item["result"]["preannotated_on"] == "gpu-box"
        new_task = api.get(f"/api/tasks/{item['result']['task_id']}").json()
        assert new_task["predictions"][0]["model_version"] == "visualner-crf@1"
        assert new_task["predictions"][0]["regions"]
        model = load_model(services.blobs.read_bytes(sha256))
        expected = model.predict(
            form.page, Image.open(FUNSD_TRAINING / "images" / f"{form.name}.png")
        )
        assert [(e["label"], e["word_indices"]) for e in with_image["entities"]] == [
            (e.label, list(e.word_indices)) for e in expected
        ]

    with session_scope(services.database.read) as session:
        predictions = list(
            session.scalars(select(Prediction).where(Prediction.task_id.in_(new_ids)))
        )
    services.close()
    assert sorted(p.task_id for p in predictions) == new_ids
    for prediction in predictions:
        assert prediction.model_version == "visualner-crf@1"
        assert prediction.result["regions"]
        assert all(r["origin"] == "visualner-crf@1" for r in prediction.result["regions"])
