"""Splitting a JSON task list into its tasks' byte ranges without parsing it."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from tests.conftest import make_settings
from visualner.errors import InvalidInput
from visualner.imports.json.array_split import iter_array_elements, quotes_before_each
from visualner.imports.planning import plan_import

# Strings that look like structure: brackets, commas, quotes and backslashes inside strings.
TRICKY_STRINGS = ['a\\"b', 'x]}{[,"', "\\\\", "", "é\u2028", "q\\", '{"not": "a task"}']


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice([1, 2.5, None, True, *TRICKY_STRINGS])
    if roll < 0.6:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {f"k{i}\\": _random_value(rng, depth + 1) for i in range(rng.randint(0, 4))}


def _elements(path: Path, chunk_bytes: int) -> list[Any]:
    content = path.read_bytes()
    return [
        element.scalar
        if element.is_scalar
        else orjson.loads(content[element.offset : element.offset + element.length])
        for element in iter_array_elements(path, chunk_bytes=chunk_bytes)
    ]


def test_every_element_is_found_whatever_the_chunk_boundaries(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "tasks.json"
    for _ in range(120):
        values = [_random_value(rng) for _ in range(rng.randint(0, 6))]
        path.write_text(
            json.dumps(values, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5),
            encoding="utf-8",
        )
        for chunk_bytes in (1, 2, 3, 64, 1 << 20):
            assert _elements(path, chunk_bytes) == values


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"a": 1}', "not closed"),
        (b'[{"a": "]}"}', "not closed"),
        (b'{"a": 1}', "expected a list"),
        (b'[{"a": 1}] {}', "more after the end"),
        (b'[{"a": 1}]]', "more after the end|without its opening"),
        (b'[{"a": 1} {"b": 2}]', "separated by one comma"),
        (b'[{"a": 1},]', "a comma after the last task"),
    ],
)
def test_a_list_that_is_not_one_array_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "tasks.json"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        list(iter_array_elements(path, chunk_bytes=4))


def test_scalars_keep_their_place_so_errors_name_the_right_index(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_bytes(b'["not a task", {"image": "a.png"}, 5, {"image": "b.png"}]')
    assert _elements(path, 3) == ["not a task", {"image": "a.png"}, 5, {"image": "b.png"}]


def test_a_large_list_is_planned_streaming_as_byte_ranges(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'v.db'}")
    task = {
        "data": {"image": "https://example.org/form.png"},
        "annotations": [
            {"result": [{"id": f"r{i}", "type": "rectanglelabels"} for i in range(300)]}
        ],
    }
    staging = tmp_path / "staging"
    staging.mkdir()
    encoded = orjson.dumps(task)
    with (staging / "00000").open("wb") as out:
        out.write(b"[")
        out.write(b",".join([encoded] * 6000))
        out.write(b"]")
    size = (staging / "00000").stat().st_size
    assert size > 64 * 2**20
    tracemalloc.start()
    try:
        items = plan_import(staging, [{"path": "00000", "name": "tasks.json"}], settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(items) == 6000
    assert items[3].name == "tasks.json[3]"
    assert "task" not in items[3].payload  # the task stays in the file, not in the job item
    offset, length = items[3].payload["offset"], items[3].payload["length"]
    with (staging / "00000").open("rb") as handle:
        handle.seek(offset)
        assert orjson.loads(handle.read(length)) == task
    assert peak < 32 * 2**20, (
        f"planning held {peak / 2**20:.0f} MB for a {size / 2**20:.0f} MB list"
    )


def test_quotes_before_each_position_are_counted_as_a_search_would() -> None:
    rng = np.random.default_rng(4)
    for size in (0, 1, 7, 8, 9, 1000, 65_537):
        is_quote = rng.random(size) < rng.choice([0.0, 0.1, 0.5, 1.0])
        positions = np.sort(rng.choice(size, size=min(size, 300), replace=False))

        before, count = quotes_before_each(is_quote, positions.astype(np.intp))

        quotes = np.flatnonzero(is_quote)
        assert before.tolist() == np.searchsorted(quotes, positions).tolist()
        assert count == quotes.size
