"""Export speed and memory per format, on SQLite and PostgreSQL.

Seeds a project of 10,000 annotated tasks (one page of 300 words, one submitted annotation of
300 regions and one prediction of 300 regions each) with bulk inserts, then exports it in every
format, each in a fresh subprocess so its peak memory (max RSS, interpreter included) is its own,
and stores the file in the blob store as the export job does (``--storage s3``: in a SeaweedFS
started on loopback, the ``store`` column is that upload's share of the time).
Targets: every format ≥ 500 tasks/s, peak memory < 300 MB. Tasks per CPU-second (the export
process's own CPU time) compare runs on a shared machine best. Each line ends with the 1-minute
load average when the export finished: the machine is shared, so compare figures taken at
similar loads.

    .venv/bin/python bench/export.py [--tasks 10000] [--engines sqlite,postgresql] [--formats …]
                                     [--storage local|s3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import database_for

from tests.s3_server import running_s3_server, s3_environment
from visualner.annotations.models import Annotation, Prediction
from visualner.db import Database, session_scope
from visualner.documents.stores import open_blob_store
from visualner.exports.options import ExportOptions
from visualner.exports.service import export_to_file, url_image_ref
from visualner.formats.registry import EXPORT_FORMATS
from visualner.migrate import upgrade_database
from visualner.projects.models import Project
from visualner.projects.templates import get_template
from visualner.settings import Settings
from visualner.tasks.models import Page, Task
from visualner.word_codec import encode_words
from visualner.words import Word

WORDS = 300
REGIONS = 300
BATCH = 500
LABELS = ("question", "answer", "header", "other")
PEER = (
    "Label Studio 1.23.2, 1,000 such tasks: JSON export 10.6 s (94 tasks/s); "
    "full snapshot with predictions 37.8 s (26 tasks/s) at 1.4 GB"
)


def _page_words() -> list[Word]:
    return [
        Word(
            f"w{i}",
            (
                20.0 + 40 * (i % 18),
                20.0 + 30 * (i // 18),
                55.0 + 40 * (i % 18),
                40.0 + 30 * (i // 18),
            ),
            0.93,
            i // 18,
            0,
        )
        for i in range(WORDS)
    ]


def _result(origin: str) -> dict[str, object]:
    regions = [
        {
            "id": f"r{i}",
            "page": 0,
            "label": LABELS[i % len(LABELS)],
            "tokens": [i],
            "bbox": None,
            "text": f"w{i}",
            "origin": origin,
            "score": None,
        }
        for i in range(REGIONS)
    ]
    relations = [
        {"from_id": f"r{i}", "to_id": f"r{i + 1}", "label": "answers"} for i in range(0, 40, 2)
    ]
    return {"regions": regions, "relations": relations, "choices": {}}


def seed(database_url: str, count: int) -> int:
    """A forms project with ``count`` annotated one-page tasks; returns its id."""
    database = Database(database_url)
    blob = encode_words(_page_words())
    annotation, prediction = _result("manual"), _result("crf@1")
    with session_scope(database.write) as session:
        project = Project(title="bench", label_config=get_template("forms").xml, task_count=count)
        session.add(project)
        session.flush()
        project_id = project.id
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            session.execute(
                insert(Task),
                [
                    {
                        "project_id": project_id,
                        "title": f"doc{start + i}.png",
                        "data": {"image": f"doc{start + i}.png"},
                        "status": "submitted",
                        "page_count": 1,
                        "annotation_count": 1,
                        "prediction_count": 1,
                    }
                    for i in range(size)
                ],
            )
        task_ids = list(session.scalars(select(Task.id).where(Task.project_id == project_id)))
        for start in range(0, count, BATCH):
            ids = task_ids[start : start + BATCH]
            session.execute(
                insert(Page),
                [
                    {
                        "task_id": task_id,
                        "page_index": 0,
                        "width": 800,
                        "height": 1000,
                        "image_sha256": f"{task_id:064x}",
                        "words_blob": blob,
                        "word_count": WORDS,
                        "ocr_status": "done",
                        "words_source": "ocr",
                    }
                    for task_id in ids
                ],
            )
            session.execute(
                insert(Annotation),
                [{"task_id": t, "status": "submitted", "result": annotation} for t in ids],
            )
            session.execute(
                insert(Prediction),
                [{"task_id": t, "model_version": "crf@1", "result": prediction} for t in ids],
            )
    database.dispose()
    return project_id


def child(database_url: str, project_id: int, format: str, predictions: bool) -> None:
    """Run one export in this process and print its figures as JSON."""
    database = Database(database_url, pool_size=1)
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu_started = time.perf_counter(), time.process_time()
        exported = export_to_file(
            database,
            project_id=project_id,
            options=ExportOptions(format=format, predictions=predictions),
            image_ref=url_image_ref("https://visualner.example"),
            destination=Path(tmp) / "export",
        )
        written = time.perf_counter()
        blobs = open_blob_store(Settings(data_dir=Path(tmp) / "data"))
        blobs.put_file(exported.path)
        seconds = time.perf_counter() - started
        store_seconds = time.perf_counter() - written
        cpu = time.process_time() - cpu_started
    database.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "store_seconds": store_seconds,
                "cpu": cpu,
                "bytes": exported.size,
                "peak_mb": peak_mb,
            }
        )
    )


def run_engine(engine: str, task_count: int, formats: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, database_for(engine, Path(tmp)) as database_url:
        upgrade_database(database_url)
        started = time.perf_counter()
        project_id = seed(database_url, task_count)
        print(f"{engine}: seeded {task_count} tasks in {time.perf_counter() - started:.1f} s")
        runs = [(f, False) for f in formats] + [("json", True)]
        for format, predictions in runs:
            output = subprocess.run(
                [sys.executable, __file__, "--child", database_url, str(project_id), format]
                + (["--predictions"] if predictions else []),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            figures = json.loads(output.strip().splitlines()[-1])
            name = format + (" +predictions" if predictions else "")
            rate = task_count / figures["seconds"]
            ok = "ok" if rate >= 500 and figures["peak_mb"] < 300 else "MISSES TARGET"
            print(
                f"  {name:<22} {figures['seconds']:7.2f} s {rate:9.0f} tasks/s"
                f" ({task_count / figures['cpu']:5.0f} per CPU-s)"
                f" {figures['bytes'] / 2**20:9.1f} MB out (store {figures['store_seconds']:5.2f} s)"
                f"   peak {figures['peak_mb']:6.0f} MB   load {os.getloadavg()[0]:4.1f}   {ok}"
            )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], "--predictions" in sys.argv)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--formats", default=",".join(f.name for f in EXPORT_FORMATS))
    parser.add_argument("--storage", choices=("local", "s3"), default="local")
    args = parser.parse_args()
    stack = ExitStack()
    if args.storage == "s3":  # every export child stores its file in SeaweedFS
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        os.environ.update(s3_environment(stack.enter_context(running_s3_server(folder / "s3"))))
    print(f"storage: {args.storage}")
    print(f"targets: every format >= 500 tasks/s, peak memory < 300 MB ({args.tasks} tasks,")
    print(f"  {WORDS} words and {REGIONS} regions each; +predictions adds a 300-region prediction)")
    print(f"peer: {PEER}")
    with stack:
        for engine in args.engines.split(","):
            run_engine(engine, args.tasks, args.formats.split(","))


if __name__ == "__main__":
    main()
