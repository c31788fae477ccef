"""A JSON list is split into its tasks' byte ranges while it uploads, exactly as planning
would split it, and planning falls back to scanning whenever that split is missing or stale."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest

from tests.conftest import make_settings
from tests.imports.test_json_split import TRICKY_STRINGS
from visualner.errors import TooLarge
from visualner.imports import planning
from visualner.imports.json.array_split import iter_array_elements
from visualner.imports.json.split_ahead import read_split, split_path
from visualner.imports.planning import plan_import
from visualner.imports.uploads import receive_multipart

BOUNDARY = "split-ahead-boundary"
T = TypeVar("T")


def _task_list(rng: random.Random, count: int) -> bytes:
    tasks = [
        {
            "data": {"image": f"https://example.org/{n}.png", "note": rng.choice(TRICKY_STRINGS)},
            "annotations": [
                {"result": [{"id": f"r{i}", "value": {"text": [rng.choice(TRICKY_STRINGS)]}}]}
                for i in range(rng.randint(0, 3))
            ],
        }
        for n in range(count)
    ]
    return b"[\n" + b" ,\n".join(orjson.dumps(task) for task in tasks) + b"\n]\n"


def _multipart(files: list[bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="tasks{n}.json"\r\nContent-Type: application/json\r\n\r\n'.encode()
        + content
        + b"\r\n"
        for n, content in enumerate(files)
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def _pieces(body: bytes, size: int, fail_at: int | None = None) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        if fail_at is not None and start >= fail_at:
            raise ConnectionError("the client went away")
        yield body[start : start + size]
        await asyncio.sleep(0)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run in a thread of its own: the test's thread may already have an event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _upload(folder: Path, body: bytes, *, piece: int = 997, **caps: int) -> list[Path]:
    limits = {"max_file_bytes": 2**30, "max_total_bytes": 2**30, **caps}
    staged = _run(
        receive_multipart(
            f"multipart/form-data; boundary={BOUNDARY}", _pieces(body, piece), folder, **limits
        )
    )
    return [file.path for file in staged.files]


def test_a_list_split_while_it_uploads_has_the_ranges_planning_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    lists = [_task_list(rng, 200), _task_list(rng, 1), b"[]"]
    staging = tmp_path / "staging"
    staging.mkdir()

    paths = _upload(staging, _multipart([*lists, b"\x89PNG not a list"]))

    for path, content in zip(paths, lists, strict=False):
        assert path.read_bytes() == content
        assert read_split(path) == list(iter_array_elements(path))
    assert not split_path(paths[3]).exists()
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'v.db'}")
    sources = [{"path": path.name, "name": f"tasks{n}.json"} for n, path in enumerate(paths[:2])]
    with monkeypatch.context() as patched:  # planning takes the split, it does not scan
        patched.setattr(planning, "iter_array_elements", None)
        planned = plan_import(staging, sources, settings)
    for path in paths:
        split_path(path).unlink(missing_ok=True)
    assert planned == plan_import(staging, sources, settings)
    assert len(planned) == 201


@pytest.mark.parametrize(
    "content",
    [b'[1, {"a": 1}]', b'[{"a": 1}', b'[{"a": 1}] [', b'{"tasks": [{"a": 1}]}', b"  \n"],
)
def test_only_a_list_of_objects_gets_a_split(tmp_path: Path, content: bytes) -> None:
    (path,) = _upload(tmp_path, _multipart([content]), piece=3)

    assert not split_path(path).exists()


def test_an_upload_that_stops_leaves_no_split(tmp_path: Path) -> None:
    body = _multipart([_task_list(random.Random(1), 300)])
    with pytest.raises(ConnectionError):
        _run(
            receive_multipart(
                f"multipart/form-data; boundary={BOUNDARY}",
                _pieces(body, 1000, fail_at=len(body) // 2),
                tmp_path,
                max_file_bytes=2**30,
                max_total_bytes=2**30,
            )
        )
    with pytest.raises(TooLarge):
        _upload(tmp_path, body, max_file_bytes=len(body) // 2)

    assert not list(tmp_path.glob("*.split*"))


def test_a_split_that_does_not_describe_the_file_is_ignored(tmp_path: Path) -> None:
    (path,) = _upload(tmp_path, _multipart([_task_list(random.Random(2), 20)]))
    assert read_split(path) is not None

    with path.open("ab") as out:
        out.write(b" ")
    assert read_split(path) is None  # the file changed since
    split_path(path).write_bytes(b"not a split file")
    assert read_split(path) is None
