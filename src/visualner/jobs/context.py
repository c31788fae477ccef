"""What a running job may use: the settings, the database and the blob store."""

from __future__ import annotations

from dataclasses import dataclass

from visualner.db import Database
from visualner.documents.blobstore import BlobStore
from visualner.settings import Settings


@dataclass
class JobContext:
    settings: Settings
    database: Database
    blobs: BlobStore
