"""Out-of-range ids, pages and numbers, NUL characters and oversize multipart headers are
each a JSON 4xx, never a 500 (issue 12, item 6), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import admin_user, new_project, new_task
from visualner.app import create_app
from visualner.settings import Settings

#: Past PostgreSQL's integer, and past SQLite's 64 bits.
OVERSIZE_IDS = [2**31, 2**63 + 1]
PATH_PARAM = re.compile(r"{(\w+)}")
TEXT_PATH_PARAMS = {"username": "nobody", "name": "nothing", "format": "json"}


@pytest.fixture
def lenient_client(settings: Settings) -> Iterator[TestClient]:
    """Answers a crash as the 500 a browser would see, instead of raising it in the test."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _cookie_login(client: TestClient) -> dict[str, str]:
    """Cookie login (pages and API alike accept it) plus the CSRF header writes need."""
    response = client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    return {"X-CSRF-Token": response.json()["csrf_token"]}


#: The pages (not in the OpenAPI schema) that take an id in their path.
PAGES_WITH_IDS = [
    ("GET", "/projects/{project_id}"),
    ("GET", "/projects/{project_id}/import"),
    ("GET", "/projects/{project_id}/model"),
    ("GET", "/projects/{project_id}/settings"),
    ("GET", "/projects/{project_id}/members"),
    ("GET", "/projects/{project_id}/next"),
    ("GET", "/tasks/{task_id}"),
]


def _routes_with_numeric_path_params(client: TestClient) -> list[tuple[str, str, list[str]]]:
    """(method, path, its integer path parameters) of every API operation, then the pages."""
    routes = []
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            numeric = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "path" and p["schema"].get("type") == "integer"
            ]
            if numeric:
                routes.append((method.upper(), path, numeric))
    for method, path in PAGES_WITH_IDS:
        routes.append((method, path, PATH_PARAM.findall(path)))
    return routes


def _as_json(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert isinstance(body, dict)
    return body


def test_every_route_with_an_id_in_its_path_refuses_an_oversize_id_with_a_json_4xx(
    lenient_client: TestClient,
) -> None:
    """Every API route and page, in or out of the OpenAPI schema, as an administrator (so no
    401/403 comes first): each numeric path parameter at 2^31 and at 2^63 + 1."""
    headers = _cookie_login(lenient_client)
    routes = _routes_with_numeric_path_params(lenient_client)
    assert len(routes) >= 40, routes  # the walk sees every route, pages too
    crashes = []
    for method, path, numeric in routes:
        for oversize in OVERSIZE_IDS:
            url = PATH_PARAM.sub(
                lambda m, n=oversize, ints=numeric: (  # type: ignore[misc]
                    str(n) if m.group(1) in ints else TEXT_PATH_PARAMS.get(m.group(1), "x")
                ),
                path,
            )
            response = lenient_client.request(method, url, headers=headers, json={})
            body = _as_json(response) if response.status_code < 500 else {}
            if not (400 <= response.status_code < 500 and "detail" in body and "code" in body):
                crashes.append((method, url, response.status_code, response.text[:200]))
    assert crashes == []


@pytest.mark.parametrize("url", ["/api/projects", "/api/projects/{id}/tasks"])
@pytest.mark.parametrize("page", [2**31, 144115188075855873])
def test_a_page_number_past_any_list_is_a_422(client: TestClient, url: str, page: int) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    response = admin.get(url.format(id=project["id"]), params={"page": page})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "page" in response.json()["detail"]


@pytest.mark.parametrize(
    "data",
    [
        {"image": "a.png", "n": 2**64},
        {"image": "a.png", "nested": [{"deep": [-(2**63) - 1]}]},
        {"image": "a.png", "n": 10**40},
    ],
)
def test_integers_past_64_bits_in_task_data_are_refused(
    client: TestClient, data: dict[str, object]
) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    response = admin.post(f"/api/projects/{project['id']}/tasks", json={"data": data})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "64 bits" in response.json()["detail"]
    assert response.json()["detail"].startswith("data.")


def test_the_64_bit_extremes_and_long_digit_strings_are_stored(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    data = {"image": "a.png", "max": 2**63 - 1, "min": -(2**63), "digits": "9" * 40}
    created = admin.post(f"/api/projects/{project['id']}/tasks", json={"data": data})
    assert created.status_code == 201, created.text
    assert admin.get(f"/api/tasks/{created.json()['id']}").json()["data"] == data


def test_nul_characters_are_refused_in_bodies_queries_paths_and_forms(
    client: TestClient,
) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    pid = project["id"]
    refused = [
        admin.post("/api/projects", json={"title": "a\u0000b", "template": "forms"}),
        admin.patch(f"/api/projects/{pid}", json={"description": "x\u0000"}),
        admin.post(f"/api/projects/{pid}/tasks", json={"data": {"image": "a", "k\u0000": 1}}),
        admin.get(f"/api/projects/{pid}/members", params={"username": "a\x00b"}),
        admin.delete(f"/api/projects/{pid}/members/a%00b"),
        client.post(
            "/login",
            data={"username": "ad\x00min", "password": "x", "next": "/"},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        ),
    ]
    assert [r.status_code for r in refused] == [400] * len(refused)
    assert all("NUL" in r.json()["detail"] for r in refused)
    assert admin.get(f"/api/projects/{pid}").json()["description"] == project["description"]


def test_an_escaped_backslash_before_u0000_is_ordinary_text(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    created = admin.post("/api/projects", json={"title": "a\\u0000b", "template": "forms"})
    assert created.status_code == 201
    assert created.json()["title"] == "a\\u0000b"


def test_a_10000_character_multipart_file_name_is_a_400(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    response = admin.post(
        f"/api/projects/{project['id']}/import",
        files={"files": ("a" * 10_000 + ".png", b"\x89PNG\r\n\x1a\n", "image/png")},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "multipart" in response.json()["detail"]


def test_an_annotation_version_past_any_row_is_a_422(client: TestClient) -> None:
    """Found by the schema fuzzer: PostgreSQL answered 500 (integer out of range), also for
    the largest integer, whose save would store the next version."""
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    task_id = new_task(client.app.state.services, project["id"])  # type: ignore[attr-defined]
    created = admin.post(f"/api/tasks/{task_id}/annotations", json={"regions": []})
    assert created.status_code == 201
    for version in (2**62, 2**31 - 1):  # the last: its save would store 2^31
        stale = admin.put(f"/api/annotations/{created.json()['id']}", json={"version": version})
        assert stale.status_code == 422
        assert "version" in stale.json()["detail"]
