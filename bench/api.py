"""API speed on a real server, SQLite and PostgreSQL.

Also the team-workflow figures of ``team_bench.py`` (an annotator's list among 1,000
assigned tasks; agreement of 1,000 doubly-annotated tasks; ``--only-team`` for just these).

Prints, per engine: requests/s, p50 and p99 of ``GET /api/projects/{id}/tasks`` (pages of 100,
random pages) on a project of 100,000 tasks, and of annotation saves from 50 concurrent
clients (errors counted): each annotator's first save to a task creates their annotation
(``POST /api/tasks/{id}/annotations``), later ones update it (``PUT /api/annotations/{id}``
with the version), as the labeling page does. Targets: list p50 < 20 ms; savers p99 < 100 ms (issue
18: 50 annotators × 1 save/s p99 < 20 ms, flat out ≥ 100 saves/s per process).

    .venv/bin/python bench/api.py [--tasks 100000] [--engines sqlite,postgresql]
    .venv/bin/python bench/api.py --only-search --keep-db /tmp/visualner-bench   # seed once
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import admin_token, cpu_seconds, database_for, kept_database, percentile, serve
from search_bench import index_size_mb, report_search, seed_search_project
from team_bench import run_team

from visualner.db import Database, is_sqlite, session_scope
from visualner.migrate import upgrade_database
from visualner.projects.models import Project
from visualner.tasks.models import Page, Task
from visualner.tasks.service import NewPage, create_task
from visualner.word_codec import encode_words
from visualner.words import Word

REGION_COUNT = 10


def load_average() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def seed_tasks(database_url: str, project_id: int, count: int) -> list[int]:
    """Bulk-insert ``count`` one-page tasks with 50 words each."""
    database = Database(database_url)
    words = [Word(f"w{i}", (i * 10, 10, i * 10 + 8, 20), 0.9, 0, 0) for i in range(50)]
    blob = encode_words(words)
    batch = 5000
    with session_scope(database.write) as session:
        for start in range(0, count, batch):
            rows = [
                {
                    "project_id": project_id,
                    "title": f"doc{start + i}.png",
                    "data": {"image": f"doc{start + i}.png"},
                    "page_count": 1,
                }
                for i in range(min(batch, count - start))
            ]
            session.execute(insert(Task), rows)
        session.execute(update(Project).where(Project.id == project_id).values(task_count=count))
        task_ids = [
            row[0]
            for row in session.execute(
                Task.__table__.select()
                .with_only_columns(Task.id)
                .where(Task.project_id == project_id)
            )
        ]
        for start in range(0, len(task_ids), batch):
            session.execute(
                insert(Page),
                [
                    {
                        "task_id": task_id,
                        "page_index": 0,
                        "width": 800,
                        "height": 1000,
                        "words_blob": blob,
                        "word_count": 50,
                        "page_text": "",
                        "ocr_status": "done",
                    }
                    for task_id in task_ids[start : start + batch]
                ],
            )
    if not database.is_sqlite:
        # What autovacuum does after a bulk load: planner statistics and a visibility map,
        # so paging reads the (project_id, id) index without visiting the table.
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE tasks")
            conn.exec_driver_sql("VACUUM ANALYZE pages")
    database.dispose()
    return task_ids


async def time_requests(
    client: httpx.AsyncClient, requests: list[tuple[str, str, dict | None]], concurrency: int
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[str, str, dict | None]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def worker() -> None:
        nonlocal errors
        while not queue.empty():
            method, url, body = queue.get_nowait()
            started = time.perf_counter()
            response = await client.request(method, url, json=body)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def report(name: str, latencies: list[float], errors: int, seconds: float) -> None:
    print(
        f"  {name:<44} {len(latencies) / seconds:8.0f} req/s"
        f"   p50 {percentile(latencies, 0.5):6.1f} ms   p99 {percentile(latencies, 0.99):6.1f} ms"
        f"   errors {errors}"
    )


def seeded_search_project(database_url: str, task_count: int) -> int | None:
    """The search project a former run seeded in a kept database, if any."""
    database = Database(database_url)
    with session_scope(database.read) as session:
        project_id = session.scalar(
            select(Project.id).where(
                Project.title == f"search {task_count}", Project.task_count == task_count
            )
        )
    database.dispose()
    return project_id


async def run_search(
    client: httpx.AsyncClient, database_url: str, task_count: int, *, server_pid: int
) -> None:
    """Search, sort and label queries on a project of FUNSD-size text pages."""
    project_id = seeded_search_project(database_url, task_count)
    if project_id is None:
        project = await client.post(
            "/api/projects", json={"title": f"search {task_count}", "template": "forms"}
        )
        project_id = project.json()["id"]
        started = time.perf_counter()
        seed_search_project(database_url, project_id, task_count)
        print(
            f"  seeded {task_count} tasks of ~150 words with the search index on in "
            f"{time.perf_counter() - started:.0f} s"
        )
    else:
        print(f"  {task_count} tasks of ~150 words kept from an earlier run")
    print(f"  index: {index_size_mb(database_url)}")
    await report_search(
        lambda requests, n: time_requests(client, requests, n),
        report,
        project_id,
        server_cpu=lambda: cpu_seconds(server_pid),
    )


async def run_engine(
    engine: str,
    task_count: int,
    workers: int,
    *,
    search: bool = True,
    only_search: bool = False,
    only_team: bool = False,
    only_saves: bool = False,
    keep_db: Path | None = None,
) -> None:
    with tempfile.TemporaryDirectory() as tmp, database_for(engine, Path(tmp)) as fresh_url:
        database_url = fresh_url
        if keep_db is not None and only_search:
            database_url = kept_database(engine, keep_db, f"visualner_bench_search_{task_count}")
        upgrade_database(database_url)
        with serve(Path(tmp), database_url, workers=workers) as server:
            token = admin_token(server.url)
            headers = {"Authorization": f"Token {token}"}
            async with httpx.AsyncClient(
                base_url=server.url,
                headers=headers,
                timeout=60,
                limits=httpx.Limits(max_connections=60),
            ) as client:
                if only_search:
                    await run_search(client, database_url, task_count, server_pid=server.pid)
                    return
                project = (
                    await client.post("/api/projects", json={"title": "bench", "template": "forms"})
                ).json()
                started = time.perf_counter()
                task_ids = seed_tasks(database_url, project["id"], task_count)
                print(
                    f"{engine}: seeded {task_count} tasks in {time.perf_counter() - started:.1f} s"
                )
                team_figures = partial(
                    run_team,
                    client,
                    server.url,
                    database_url,
                    project["id"],
                    task_ids,
                    timer=lambda requests, n: time_requests(client, requests, n),
                    report=report,
                )
                if only_team:
                    await team_figures()
                    return
                if only_saves:
                    await run_saves(
                        client, task_ids, server_pid=server.pid, database_url=database_url
                    )
                    return
                pages = task_count // 100
                list_requests: list[tuple[str, str, dict | None]] = [
                    (
                        "GET",
                        f"/api/projects/{project['id']}/tasks?page={random.randint(1, pages)}"
                        "&page_size=100",
                        None,
                    )
                    for _ in range(400)
                ]
                await time_requests(client, list_requests[:20], 1)
                report(
                    "GET tasks (page of 100), 1 client",
                    *await time_requests(client, list_requests, 1),
                )
                report(
                    "GET tasks (page of 100), 8 clients",
                    *await time_requests(client, list_requests, 8),
                )
                await run_saves(client, task_ids, server_pid=server.pid, database_url=database_url)
                if search:
                    await run_search(client, database_url, task_count, server_pid=server.pid)
                big_task = seed_big_task(database_url, project["id"], words=1000)
                task_requests: list[tuple[str, str, dict | None]] = [
                    ("GET", f"/api/tasks/{big_task}", None) for _ in range(300)
                ]
                await time_requests(client, task_requests[:10], 1)
                report(
                    "GET task with 1,000 words (target p50 < 10 ms)",
                    *await time_requests(client, task_requests, 1),
                )
                many = [
                    {
                        "id": f"r{i}",
                        "page": 0,
                        "label": "answer",
                        "tokens": [3 * i, 3 * i + 1],
                        "text": f"w{3 * i} w{3 * i + 1}",
                    }
                    for i in range(300)
                ]
                report(
                    "save annotation with 300 regions, 1 client",
                    *await flat_out_savers(client, [big_task], many, clients=1, saves=100),
                )
                await team_figures()


def database_usage(database_url: str) -> tuple[float, int]:
    """CPU seconds so far of the PostgreSQL backends serving the bench database, and how many
    connections it has had (SQLite runs inside the server process: 0, 0). A backend that
    ends takes its CPU time with it: hence the connection count beside it."""
    if is_sqlite(database_url):
        return 0.0, 0
    engine = create_engine(database_url)
    with engine.connect() as conn:
        pids = conn.scalars(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
        sessions = conn.scalar(
            text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        )
    engine.dispose()
    return sum(cpu_seconds(pid) for pid in pids), int(sessions or 0)


async def run_saves(
    client: httpx.AsyncClient, task_ids: list[int], *, server_pid: int, database_url: str
) -> None:
    """Issue 18's save figures: 50 clients flat out, then 50 annotators saving once a second.
    On a shared machine the CPU per save (server process, and PostgreSQL's backends) says
    more than the rate."""
    region = [
        {"id": f"r{i}", "page": 0, "label": "question", "tokens": [i], "text": f"w{i}"}
        for i in range(REGION_COUNT)
    ]
    # Both runs save as one user, who has one annotation per task: each run gets its own
    # half of the tasks, so the second never re-creates the first's.
    half = len(task_ids) // 2
    for name, savers in (
        (
            "50 clients flat out",
            partial(flat_out_savers, client, task_ids[:half], region, clients=50, saves=1000),
        ),
        (
            "50 annotators x 1 save/s",
            partial(paced_savers, client, task_ids[half:], region, clients=50, seconds=10),
        ),
    ):
        server_cpu = cpu_seconds(server_pid)
        database_cpu, connections = database_usage(database_url)
        latencies, errors, seconds = await savers()
        report(f"save annotation ({REGION_COUNT} regions), {name}", latencies, errors, seconds)
        saves = max(1, len(latencies))
        server_ms = (cpu_seconds(server_pid) - server_cpu) * 1000 / saves
        database_cpu_after, connections_after = database_usage(database_url)
        database_ms = (database_cpu_after - database_cpu) * 1000 / saves
        on_postgres = (
            f", PostgreSQL backends {database_ms:.1f} ms; "
            f"{connections_after - connections - 1} new connections"
        )
        print(
            f"    CPU per save: server {server_ms:.1f} ms"
            + ("" if is_sqlite(database_url) else on_postgres)
        )


class Annotator:
    """One annotator's saves: the first to a task creates their annotation, later ones
    update it, naming the version they were based on (one annotation per user and task)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.annotations: dict[int, tuple[int, int]] = {}

    async def save(self, task_id: int, regions: list[dict]) -> httpx.Response:
        known = self.annotations.get(task_id)
        for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile: again
            try:
                if known is None:
                    response = await self.client.post(
                        f"/api/tasks/{task_id}/annotations", json={"regions": regions}
                    )
                else:
                    response = await self.client.put(
                        f"/api/annotations/{known[0]}",
                        json={"regions": regions, "version": known[1]},
                    )
                break
            except (httpx.ReadError, httpx.RemoteProtocolError):
                if attempt == 2:
                    raise
        if response.status_code < 300:
            saved = response.json()
            self.annotations[task_id] = (saved["id"], saved["version"])
        return response


async def flat_out_savers(
    client: httpx.AsyncClient,
    task_ids: list[int],
    regions: list[dict],
    *,
    clients: int,
    saves: int,
) -> tuple[list[float], int, float]:
    """``clients`` annotators saving back to back, ``saves`` in all; each works on its own
    share of the tasks (two people never save one annotation at once)."""
    latencies: list[float] = []
    errors = 0
    remaining = saves

    async def annotator(share: list[int]) -> None:
        nonlocal errors, remaining
        person = Annotator(client)
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            response = await person.save(random.choice(share), regions)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code >= 400

    started = time.perf_counter()
    await asyncio.gather(*(annotator(task_ids[i::clients] or task_ids) for i in range(clients)))
    return latencies, errors, time.perf_counter() - started


async def paced_savers(
    client: httpx.AsyncClient,
    task_ids: list[int],
    regions: list[dict],
    *,
    clients: int,
    seconds: float,
) -> tuple[list[float], int, float]:
    """``clients`` annotators each saving once a second (open loop): the latency a person
    feels, rather than the latency of a saturated server."""
    latencies: list[float] = []
    errors = 0

    async def annotator(offset: float, share: list[int]) -> None:
        nonlocal errors
        person = Annotator(client)
        await asyncio.sleep(offset)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            tick = time.perf_counter()
            response = await person.save(random.choice(share), regions)
            latencies.append((time.perf_counter() - tick) * 1000)
            errors += response.status_code >= 400
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - tick)))

    started = time.perf_counter()
    await asyncio.gather(*(annotator(i / clients, task_ids[i::clients]) for i in range(clients)))
    return latencies, errors, time.perf_counter() - started


