"""Team-workflow figures for bench/api.py: an annotator's task list among 1,000 assigned tasks
of a big project, and the agreement of 1,000 doubly-annotated FUNSD-size tasks.

Targets (issue 15): annotator task-list p50 < 20 ms with 1,000 assigned in 100,000 tasks;
agreement for 1,000 doubly-annotated tasks < 2 s.

    .venv/bin/python bench/api.py --only-team [--tasks 100000] [--engines sqlite]
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable

import httpx
from _server import user_token
from sqlalchemy import insert, select

from visualner.annotations.models import Annotation
from visualner.db import Database, session_scope
from visualner.review.agreement import agreement_of
from visualner.tasks.models import Task

ASSIGNED = 1000
DOUBLY_ANNOTATED = 1000
#: FUNSD forms hold ~30 entities of a few words each
REGIONS_PER_TASK = 30
LABELS = ("question", "answer", "header", "other")

Timer = Callable[
    [list[tuple[str, str, dict | None]], int], Awaitable[tuple[list[float], int, float]]
]
Report = Callable[[str, list[float], int, float], None]


async def _member(
    client: httpx.AsyncClient, base_url: str, project_id: int, name: str
) -> tuple[int, str]:
    password = f"pw-{name}-bench-long"
    user = (await client.post("/api/users", json={"username": name, "password": password})).json()
    await client.post(
        f"/api/projects/{project_id}/members", json={"username": name, "role": "annotator"}
    )
    return int(user["id"]), user_token(base_url, name, password)


def _regions(rng: random.Random, flip: float) -> list[dict]:
    """A form's regions; ``flip`` of them get another label (a second annotator's take)."""
    regions = []
    for i in range(REGIONS_PER_TASK):
        label = LABELS[i % len(LABELS)]
        if rng.random() < flip:
            label = LABELS[(i + 1) % len(LABELS)]
        regions.append(
            {"id": f"r{i}", "page": 0, "label": label, "tokens": [3 * i, 3 * i + 1, 3 * i + 2]}
        )
    return regions


def seed_double_annotations(database_url: str, project_id: int, user_ids: tuple[int, int]) -> None:
    """Two submitted annotations on each of the project's first ``DOUBLY_ANNOTATED`` tasks."""
    rng = random.Random(15)
    database = Database(database_url)
    with session_scope(database.write) as session:
        task_ids = list(
            session.scalars(
                select(Task.id)
                .where(Task.project_id == project_id)
                .order_by(Task.id)
                .limit(DOUBLY_ANNOTATED)
            )
        )
        rows = [
            {
                "task_id": task_id,
                "user_id": user_id,
                "status": "submitted",
                "version": 1,
                "result": {"regions": _regions(rng, flip), "relations": [], "choices": {}},
                "review_status": "",
            }
            for task_id in task_ids
            for user_id, flip in zip(user_ids, (0.0, 0.1), strict=True)
        ]
        session.execute(insert(Annotation), rows)
    database.dispose()


async def run_team(
    client: httpx.AsyncClient,
    base_url: str,
    database_url: str,
    project_id: int,
    task_ids: list[int],
    *,
    timer: Timer,
    report: Report,
) -> None:
    """Assigns ``ASSIGNED`` tasks spread over the project to one annotator and times their
    list; seeds two annotations on ``DOUBLY_ANNOTATED`` tasks and times the agreement."""
    ann_id, ann_token = await _member(client, base_url, project_id, "bench-ann")
    other_id, _ = await _member(client, base_url, project_id, "bench-bob")
    step = max(1, len(task_ids) // ASSIGNED)
    mine = task_ids[::step][:ASSIGNED]
    assigned = await client.post(
        f"/api/projects/{project_id}/assignments",
        json={"task_ids": mine, "annotators": ["bench-ann"]},
    )
    assert assigned.status_code == 200, assigned.text
    pages = max(1, len(mine) // 100)
    requests: list[tuple[str, str, dict | None]] = [
        (
            "GET",
            f"/api/projects/{project_id}/tasks?page={random.randint(1, pages)}&page_size=100",
            None,
        )
        for _ in range(200)
    ]
    manager = client.headers["Authorization"]
    client.headers["Authorization"] = f"Token {ann_token}"
    try:
        await timer(requests[:10], 1)
        report(
            f"annotator's tasks ({len(mine)} of {len(task_ids)}), 1 client",
            *await timer(requests, 1),
        )
    finally:
        client.headers["Authorization"] = manager
    seed_double_annotations(database_url, project_id, (ann_id, other_id))
    agreement = [("GET", f"/api/projects/{project_id}/agreement", None)] * 5
    report(f"GET agreement ({DOUBLY_ANNOTATED} doubly-annotated tasks)", *await timer(agreement, 1))
    rng = random.Random(16)
    tasks = {t: {"a": _regions(rng, 0.0), "b": _regions(rng, 0.1)} for t in range(DOUBLY_ANNOTATED)}
    started = time.perf_counter()
    f1 = agreement_of(tasks).pairs[0].total.f1
    print(
        f"  agreement of {DOUBLY_ANNOTATED} doubly-annotated tasks in process: "
        f"{(time.perf_counter() - started) * 1000:.0f} ms (F1 {f1:.3f}; target < 2 s)"
    )
