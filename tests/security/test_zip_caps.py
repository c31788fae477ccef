"""ZIP caps hold whatever the archive's end record says, and for the whole import: the member
cap counts the central directory's entries, and the bytes all archives of an import inflate
to are capped together (issue 12, item 4)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.factories import admin_user, import_files, new_project
from visualner.app import create_app

MB = 1 << 20
ImportFiles = Callable[..., dict[str, Any]]


@pytest.fixture
def import_with_caps(tmp_path: Path, sqlite_url: str) -> Iterator[ImportFiles]:
    """Import files into a new project of an app built with the given caps; the job."""
    clients: list[TestClient] = []

    def run(files: list[tuple[str, bytes]], **caps: object) -> dict[str, Any]:
        settings = make_settings(
            tmp_path / f"data{len(clients)}",
            sqlite_url,
            run_worker_in_process=True,
            worker_threads=1,
            **caps,
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        admin = admin_user(client, ADMIN_PASSWORD)
        return import_files(admin, new_project(admin)["id"], files)

    yield run
    for client in clients:
        client.__exit__(None, None, None)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def _end_record_claiming(content: bytes, entries: int) -> bytes:
    """The archive with its end record's two entry counts patched."""
    position = content.rfind(b"PK\x05\x06")
    count = entries.to_bytes(2, "little")
    return content[: position + 8] + count + count + content[position + 12 :]


def test_the_member_cap_counts_the_directory_not_the_end_record(
    import_with_caps: ImportFiles,
) -> None:
    lying = _end_record_claiming(_zip([(f"{n}.txt", b"x") for n in range(120)]), 1)
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        assert len(archive.infolist()) == 120  # what zipfile would plan
    job = import_with_caps([("lying.zip", lying)], max_archive_members=50)
    assert (job["done"], job["failed"]) == (0, 1), job
    assert (
        "lying.zip holds more than 50 entries (its end record says 1)"
        in (job["errors"][0]["error"])
    )


def test_many_small_zero_members_stop_at_the_archive_ratio(
    import_with_caps: ImportFiles,
) -> None:
    bomb = _zip([(f"zeros{n}.bin", bytes(MB)) for n in range(300)])
    assert len(bomb) < 400_000
    job = import_with_caps([("zeros.zip", bomb)])
    skipped = [e for e in job["errors"] if "inflated to more than 200× its size" in e["error"]]
    inflated = 300 - len(skipped)
    assert 0 < inflated * MB <= 200 * len(bomb) + 2 * MB, inflated


def test_the_inflated_bytes_cap_holds_for_all_archives_of_an_import(
    import_with_caps: ImportFiles,
) -> None:
    archives = [
        (f"part{part}.zip", _zip([(f"p{part}-{n}.bin", bytes(MB)) for n in range(30)]))
        for part in (1, 2)
    ]
    job = import_with_caps(archives, max_import_inflated_mb=40, max_archive_ratio=100_000)
    skipped = [e["name"] for e in job["errors"] if "40 MiB cap for all their files" in e["error"]]
    assert len(skipped) == 20, job["errors"][:3]
    assert all(name.startswith("part2.zip/") for name in skipped)
