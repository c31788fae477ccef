"""JSON task lists import in batches of tasks per transaction, exactly once, and a bad task
is reported alone while the rest of its batch imports."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.factories import admin_user, new_project, project_page_image
from tests.fixture_files import png_bytes, text_image
from tests.imports.conftest import Importer
from tests.loopback_http import serving
from visualner.app import create_app
from visualner.db import session_scope
from visualner.imports.job import TASKS_PER_TRANSACTION
from visualner.jobs import items, runner
from visualner.jobs.models import Job, JobStatus
from visualner.runtime import Services
from visualner.tasks.models import Task

WORDS = [
    {"text": "Policy", "bbox": [10, 10, 90, 30], "confidence": 0.9, "line": 0, "block": 0},
    {"text": "12345", "bbox": [100, 10, 160, 30], "confidence": 0.9, "line": 0, "block": 0},
]


def native_task(image_sha256: str, title: str, **changes: Any) -> dict[str, Any]:
    """A task in our export's shape: its page image is already in the blob store."""
    task: dict[str, Any] = {
        "title": title,
        "data": {"image": f"{title}.png"},
        "pages": [
            {
                "width": 600,
                "height": 200,
                "image": {"sha256": image_sha256, "mime": "image/png"},
                "words": WORDS,
                "ocr_status": "done",
            }
        ],
        "annotations": [
            {
                "user": "admin",
                "status": "submitted",
                "regions": [
                    {"id": "q", "page": 0, "label": "question", "tokens": [0], "text": "Policy"},
                    {"id": "a", "page": 0, "label": "answer", "bbox": [100, 10, 160, 30]},
                ],
                "relations": [{"from_id": "q", "to_id": "a", "label": "answers"}],
            }
        ],
        "predictions": [{"model_version": "m1", "score": 0.5, "regions": []}],
    }
    task.update(changes)
    return task


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def test_a_bad_task_fails_alone_while_the_rest_of_its_batch_imports(importer: Importer) -> None:
    services = _services(importer.admin.client)
    sha = project_page_image(services, importer.project_id, png_bytes(text_image("Policy 12345")))
    bad_label = native_task(sha, "bad-label")
    bad_label["annotations"][0]["regions"][0]["label"] = "PERSON"
    past_words = native_task(sha, "past-words")
    past_words["annotations"][0]["regions"][0]["tokens"] = [7]
    parts = [
        orjson.dumps(native_task(sha, "first")),
        orjson.dumps(bad_label),
        b'"not a task"',
        b'{"title": tru}',
        orjson.dumps(past_words),
        orjson.dumps(native_task(sha, "last")),
    ]
    job = importer.run([("tasks.json", b"[" + b",\n".join(parts) + b"]")])
    assert job["done"] == 2 and job["failed"] == 4, job
    errors = importer.errors(job)
    assert "annotations[0].regions[0] (id 'q'): label 'PERSON' is not in" in errors["tasks.json[1]"]
    assert "a task must be an object" in errors["tasks.json[2]"]
    assert "not valid JSON" in errors["tasks.json[3]"]
    assert "token 7 is past the 2 words of page 0" in errors["tasks.json[4]"]
    tasks = {task["title"]: task for task in importer.tasks() if task["title"] != "page image"}
    assert set(tasks) == {"first", "last"}
    stored = tasks["first"]
    assert stored["status"] == "submitted"
    assert [w["text"] for w in stored["pages"][0]["words"]] == ["Policy", "12345"]
    regions = stored["annotations"][0]["regions"]
    assert regions[1]["bbox"] == [100.0, 10.0, 160.0, 30.0] and regions[1]["tokens"] == []
    assert stored["predictions"][0]["model_version"] == "m1"


def test_duplicates_in_one_batch_are_skipped_on_request(importer: Importer) -> None:
    page = png_bytes(text_image("Same page"))
    job = importer.run(
        [("a.png", page), ("b.png", page)], options={"ocr": False, "skip_duplicates": True}
    )
    assert job["done"] == 2 and len(job["result"]["task_ids"]) == 1, job
    assert job["errors"][0]["status"] == "skipped"
    assert "duplicate of task" in job["errors"][0]["error"]


class _Crash(BaseException):
    """Stands for the worker being killed: nothing in the runner catches it."""


def test_a_batched_import_killed_midway_resumes_each_task_exactly_once(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "data", sqlite_url, run_worker_in_process=False)
    with TestClient(create_app(settings)) as client:
        services, job_id, titles = _native_import(client, 60)
        store = items._store
        calls = []

        def store_then_crash(*args: Any) -> None:
            calls.append(1)
            if len(calls) == 2:
                raise _Crash
            store(*args)

        monkeypatch.setattr(items, "_store", store_then_crash)
        stored_first = _killed_run(services, job_id)
        assert 0 < stored_first < len(titles)
        monkeypatch.setattr(items, "_store", store)
        _assert_resumed_once(services, job_id, titles)


def _native_import(client: TestClient, count: int) -> tuple[Services, int, list[str]]:
    """A started (not yet run) import of ``count`` native tasks: (services, job id, titles)."""
    admin = admin_user(client, ADMIN_PASSWORD)
    services = _services(client)
    project_id = new_project(admin)["id"]
    sha = project_page_image(services, project_id, png_bytes(text_image("Policy 12345")))
    titles = [f"task {n}" for n in range(count)]
    body = orjson.dumps([native_task(sha, title) for title in titles])
    started = admin.post(
        f"/api/projects/{project_id}/import", files=[("files", ("tasks.json", body))]
    )
    return services, started.json()["job_id"], titles


