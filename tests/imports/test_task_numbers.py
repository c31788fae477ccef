"""Tasks are numbered per project: a project's first task is #1, numbers stay put after
deletes and are never reused (issue 13 item 11)."""

from __future__ import annotations

from tests.factories import new_project, new_task
from tests.fixture_files import png_bytes, text_image
from tests.imports.conftest import Importer


def numbers(importer: Importer, project_id: int) -> dict[str, int]:
    listed = importer.admin.get(f"/api/projects/{project_id}/tasks?page_size=100").json()
    return {task["title"]: task["number"] for task in listed["items"]}


def test_each_project_numbers_its_own_tasks_from_one(importer: Importer) -> None:
    page = png_bytes(text_image("A page"))
    importer.run([("a.png", page), ("b.png", png_bytes(text_image("B")))], options={"ocr": False})
    other = new_project(importer.admin, title="Second")
    second = Importer(admin=importer.admin, project_id=other["id"])
    second.run([("first.png", page)], options={"ocr": False})
    services = importer.admin.client.app.state.services  # type: ignore[attr-defined]
    added = new_task(services, other["id"], title="added.png")

    assert sorted(numbers(importer, importer.project_id).values()) == [1, 2]
    assert numbers(second, other["id"]) == {"first.png": 1, "added.png": 2}
    assert importer.admin.get(f"/api/tasks/{added}").json()["number"] == 2


def test_numbers_stay_put_after_a_delete_and_are_not_reused(importer: Importer) -> None:
    files = [(f"{name}.png", png_bytes(text_image(name))) for name in ("one", "two")]
    importer.run(files, options={"ocr": False})
    before = numbers(importer, importer.project_id)
    listed = importer.admin.get(f"/api/projects/{importer.project_id}/tasks").json()["items"]
    first = next(task["id"] for task in listed if task["number"] == 1)
    deleted = importer.admin.post(
        f"/api/projects/{importer.project_id}/tasks/delete",
        json={"task_ids": [first], "confirm_count": 1},
    )
    assert deleted.status_code == 200, deleted.text
    importer.run([("three.png", png_bytes(text_image("three")))], options={"ocr": False})
    after = numbers(importer, importer.project_id)
    survivor = next(title for title, number in before.items() if number == 2)
    assert after == {survivor: 2, "three.png": 3}
