"""A bounded schemathesis pass over every operation of the OpenAPI schema that fails on any
5xx (issue 12, acceptance), on SQLite and on PostgreSQL.

The caller is the manager of a seeded project (a task with words, an annotation), and the
path ids name that project's rows, so generated requests reach the handlers instead of
stopping at 401 or 404; out-of-range ids are covered by test_out_of_range_input.py. Examples
are derandomized (the same requests every run) and few per operation, so the pass stays
short; ``VISUALNER_FUZZ_EXAMPLES`` asks for more when hunting.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import ADMIN_PASSWORD, empty_postgres, make_settings
from tests.factories import add_member, admin_user, new_project, new_task, new_user
from visualner.app import create_app

EXAMPLES_PER_OPERATION = int(os.environ.get("VISUALNER_FUZZ_EXAMPLES", "4"))

#: Operations that would remove what every other operation works on (the seeded project, task
#: and annotation, the caller's token); their bad input is reached by their own tests.
DESTRUCTIVE = [
    ("DELETE", "/api/projects/{project_id}"),
    ("DELETE", "/api/tasks/{task_id}"),
    ("DELETE", "/api/annotations/{annotation_id}"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("POST", "/api/auth/logout"),
]


@dataclass(frozen=True)
class FuzzedApp:
    app: FastAPI
    headers: dict[str, str]
    path_ids: dict[str, int]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[FuzzedApp]:
    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    if request.param == "sqlite":
        data_dir.mkdir(parents=True)
        shutil.copy(sqlite_template, data_dir / "visualner.db")
        url = f"sqlite:///{data_dir / 'visualner.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    app = create_app(make_settings(data_dir, url))
    with TestClient(app) as client:
        admin = admin_user(client, ADMIN_PASSWORD)
        manager = new_user(admin, prefix="manager")
        project = new_project(manager)
        add_member(manager, project["id"], new_user(admin, prefix="annotator"), "annotator")
        task_id = new_task(app.state.services, project["id"], pages=2, words_per_page=12)
        region = {"id": "r1", "page": 0, "label": "question", "tokens": [0, 1]}
        annotation = manager.post(f"/api/tasks/{task_id}/annotations", json={"regions": [region]})
        assert annotation.status_code == 201, annotation.text
        yield FuzzedApp(
            app=app,
            headers=manager.headers,
            path_ids={
                "project_id": project["id"],
                "task_id": task_id,
                "annotation_id": annotation.json()["id"],
                "page_index": 0,
            },
        )


def _server_errors(
    operation: schemathesis.APIOperation, mode: GenerationMode, fuzzed: FuzzedApp
) -> list[str]:
    """Send a few generated requests to one operation; each 5xx (or crash) as a curl line."""
    path_ids = {k: v for k, v in fuzzed.path_ids.items() if f"{{{k}}}" in operation.path}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_ids or None)
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def send(case: schemathesis.Case) -> None:
        try:
            status = case.call(headers=fuzzed.headers).status_code
        except Exception as exc:  # the app raised instead of answering
            status, case_text = 500, f" ({type(exc).__name__}: {exc})"
        else:
            case_text = ""
        if status >= 500:
            found.append(f"{status} {case.as_curl_command()}{case_text}")

    try:
        send()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters)
        assert mode is GenerationMode.NEGATIVE
    return found


def test_no_operation_answers_a_server_error(fuzzed_app: FuzzedApp) -> None:
    """Every operation, with valid and with invalid requests: no 5xx anywhere."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app.app)
    server_errors: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in DESTRUCTIVE:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            server_errors += _server_errors(operation, mode, fuzzed_app)
    assert operations >= 50
    assert server_errors == [], "\n".join(server_errors)
