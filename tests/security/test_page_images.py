"""Page images: served only as the image the server decoded, and a JSON import's pages may
point only at images of projects the importer can open (issue 12, items 1 and 2)."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import ADMIN_PASSWORD
from tests.factories import (
    ApiUser,
    add_member,
    admin_user,
    import_files,
    new_project,
    new_user,
)
from tests.fixture_files import png_bytes, text_image
from visualner.db import session_scope
from visualner.runtime import Services
from visualner.tasks.service import NewPage, create_task


def tasks_of(user: ApiUser, project_id: int) -> list[dict[str, Any]]:
    listed = user.get(f"/api/projects/{project_id}/tasks?page_size=100").json()
    return [user.get(f"/api/tasks/{task['id']}").json() for task in listed["items"]]


def page_sha(user: ApiUser, project_id: int) -> str:
    """The sha256 of the project's one page image, as its native export names it."""
    exported = user.get(f"/api/projects/{project_id}/export", params={"format": "json"})
    assert exported.status_code == 200, exported.text
    [task] = exported.json()
    sha: str = task["pages"][0]["image"]["sha256"]
    return sha


def task_pointing_at(sha: str, mime: str = "text/html", **changes: Any) -> dict[str, Any]:
    """A task in the native format whose page names a stored image by its sha256."""
    task: dict[str, Any] = {
        "title": "probe",
        "data": {"image": "probe.png"},
        "pages": [{"width": 600, "height": 200, "image": {"sha256": sha, "mime": mime}}],
        "annotations": [],
    }
    task.update(changes)
    return task


def scan(text: str) -> bytes:
    return png_bytes(text_image(text))


def test_a_json_page_record_never_sets_the_image_content_type(worker_client: TestClient) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    project_id = new_project(admin)["id"]
    assert import_files(admin, project_id, [("scan.png", scan("Invoice 7"))])["done"] == 1
    sha = page_sha(admin, project_id)
    probe = orjson.dumps([task_pointing_at(sha, "text/html")])
    job = import_files(admin, project_id, [("tasks.json", probe)])
    assert job["done"] == 1, job
    for task in tasks_of(admin, project_id):
        served = admin.get(f"/api/tasks/{task['id']}/pages/0/image")
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in served.headers["content-security-policy"]
        assert served.headers["content-disposition"].startswith("inline")


def test_every_blob_response_carries_nosniff_a_sandbox_and_a_disposition(
    worker_client: TestClient,
) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    project_id = new_project(admin)["id"]
    import_files(admin, project_id, [("scan.png", scan("Invoice 7"))])
    [task] = tasks_of(admin, project_id)
    first = admin.get(f"/api/tasks/{task['id']}/pages/0/image")
    revalidated = admin.client.get(
        f"/api/tasks/{task['id']}/pages/0/image",
        headers={**admin.headers, "If-None-Match": first.headers["etag"]},
    )
    assert revalidated.status_code == 304
    for response in (first, revalidated):
        assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"].startswith("inline")


def test_an_import_cannot_point_a_page_at_another_projects_image(
    worker_client: TestClient,
) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    private = new_project(admin, title="Private")["id"]
    import_files(admin, private, [("secret.png", scan("Salary 90000"))])
    sha = page_sha(admin, private)
    outsider = new_user(admin)
    own = new_project(outsider, title="Mine")["id"]
    job = import_files(outsider, own, [("tasks.json", orjson.dumps([task_pointing_at(sha)]))])
    assert job["done"] == 0 and job["failed"] == 1, job
    [error] = job["errors"]
    assert "not a page image of this project or of a project you can open" in error["error"]
    assert "Error" not in error["error"]
    assert tasks_of(outsider, own) == []