def _killed_run(services: Services, job_id: int) -> int:
    """Run the job until ``_Crash`` (the worker killed); the tasks it stored, which are
    exactly the items marked done."""
    with pytest.raises(_Crash):
        runner.run_job(services.job_context, services.registry, job_id, stale_after=timedelta(0))
    with session_scope(services.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == JobStatus.RUNNING
        stored = session.query(Task).filter_by(import_job_id=job_id).count()
        assert stored == job.done
    return stored


def _assert_resumed_once(services: Services, job_id: int, titles: list[str]) -> None:
    """Resume the job: it succeeds with every task stored exactly once."""
    runner.run_job(services.job_context, services.registry, job_id, stale_after=timedelta(0))
    with session_scope(services.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == JobStatus.SUCCEEDED
        assert (job.done, job.failed) == (len(titles), 0)
        stored = session.query(Task.title).filter_by(import_job_id=job_id).all()
    assert sorted(title for (title,) in stored) == sorted(titles)


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    requests: ClassVar[Counter[str]] = Counter()

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        type(self).requests[self.path] += 1
        super().do_GET()


@contextlib.contextmanager
def _image_server(tmp_path: Path, names: tuple[str, ...] = ("a", "b", "c")) -> Iterator[str]:
    """Form images (a.png, b.png, c.png unless ``names`` says) served over loopback
    (requests counted); yields the base URL."""
    folder = tmp_path / "images"
    folder.mkdir()
    _CountingHandler.requests.clear()
    for name in names:
        (folder / f"{name}.png").write_bytes(png_bytes(text_image(f"Form {name}")))
    handler = functools.partial(_CountingHandler, directory=str(folder))
    with serving(handler) as url:
        yield url


@pytest.mark.parametrize("app_client", [{"url_allowlist": ["127.0.0.1"]}], indirect=True)
def test_tasks_sharing_a_url_download_it_once(importer: Importer, tmp_path: Path) -> None:
    with _image_server(tmp_path) as base:
        tasks = [
            {"data": {"image": f"{base}/{name}.png"}, "meta": n} for n, name in enumerate("abcabc")
        ]
        tasks.append({"data": {"image": "http://169.254.169.254/latest/meta-data/"}})
        job = importer.run([("tasks.json", orjson.dumps(tasks))], options={"ocr": False})
    assert job["done"] == 6 and job["failed"] == 1, job
    assert "metadata" in importer.errors(job)["tasks.json[6]"]
    assert dict(_CountingHandler.requests) == {"/a.png": 1, "/b.png": 1, "/c.png": 1}
    assert {"processing", "storing", "waiting_for_downloads", "downloading"} <= set(
        job["result"]["seconds"]
    )
    assert sorted(t["title"] for t in importer.tasks()) == sorted(f"{n}.png" for n in "abcabc")


def test_a_cancelled_import_stops_its_download_threads(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(
        tmp_path / "data", sqlite_url, run_worker_in_process=False, url_allowlist=["127.0.0.1"]
    )
    with _image_server(tmp_path) as base, TestClient(create_app(settings)) as client:
        admin = admin_user(client, ADMIN_PASSWORD)
        services = _services(client)
        project_id = new_project(admin)["id"]
        tasks = [{"data": {"image": f"{base}/{'abc'[n % 3]}.png"}} for n in range(60)]
        started = admin.post(
            f"/api/projects/{project_id}/import",
            files=[("files", ("tasks.json", orjson.dumps(tasks)))],
            data={"options": orjson.dumps({"ocr": False}).decode()},
        )
        job_id = started.json()["job_id"]
        store = items._store

        def store_then_cancel(*args: Any) -> None:
            store(*args)
            with session_scope(services.database.write) as session:
                job = session.get(Job, job_id)
                assert job is not None
                job.status = JobStatus.CANCELLED.value

        monkeypatch.setattr(items, "_store", store_then_cancel)
        runner.run_job(services.job_context, services.registry, job_id, stale_after=timedelta(0))
        with session_scope(services.database.read) as session:
            job = session.get(Job, job_id)
            assert job is not None and job.status == JobStatus.CANCELLED
            assert 0 < job.done < len(tasks)
        assert not [t for t in threading.enumerate() if t.name.startswith("url-prefetch")]
        assert not services.registry.get("import")._states  # type: ignore[attr-defined]


def test_a_worker_killed_while_processing_a_batch_resumes_each_task_exactly_once(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "data", database_url, run_worker_in_process=False)
    with TestClient(create_app(settings)) as client:
        services, job_id, titles = _native_import(client, 3 * TASKS_PER_TRANSACTION)
        handler = services.registry.get("import")
        process = handler.process

        def killed_in_the_second_batch(ctx: Any, job: Job, item: Any) -> Any:
            if item.position == TASKS_PER_TRANSACTION + 3:
                raise _Crash
            return process(ctx, job, item)

        monkeypatch.setattr(handler, "process", killed_in_the_second_batch)
        assert _killed_run(services, job_id) == TASKS_PER_TRANSACTION
        monkeypatch.setattr(handler, "process", process)
        _assert_resumed_once(services, job_id, titles)