def seed_big_task(database_url: str, project_id: int, *, words: int) -> int:
    """One task whose page has ``words`` OCR words (the labeling page's heavy case)."""
    database = Database(database_url)
    page_words = [
        Word(
            f"w{i}",
            (20 + (i % 25) * 60, 20 + (i // 25) * 25, 70 + (i % 25) * 60, 40 + (i // 25) * 25),
            0.9,
            i // 25,
            0,
        )
        for i in range(words)
    ]
    with session_scope(database.write) as session:
        task = create_task(
            session,
            project_id=project_id,
            title="big.png",
            data={},
            pages=[NewPage(1600, 1100, words=page_words, words_source="ocr")],
        )
        task_id = task.id
    database.dispose()
    return task_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--no-search", action="store_true", help="skip the search figures")
    parser.add_argument("--only-search", action="store_true", help="only the search figures")
    parser.add_argument("--only-team", action="store_true", help="only the team-workflow figures")
    parser.add_argument("--only-saves", action="store_true", help="only the save figures")
    parser.add_argument(
        "--keep-db",
        type=Path,
        metavar="DIR",
        help="with --only-search: seed the search project once and reuse it in later runs "
        "(a SQLite file in DIR; a PostgreSQL database visualner_bench_search_N, kept; "
        "migrations run on it first)",
    )
    args = parser.parse_args()
    print(
        "targets: list p50 < 20 ms at 100k tasks; 50 concurrent savers p99 < 100 ms; "
        "task with 1,000 words p50 < 10 ms"
    )
    for engine in args.engines.split(","):
        print(f"{engine}, {args.workers} server process(es):")
        print(f"  {load_average()}")
        asyncio.run(
            run_engine(
                engine,
                args.tasks,
                args.workers,
                search=not args.no_search,
                only_search=args.only_search,
                only_team=args.only_team,
                only_saves=args.only_saves,
                keep_db=args.keep_db,
            )
        )
        print(f"  {load_average()}")


if __name__ == "__main__":
    main()
