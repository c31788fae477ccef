"""The storage API: managers only, credentials kept encrypted and never answered, endpoints
checked by the SSRF rules unless allow-listed, every bad field a precise 4xx."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import obstore
from sqlalchemy import select

from tests.factories import add_member, new_user
from tests.fixture_files import png_bytes, text_image
from tests.s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from tests.storages.conftest import CloudProject
from visualner.db import session_scope, utcnow
from visualner.runtime import Services
from visualner.storages.models import Storage
from visualner.storages.service import start_due_syncs


def _services(cloud: CloudProject) -> Services:
    services: Services = cloud.admin.client.app.state.services  # type: ignore[attr-defined]
    return services


def test_credentials_are_stored_encrypted_and_never_in_any_answer(cloud: CloudProject) -> None:
    url = f"/api/projects/{cloud.project_id}/storages"
    created = cloud.admin.post(url, json=cloud.storage_body(session_token="session-tok-123"))
    assert created.status_code == 201, created.text
    storage_id = created.json()["id"]
    answers = [
        created,
        cloud.admin.get(url),
        cloud.admin.get(f"{url}/{storage_id}"),
        cloud.admin.patch(f"{url}/{storage_id}", json={"title": "Scans"}),
    ]
    sync = cloud.admin.post(f"{url}/{storage_id}/sync")
    answers += [sync, cloud.admin.get(f"/api/jobs/{sync.json()['job_id']}?all_items=true")]
    for answer in answers:
        assert answer.status_code in (200, 201, 202), answer.text
        # the test server's key id is also the bucket's name: check no field carries it
        for secret in (SECRET_ACCESS_KEY, "session-tok-123", "access_key_id", '"credentials"'):
            assert secret not in answer.text
    assert created.json()["has_credentials"] is True
    with session_scope(_services(cloud).database.read) as session:
        stored = session.scalar(select(Storage.credentials).where(Storage.id == storage_id))
    assert stored and SECRET_ACCESS_KEY not in stored and ACCESS_KEY_ID not in stored

    cleared = cloud.admin.patch(f"{url}/{storage_id}", json={"clear_credentials": True})
    assert cleared.json()["has_credentials"] is False
    cloud.wait(sync.json()["job_id"])


def test_a_loopback_endpoint_not_on_the_allow_list_is_refused(cloud: CloudProject) -> None:
    url = f"/api/projects/{cloud.project_id}/storages"
    port = int(cloud.server.endpoint_url.rsplit(":", 1)[1])
    for endpoint in (
        f"http://127.0.0.1:{port + 1}",  # same host, another port
        f"http://localhost:{port}",  # the allowed port by another name
        "http://169.254.169.254",
        "http://10.1.2.3:9000",
    ):
        refused = cloud.admin.post(url, json=cloud.storage_body(endpoint_url=endpoint))
        assert refused.status_code == 400, (endpoint, refused.text)
        assert refused.json()["code"] == "blocked_url", endpoint
        assert "VISUALNER_STORAGE_ENDPOINT_ALLOWLIST" in refused.json()["detail"]
    storage = cloud.add_storage()
    moved = cloud.admin.patch(
        f"{url}/{storage['id']}", json={"endpoint_url": f"http://127.0.0.1:{port + 1}"}
    )
    assert moved.status_code == 400
    assert moved.json()["code"] == "blocked_url"
    assert cloud.admin.get(f"{url}/{storage['id']}").json()["endpoint_url"] == (
        cloud.server.endpoint_url
    )


def test_bad_storage_fields_get_precise_errors(cloud: CloudProject) -> None:
    url = f"/api/projects/{cloud.project_id}/storages"
    cases = [
        ({"bucket": "no/slashes"}, 422, "bucket"),
        ({"role": "mirror"}, 422, "role"),
        ({"endpoint_url": "ftp://example.com"}, 400, "endpoint_url"),
        ({"endpoint_url": "https://s3.example.com/some/path"}, 400, "endpoint_url"),
        ({"secret_access_key": ""}, 400, "secret_access_key"),
        ({"export_format": "nope"}, 400, "format"),
        ({"sync_every_minutes": -1}, 422, "sync_every_minutes"),
        ({"import_options": {"ocr": "maybe"}}, 422, "ocr"),
        ({"prefix": "a\x00b"}, 400, "prefix"),
        ({"surprise": 1}, 422, "surprise"),
    ]
    for fields, status, mentioned in cases:
        response = cloud.admin.post(url, json=cloud.storage_body(**fields))
        assert response.status_code == status, (fields, response.text)
        assert mentioned in json.dumps(response.json()), (fields, response.text)
    target = cloud.admin.post(url, json=cloud.storage_body("target", sync_every_minutes=5))
    assert target.status_code == 400
    assert "only source storages are synced" in target.json()["detail"]
    drafts = cloud.admin.post(url, json=cloud.storage_body("target", export_only="all"))
    assert drafts.status_code == 400
    target_id = cloud.add_storage("target")["id"]
    not_a_source = cloud.admin.post(f"{url}/{target_id}/sync")
    assert not_a_source.status_code == 400
    assert "only sources are synced" in not_a_source.json()["detail"]
    assert cloud.admin.get(f"{url}/999999").status_code == 404


def test_only_managers_see_or_change_storages(cloud: CloudProject) -> None:
    url = f"/api/projects/{cloud.project_id}/storages"
    storage = cloud.add_storage()
    annotator = new_user(cloud.admin, prefix="annotator")
    reviewer = new_user(cloud.admin, prefix="reviewer")
    outsider = new_user(cloud.admin, prefix="outsider")
    add_member(cloud.admin, cloud.project_id, annotator, "annotator")
    add_member(cloud.admin, cloud.project_id, reviewer, "reviewer")
    for user, status in ((annotator, 403), (reviewer, 403), (outsider, 404)):
        assert user.get(url).status_code == status
        assert user.get(f"{url}/{storage['id']}").status_code == status
        assert user.post(url, json=cloud.storage_body()).status_code == status
        assert user.patch(f"{url}/{storage['id']}", json={"title": "x"}).status_code == status
        assert user.post(f"{url}/{storage['id']}/sync").status_code == status
        assert user.delete(f"{url}/{storage['id']}").status_code == status
    assert cloud.admin.delete(f"{url}/{storage['id']}").status_code == 204
    assert cloud.admin.get(url).json() == []


def test_scheduled_syncs_start_when_due_and_never_twice(cloud: CloudProject) -> None:
    url = f"/api/projects/{cloud.project_id}/storages"
    services = _services(cloud)
    queue = services.queue
    services.queue.stop_consumer()  # jobs stay queued: the schedule sees one still pending
    scheduled = cloud.add_storage(sync_every_minutes=5)
    on_demand = cloud.add_storage()
    now = utcnow()
    started = start_due_syncs(queue, now=now)
    assert len(started) == 1
    listed = {s["id"]: s for s in cloud.admin.get(url).json()}
    assert listed[scheduled["id"]]["last_sync_job_id"] == started[0]
    assert listed[on_demand["id"]]["last_sync_job_id"] is None
    assert start_due_syncs(queue, now=now) == []  # not due yet
    assert start_due_syncs(queue, now=now + timedelta(minutes=6)) == []  # still queued
    queue.cancel(started[0])
    later = start_due_syncs(queue, now=now + timedelta(minutes=6))
    assert len(later) == 1 and later != started


def test_the_workers_minute_schedule_starts_the_due_syncs(cloud: CloudProject) -> None:
    """The huey periodic task every consumer runs once a minute, executed as a worker would."""
    services = _services(cloud)
    obstore.put(cloud.bucket_store, "scheduled.png", png_bytes(text_image("Scheduled")))
    storage = cloud.add_storage(sync_every_minutes=1, import_options={"ocr": False})
    huey = services.queue.huey
    due = [t for t in huey.read_periodic(datetime.now(UTC)) if t.name == "visualner.sync_storages"]
    assert len(due) == 1
    huey.execute(due[0])
    job_id = cloud.admin.get(f"/api/projects/{cloud.project_id}/storages").json()[0][
        "last_sync_job_id"
    ]
    assert job_id is not None
    job = cloud.wait(job_id)
    assert job["status"] == "succeeded", job
    assert job["result"]["storage_id"] == storage["id"]
    assert cloud.task_titles() == ["scheduled.png"]
