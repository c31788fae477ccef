"""The long-lived objects one installation needs, built once from a ``Settings``.

The app, the CLI and the worker all call ``build_services``, so they share one wiring.
"""

from __future__ import annotations

from dataclasses import dataclass

from visualner.db import Database
from visualner.documents.blobstore import BlobStore
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import JobRegistry
from visualner.jobs.kinds import register_job_kinds
from visualner.jobs.queue import JobQueue
from visualner.settings import Settings


@dataclass
class Services:
    settings: Settings
    database: Database
    blobs: BlobStore
    registry: JobRegistry
    queue: JobQueue

    @property
    def job_context(self) -> JobContext:
        return self.queue.ctx

    def close(self) -> None:
        self.queue.stop_consumer()
        self.database.dispose()


def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.effective_database_url)
    blobs = BlobStore(settings.blob_dir)
    registry = JobRegistry()
    register_job_kinds(registry)
    ctx = JobContext(settings=settings, database=database, blobs=blobs)
    return Services(
        settings=settings,
        database=database,
        blobs=blobs,
        registry=registry,
        queue=JobQueue(ctx, registry),
    )
