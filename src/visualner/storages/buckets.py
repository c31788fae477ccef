"""Reaching a project's bucket: its endpoint checked against the SSRF rules, an obstore
client that signs with the storage's own credentials only, and listing, reading and
writing objects.

The server's own S3 credentials (settings, ``AWS_*`` variables) are never used for a
project's bucket: a storage without credentials sends unsigned requests, one with
credentials signs through a credential provider that returns exactly those.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import obstore
from obstore.store import S3Store

from visualner.documents.ssrf import (
    Allowlist,
    Resolver,
    check_destination,
    normalise_host,
    parse_url,
    system_resolver,
)
from visualner.errors import BlockedUrl, InvalidInput

if TYPE_CHECKING:
    from obstore.store import S3Config, S3Credential

AWS_ENDPOINT = "https://s3.{region}.amazonaws.com"
DOWNLOAD_CHUNK = 1 << 20


@dataclass(frozen=True)
class BucketAccess:
    """Everything needed to reach one storage's objects (credentials decrypted)."""

    bucket: str
    prefix: str
    endpoint_url: str
    region: str
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def endpoint(self) -> str:
        return endpoint_for(self.endpoint_url, self.region)


def endpoint_for(endpoint_url: str, region: str) -> str:
    """The endpoint requests go to: the one given, or AWS S3's of the region."""
    return endpoint_url.strip().rstrip("/") or AWS_ENDPOINT.format(region=region or "us-east-1")


@dataclass(frozen=True)
class RemoteObject:
    """An object of the bucket, its key relative to the storage's prefix."""

    key: str
    etag: str
    size: int


def check_endpoint(
    endpoint: str, *, allowlist: Sequence[str], resolver: Resolver = system_resolver
) -> None:
    """Refuse an endpoint that is not a plain http(s) origin, or that reaches a loopback,
    private, link-local or metadata address, unless ``host`` or ``host:port`` is on
    ``VISUALNER_STORAGE_ENDPOINT_ALLOWLIST``. Checked when a storage is saved and again
    before every use (the name may resolve elsewhere later)."""
    try:
        url = parse_url(endpoint)
    except InvalidInput as exc:  # BlockedUrl included: a scheme other than http(s)
        raise InvalidInput(
            f"endpoint_url: {exc.message.replace('imported', 'used')}", field="endpoint_url"
        ) from exc
    if url.path not in ("", "/") or url.query or url.fragment:
        raise InvalidInput(
            f"endpoint_url: give a scheme, host and port only (e.g. https://s3.example.com), "
            f"not {endpoint[:200]!r}",
            field="endpoint_url",
        )
    host = normalise_host(url.host)
    port = url.port or (443 if url.scheme == "https" else 80)
    names = {host, f"{host}:{port}", f"[{host}]:{port}"}
    if names & {normalise_host(entry) for entry in allowlist}:
        return
    try:
        check_destination(url, rules=Allowlist.parse([]), resolver=resolver)
    except BlockedUrl as exc:
        raise BlockedUrl(
            f"endpoint_url: {exc.message.split('; ')[0]}; cloud storages may only reach public "
            "endpoints unless an administrator adds host:port to "
            "VISUALNER_STORAGE_ENDPOINT_ALLOWLIST",
            field="endpoint_url",
        ) from exc
    except InvalidInput as exc:
        raise InvalidInput(f"endpoint_url: {exc.message}", field="endpoint_url") from exc


def open_store(access: BucketAccess) -> S3Store:
    """An obstore client of the storage's bucket below its prefix."""
    endpoint = access.endpoint
    config: S3Config = {
        "endpoint": endpoint,
        "region": access.region or "us-east-1",
        "virtual_hosted_style_request": False,
    }
    options: dict[str, Any] = {}
    credentials = access.credentials
    if credentials.get("access_key_id"):
        static: S3Credential = {
            "access_key_id": str(credentials["access_key_id"]),
            "secret_access_key": str(credentials.get("secret_access_key", "")),
            "token": credentials.get("session_token") or None,
            "expires_at": None,
        }
        options["credential_provider"] = lambda: static
    else:
        config["skip_signature"] = True
    return S3Store(
        access.bucket,
        prefix=access.prefix or None,
        config=config,
        client_options={"allow_http": endpoint.startswith("http://"), "timeout": "120s"},
        retry_config={"max_retries": 2, "retry_timeout": timedelta(seconds=30)},
        **options,
    )


def matches(key: str, glob: str) -> bool:
    """Whether a key (relative to the prefix) is one a storage's ``glob`` selects (``*``
    also crosses ``/``; no glob selects every key)."""
    return not glob or fnmatch.fnmatchcase(key, glob)


def list_objects(store: S3Store) -> list[RemoteObject]:
    """The bucket's objects below the prefix (folder markers left out), by key."""
    found: list[RemoteObject] = []
    for batch in obstore.list(store, chunk_size=1000):
        for meta in batch:
            key = meta["path"]
            if key.endswith("/"):
                continue
            found.append(RemoteObject(key, (meta.get("e_tag") or "").strip('"'), meta["size"]))
    return sorted(found, key=lambda o: o.key)


def download(store: S3Store, key: str, destination: Path) -> str:
    """Write the object to ``destination`` in chunks; the ETag of what was read."""
    result = obstore.get(store, key)
    with destination.open("wb") as out:
        for chunk in result.stream(min_chunk_size=DOWNLOAD_CHUNK):
            out.write(chunk)
    return (result.meta.get("e_tag") or "").strip('"')


def upload(store: S3Store, key: str, source: Path, *, content_type: str) -> None:
    """Store a file under ``key`` (multipart when large), replacing what was there."""
    obstore.put(store, key, source, attributes={"Content-Type": content_type})


def bucket_error(exc: Exception) -> str:
    """A one-line reason from an obstore error (its messages run over many lines)."""
    text = " ".join(str(exc).split())
    return text[:500]
