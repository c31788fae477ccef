"""The blob store's contract, run on both backends: a local directory and S3 (SeaweedFS)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import obstore
import pytest
from PIL import Image

from tests.conftest import make_settings, s3_settings
from tests.s3_server import S3Server
from visualner.documents.blobstore import BlobStore, LocalBlobStore
from visualner.documents.s3_blobstore import SINGLE_PUT_BYTES, S3BlobStore, parse_storage_url
from visualner.documents.stores import open_blob_store
from visualner.errors import InvalidInput, NotFound


@pytest.fixture
def store(tmp_path: Path, storage_overrides: dict[str, object]) -> BlobStore:
    settings = make_settings(tmp_path / "data", "sqlite://", **storage_overrides)
    return open_blob_store(settings)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


class _CountingStream(io.RawIOBase):
    """``total`` pseudo-random bytes made on demand, never all in memory at once."""

    def __init__(self, total: int, seed: bytes = b"s") -> None:
        self.total = total
        self.sent = 0
        self.block = hashlib.sha256(seed).digest() * (1 << 15)  # 1 MiB
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.total - self.sent, len(self.block))
        buffer[:count] = self.block[:count]
        self.digest.update(self.block[:count])
        self.sent += count
        return count


def test_blobs_are_named_by_their_sha256_and_stored_once(store: BlobStore) -> None:
    first = store.put_bytes(b"page image")
    second = store.put_stream(io.BytesIO(b"page image"))
    assert first == second == hashlib.sha256(b"page image").hexdigest()
    assert store.read_bytes(first) == b"page image"
    assert store.exists(first)
    assert store.size(first) == len(b"page image")
    assert b"".join(store.iter_chunks(first)) == b"page image"


def test_a_local_store_keeps_one_file_per_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs", tmp_path / "uploads")
    store.put_bytes(b"page image")
    store.put_file(_write(tmp_path / "copy", b"page image"))
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert [f.name for f in files] == [hashlib.sha256(b"page image").hexdigest()]


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", ["../../etc/passwd", "abc", "A" * 64, "/" + "a" * 63])
def test_blob_names_that_are_not_a_sha256_are_refused(store: BlobStore, name: str) -> None:
    for use in (store.open, store.exists, store.size, store.location):
        with pytest.raises(InvalidInput):
            use(name)


def test_a_missing_blob_is_not_found(store: BlobStore) -> None:
    missing = "0" * 64
    assert not store.exists(missing)
    for use in (store.read_bytes, store.size, lambda s: list(store.iter_chunks(s))):
        with pytest.raises(NotFound):
            use(missing)


def test_an_opened_blob_reads_and_seeks_like_a_file(store: BlobStore) -> None:
    png = _png()
    sha256 = store.put_bytes(png)
    with store.open(sha256) as handle:
        assert handle.read(8) == png[:8]
        handle.seek(0)
        with Image.open(handle) as image:
            assert image.size == (30, 20)
    target = Path(os.devnull)
    store.copy_to(sha256, target)


def test_a_long_stream_is_stored_whole_under_its_sha256(store: BlobStore) -> None:
    stream = _CountingStream(SINGLE_PUT_BYTES * 2 + 12345)
    sha256 = store.put_stream(io.BufferedReader(stream))
    assert sha256 == stream.digest.hexdigest()
    assert store.size(sha256) == stream.total
    got = hashlib.sha256()
    for chunk in store.iter_chunks(sha256):
        got.update(chunk)
    assert got.hexdigest() == sha256


def test_a_stream_that_fails_midway_leaves_no_blob(store: BlobStore) -> None:
    class Broken(_CountingStream):
        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            if self.sent > SINGLE_PUT_BYTES:
                raise OSError("connection lost")
            return super().readinto(buffer)

    stream = Broken(SINGLE_PUT_BYTES * 3)
    with pytest.raises(OSError, match="connection lost"):
        store.put_stream(io.BufferedReader(stream))
    whole = _CountingStream(SINGLE_PUT_BYTES * 3)
    for _ in iter(lambda: whole.read(1 << 20), b""):
        pass
    assert not store.exists(whole.digest.hexdigest())
    if isinstance(store, S3BlobStore):  # no temp object left behind either
        assert list(obstore.list(store.store, "tmp/")) == []


def test_staged_files_published_by_one_process_are_read_by_another(
    tmp_path: Path, storage_overrides: dict[str, object]
) -> None:
    app_side = open_blob_store(make_settings(tmp_path / "a", "sqlite://", **storage_overrides))
    folder = app_side.new_staging_folder()
    (folder / "00000").write_bytes(b"first file")
    (folder / "archive-00000").mkdir()
    (folder / "archive-00000" / "member.png").write_bytes(b"member")
    app_side.publish_staging(folder, keep_local=False)
    if isinstance(app_side, S3BlobStore):
        overrides = {**storage_overrides, "temp_dir": tmp_path / "other-machine"}
        worker_side = open_blob_store(make_settings(tmp_path / "b", "sqlite://", **overrides))
    else:
        worker_side = app_side
    local = worker_side.staging_folder(folder.name)
    assert (local / "00000").read_bytes() == b"first file"
    assert (local / "archive-00000" / "member.png").read_bytes() == b"member"
    (local / "archive-00000" / "second.png").write_bytes(b"added by planning")
    worker_side.publish_staging(local, keep_local=True)
    assert (local / "00000").exists()
    worker_side.discard_staging(folder.name)
    assert not local.exists()
    if isinstance(worker_side, S3BlobStore):
        assert list(obstore.list(worker_side.store, "staging/")) == []


def test_a_staging_token_that_is_not_ours_is_refused(store: BlobStore) -> None:
    for token in ("../etc", "x" * 24, ""):
        with pytest.raises(InvalidInput):
            store.staging_folder(token)


def test_s3_storage_writes_nothing_under_the_data_dir(tmp_path: Path, s3_server: S3Server) -> None:
    overrides = {**s3_settings(s3_server), "temp_dir": tmp_path / "t"}
    settings = make_settings(tmp_path / "data", "sqlite://", **overrides)
    store = open_blob_store(settings)
    store.put_bytes(_png())
    store.put_stream(io.BufferedReader(_CountingStream(SINGLE_PUT_BYTES + 1)))
    assert not (tmp_path / "data").exists()


def test_presigned_urls_read_the_blob_with_a_server_chosen_type_and_expire(
    tmp_path: Path, s3_server: S3Server
) -> None:
    settings = make_settings(tmp_path / "data", "sqlite://", **s3_settings(s3_server))
    store = open_blob_store(settings)
    png = _png()
    sha256 = store.put_bytes(png)
    disguised = store.put_bytes(b"<script>alert(1)</script>")
    url = store.presigned_url(sha256, expires_s=60)
    assert url is not None
    answer = httpx.get(url)
    assert answer.status_code == 200
    assert answer.content == png
    assert answer.headers["content-type"] == "image/png"
    script = httpx.get(store.presigned_url(disguised, expires_s=60) or "")
    assert script.headers["content-type"] == "application/octet-stream"
    assert script.headers["content-disposition"] == "attachment"
    unsigned = url.split("?", 1)[0]
    assert httpx.get(unsigned).status_code == 403  # the bucket is not public
    tampered = url.replace(sha256, disguised)
    assert httpx.get(tampered).status_code == 403


def test_a_local_store_hands_out_no_presigned_urls(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs", tmp_path / "uploads")
    assert store.presigned_url(store.put_bytes(b"x"), expires_s=60) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [("s3://bucket", ("bucket", "")), ("s3://bucket/a/b/", ("bucket", "a/b"))],
)
def test_storage_urls_name_a_bucket_and_a_prefix(url: str, expected: tuple[str, str]) -> None:
    assert parse_storage_url(url) == expected


@pytest.mark.parametrize("url", ["/var/data", "s3://", "s3:///prefix", "gs://bucket"])
def test_storage_urls_that_name_no_s3_bucket_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        parse_storage_url(url)


MEMORY_PROBE = """
import io, resource, sys
from tests.unit.documents.test_blobstore import _CountingStream
from tests.conftest import make_settings, s3_settings
from tests.s3_server import S3Server
from visualner.documents.stores import open_blob_store
settings = make_settings(*sys.argv[1:3], **dict(a.split("=", 1) for a in sys.argv[3:]))
store = open_blob_store(settings)
store.put_bytes(b"warm up")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sha256 = store.put_stream(io.BufferedReader(_CountingStream(96 << 20, seed=b"large")))
assert store.size(sha256) == 96 << 20
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


@pytest.mark.slow
def test_a_long_stream_goes_up_in_bounded_memory(tmp_path: Path, s3_server: S3Server) -> None:
    """Peak memory while storing a 96 MB stream to S3 stays far below its size (multipart
    parts in flight only); measured in a fresh process so no earlier peak hides it."""
    overrides = [f"{k}={v}" for k, v in s3_settings(s3_server).items()]
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "data"), "sqlite://", *overrides],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    grown_mb = float(probe.stdout.strip().splitlines()[-1])
    print(f"peak memory +{grown_mb:.0f} MB")
    assert grown_mb < 64, f"peak memory grew by {grown_mb:.0f} MB for a 96 MB stream"
