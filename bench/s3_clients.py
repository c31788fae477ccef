"""Which S3 client library the blob store uses, by measurement (docs/storage.md quotes it).

Starts SeaweedFS on loopback (tests/s3_server.py) and runs each installed client in its own
process: import time and memory, small-object put/get (page-image sized), a large streamed
get and a large multipart upload from a stream (time, CPU and peak memory). Clients that are
not installed are skipped; install them beside the project to compare
(``.venv/bin/pip install boto3 minio``). Requests are signed (the test server checks).

    .venv/bin/python bench/s3_clients.py [--objects 300] [--size-kb 100] [--large-mb 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.s3_server import (
    ACCESS_KEY_ID,
    BUCKET,
    SECRET_ACCESS_KEY,
    running_s3_server,
)

CLIENTS = {"obstore": "obstore", "boto3": "boto3", "minio": "minio"}
CHUNK = 1 << 20


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Timer:
    def __enter__(self) -> _Timer:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _stream(total: int) -> Iterator[bytes]:
    block = os.urandom(CHUNK)
    sent = 0
    while sent < total:
        yield block[: min(CHUNK, total - sent)]
        sent += CHUNK


class _StreamFile:
    """A read()-able stream of ``total`` bytes that is never whole in memory."""

    def __init__(self, total: int) -> None:
        self._blocks = _stream(total)
        self._rest = b""

    def read(self, size: int = -1) -> bytes:
        out = self._rest
        while size < 0 or len(out) < size:
            block = next(self._blocks, b"")
            if not block:
                break
            out += block
        if size >= 0:
            out, self._rest = out[:size], out[size:]
        else:
            self._rest = b""
        return out


def _client_ops(name: str, endpoint: str, bucket: str) -> dict[str, Callable[..., Any]]:
    if name == "obstore":
        import obstore
        from obstore.store import S3Store

        store = S3Store(
            bucket,
            endpoint=endpoint,
            region="us-east-1",
            access_key_id=ACCESS_KEY_ID,
            secret_access_key=SECRET_ACCESS_KEY,
            client_options={"allow_http": True},
        )
        return {
            "put": lambda key, data: obstore.put(store, key, data),
            "get": lambda key: obstore.get(store, key).bytes(),
            "stream": lambda key: sum(
                len(c) for c in obstore.get(store, key).stream(min_chunk_size=CHUNK)
            ),
            "multipart": lambda key, total: obstore.put(
                store, key, _stream(total), chunk_size=8 * CHUNK, max_concurrency=4
            ),
        }
    if name == "boto3":
        import boto3
        from botocore.config import Config

        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(signature_version="s3v4"),
        )
        from boto3.s3.transfer import TransferConfig

        transfer = TransferConfig(multipart_chunksize=8 * CHUNK, max_concurrency=4)
        return {
            "put": lambda key, data: s3.put_object(Bucket=bucket, Key=key, Body=data),
            "get": lambda key: s3.get_object(Bucket=bucket, Key=key)["Body"].read(),
            "stream": lambda key: sum(
                len(c) for c in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(CHUNK)
            ),
            "multipart": lambda key, total: s3.upload_fileobj(
                _StreamFile(total), bucket, key, Config=transfer
            ),
        }
    if name == "minio":
        from minio import Minio

        client = Minio(
            endpoint.removeprefix("http://"),
            access_key=ACCESS_KEY_ID,
            secret_key=SECRET_ACCESS_KEY,
            secure=False,
            region="us-east-1",
        )

        def minio_get(key: str) -> bytes:
            response = client.get_object(bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        def minio_stream(key: str) -> int:
            response = client.get_object(bucket, key)
            try:
                return sum(len(c) for c in response.stream(CHUNK))
            finally:
                response.close()
                response.release_conn()

        import io

        return {
            "put": lambda key, data: client.put_object(bucket, key, io.BytesIO(data), len(data)),
            "get": minio_get,
            "stream": minio_stream,
            "multipart": lambda key, total: client.put_object(
                bucket, key, _StreamFile(total), -1, part_size=8 * CHUNK
            ),
        }
    raise SystemExit(f"unknown client {name}")


def run_one(
    name: str, endpoint: str, bucket: str, objects: int, size_kb: int, large_mb: int
) -> None:
    """Runs in a fresh process; prints one JSON line."""
    base_rss = _rss_mb()
    with _Timer() as imported:
        ops = _client_ops(name, endpoint, bucket)
    import_rss = _rss_mb()
    before_large = _rss_mb()
    total = large_mb * CHUNK
    with _Timer() as multipart:
        ops["multipart"](f"{name}/large", total)
    after_multipart = _rss_mb()
    with _Timer() as stream:
        received = ops["stream"](f"{name}/large")
    assert received == total, (received, total)
    payloads = [os.urandom(size_kb * 1024) for _ in range(objects)]
    ops["put"](f"{name}/warm", payloads[0])
    ops["get"](f"{name}/warm")
    with _Timer() as put:
        for number, data in enumerate(payloads):
            ops["put"](f"{name}/small/{number}", data)
    with _Timer() as get:
        for number in range(objects):
            ops["get"](f"{name}/small/{number}")
    del payloads
    print(
        json.dumps(
            {
                "client": name,
                "import_s": imported.wall,
                "import_mb": import_rss - base_rss,
                "put_ms": put.wall / objects * 1000,
                "put_cpu_ms": put.cpu / objects * 1000,
                "get_ms": get.wall / objects * 1000,
                "get_cpu_ms": get.cpu / objects * 1000,
                "multipart_mb_s": large_mb / multipart.wall,
                "multipart_cpu_s": multipart.cpu,
                "multipart_peak_mb": after_multipart - before_large,
                "stream_mb_s": large_mb / stream.wall,
                "stream_cpu_s": stream.cpu,
                "peak_rss_mb": _rss_mb(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--size-kb", type=int, default=100)
    parser.add_argument("--large-mb", type=int, default=200)
    parser.add_argument("--child", nargs=3, metavar=("CLIENT", "ENDPOINT", "BUCKET"))
    args = parser.parse_args()
    if args.child:
        run_one(*args.child, args.objects, args.size_kb, args.large_mb)
        return
    installed = [n for n, module in CLIENTS.items() if importlib.util.find_spec(module)]
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    with tempfile.TemporaryDirectory() as folder, running_s3_server(Path(folder)) as server:
        rows = []
        for name in installed:
            child = subprocess.run(
                [sys.executable, __file__, "--objects", str(args.objects), "--size-kb",
                 str(args.size_kb), "--large-mb", str(args.large_mb),
                 "--child", name, server.endpoint_url, BUCKET],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
    print(
        f"{'client':8} {'import':>8} {'+MB':>5} | {args.size_kb} KB put ms (cpu) | get ms (cpu) | "
        f"{args.large_mb} MB multipart MB/s cpu s +MB | stream MB/s cpu s | peak MB"
    )
    for row in rows:
        print(
            f"{row['client']:8} {row['import_s'] * 1000:6.0f}ms {row['import_mb']:5.0f} | "
            f"{row['put_ms']:6.2f} ({row['put_cpu_ms']:5.2f})       | "
            f"{row['get_ms']:5.2f} ({row['get_cpu_ms']:4.2f}) | "
            f"{row['multipart_mb_s']:6.0f} {row['multipart_cpu_s']:5.2f} "
            f"{row['multipart_peak_mb']:4.0f} | {row['stream_mb_s']:6.0f} "
            f"{row['stream_cpu_s']:5.2f} | {row['peak_rss_mb']:5.0f}"
        )
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")


if __name__ == "__main__":
    main()