def test_a_user_removed_from_a_project_cannot_import_its_images_again(
    worker_client: TestClient,
) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    shared = new_project(admin, title="Shared")["id"]
    import_files(admin, shared, [("a.png", scan("Policy 1")), ("b.png", scan("Policy 2"))])
    exported = admin.get(f"/api/projects/{shared}/export", params={"format": "json"}).json()
    first, second = (task["pages"][0]["image"]["sha256"] for task in exported)
    member = new_user(admin)
    add_member(admin, shared, member, "annotator")
    own = new_project(member, title="Copy")["id"]
    while_member = import_files(member, own, [("a.json", orjson.dumps([task_pointing_at(first)]))])
    assert while_member["done"] == 1, while_member
    removed = admin.delete(f"/api/projects/{shared}/members/{member.username}")
    assert removed.status_code in (200, 204), removed.text
    after = import_files(member, own, [("b.json", orjson.dumps([task_pointing_at(second)]))])
    assert after["done"] == 0 and after["failed"] == 1, after
    assert len(tasks_of(member, own)) == 1


def test_imported_annotations_belong_to_the_importer_and_are_not_reviewed(
    worker_client: TestClient,
) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    importer = new_user(admin)
    project_id = new_project(importer)["id"]
    import_files(importer, project_id, [("form.png", scan("Policy 12345"))])
    sha = page_sha(importer, project_id)
    forged = task_pointing_at(
        sha,
        "image/png",
        annotations=[
            {
                "user": "admin",
                "status": "submitted",
                "review_status": "accepted",
                "regions": [{"id": "a", "page": 0, "label": "answer", "bbox": [1, 1, 50, 20]}],
            }
        ],
    )
    job = import_files(importer, project_id, [("tasks.json", orjson.dumps([forged]))])
    assert job["done"] == 1, job
    [imported] = [t for t in tasks_of(importer, project_id) if t["title"] == "probe"]
    [annotation] = imported["annotations"]
    assert annotation["user"] == importer.username
    assert annotation["imported_from"] == "admin"
    assert annotation["review_status"] == ""
    assert imported["status"] == "submitted"


def _with_trailer(content: bytes, trailer: bytes) -> bytes:
    return content + trailer


HTML = b"<html><script>fetch('/api/users',{method:'POST'})</script></html>"


def _jpeg(text: str) -> bytes:
    buffer = io.BytesIO()
    text_image(text).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _jpeg_with_comment(content: bytes, comment: bytes) -> bytes:
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return content[:2] + segment + content[2:]


@pytest.mark.parametrize(
    "name,content",
    [
        ("after-iend.png", _with_trailer(scan("Policy 1"), HTML)),
        ("after-eoi.jpg", _with_trailer(_jpeg("Policy 2"), HTML)),
        ("comment.jpg", _jpeg_with_comment(_jpeg("Policy 3"), b"*/=alert(1)/*" + HTML)),
    ],
)
def test_page_files_with_anything_beside_the_image_are_stored_re_encoded(
    worker_client: TestClient, name: str, content: bytes
) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    project_id = new_project(admin)["id"]
    job = import_files(admin, project_id, [(name, content)])
    assert job["done"] == 1, job
    [task] = tasks_of(admin, project_id)
    served = admin.get(f"/api/tasks/{task['id']}/pages/0/image").content
    assert b"<html>" not in served and b"alert" not in served
    with Image.open(io.BytesIO(served)) as image:
        assert image.size == (600, 200)


def test_a_page_stored_with_another_type_before_the_fix_is_served_as_a_download(
    worker_client: TestClient,
) -> None:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    project_id = new_project(admin)["id"]
    services: Services = worker_client.app.state.services  # type: ignore[attr-defined]
    sha = services.blobs.put_bytes(HTML)
    with session_scope(services.database.write) as session:
        task = create_task(
            session,
            project_id=project_id,
            title="legacy",
            data={},
            pages=[NewPage(width=10, height=10, image_sha256=sha, image_mime="text/html")],
        )
    served = admin.get(f"/api/tasks/{task.id}/pages/0/image")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"] == "attachment"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
