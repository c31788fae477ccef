"""The blob store a ``Settings`` asks for: a local directory, or an S3-compatible bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from obstore.store import S3Store

from visualner.documents.blobstore import BlobStore, LocalBlobStore
from visualner.documents.s3_blobstore import S3BlobStore, parse_storage_url
from visualner.settings import Settings

if TYPE_CHECKING:
    from obstore.store import S3Config


def s3_config(settings: Settings) -> S3Config:
    """obstore's S3 options from the settings; what they leave empty, obstore takes from the
    usual AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN…)."""
    config: S3Config = {"region": settings.s3_region}
    if settings.s3_endpoint_url:
        config["endpoint"] = settings.s3_endpoint_url.rstrip("/")
    if settings.s3_access_key_id:
        config["access_key_id"] = settings.s3_access_key_id
        config["secret_access_key"] = settings.s3_secret_access_key
    if settings.s3_anonymous:
        config["skip_signature"] = True
    return config


def open_blob_store(settings: Settings) -> BlobStore:
    staging_root = settings.scratch_dir / "uploads"
    if not settings.storage_url:
        return LocalBlobStore(settings.blob_dir, staging_root)
    bucket, prefix = parse_storage_url(settings.storage_url)
    store = S3Store(
        bucket,
        prefix=prefix or None,
        config=s3_config(settings),
        client_options={"allow_http": settings.s3_endpoint_url.startswith("http://")},
    )
    return S3BlobStore(
        store, staging_root=staging_root, description=f"s3://{bucket}/{prefix}".rstrip("/")
    )
