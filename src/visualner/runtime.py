"""The long-lived objects one installation needs, built once from a ``Settings``.

The app, the CLI and the worker all call ``build_services``, so they share one wiring. Job
kinds are registered here, where everything is built: ``jobs/`` itself knows no domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from visualner.db import Database
from visualner.documents.blobstore import BlobStore
from visualner.documents.stores import open_blob_store
from visualner.exports.job import ExportJob
from visualner.imports.job import ImportJob
from visualner.jobs.context import JobContext
from visualner.jobs.handlers import JobRegistry
from visualner.jobs.queue import JobQueue
from visualner.ocr.rerun import OcrJob
from visualner.preannotation.prediction import PreannotateJob
from visualner.preannotation.training import TrainModelJob
from visualner.settings import Settings
from visualner.storages.service import start_due_syncs
from visualner.storages.sync import StorageSyncJob
from visualner.storages.targets import StorageExportJob


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


def register_job_kinds(registry: JobRegistry) -> None:
    """Register every job kind the product runs (imports, OCR, exports, training, cloud
    storage syncs and writes)."""
    registry.register(ImportJob())
    registry.register(OcrJob())
    registry.register(TrainModelJob())
    registry.register(PreannotateJob())
    registry.register(ExportJob())
    registry.register(StorageSyncJob())
    registry.register(StorageExportJob())


#: connections a job helper process keeps: its worker thread, its heartbeat, its downloads
HELPER_POOL_SIZE = 4


def job_runtime(settings: Settings) -> tuple[JobContext, JobRegistry]:
    """What a job helper process runs jobs with (``jobs.helpers``; it calls this by name)."""
    database = Database(settings.effective_database_url, pool_size=HELPER_POOL_SIZE)
    registry = JobRegistry()
    register_job_kinds(registry)
    ctx = JobContext(settings=settings, database=database, blobs=open_blob_store(settings))
    return ctx, registry


def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.effective_database_url, pool_size=settings.database_pool_size)
    blobs = open_blob_store(settings)
    registry = JobRegistry()
    register_job_kinds(registry)
    ctx = JobContext(settings=settings, database=database, blobs=blobs)
    queue = JobQueue(ctx, registry, runtime_factory=job_runtime)
    queue.every_minute("visualner.sync_storages", start_due_syncs)
    return Services(
        settings=settings, database=database, blobs=blobs, registry=registry, queue=queue
    )
