"""One pooled fetcher per import: connections are reused, and the SSRF guard stays as strict
for every request as for a fresh client (redirects and DNS answers that change included)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path

import httpcore
import pytest

from visualner.documents.ssrf import Destination
from visualner.documents.url_fetch import PinnedBackend, UrlFetcher
from visualner.errors import BlockedUrl

BODY = b"\x89PNG\r\n\x1a\n pretend page" * 20


class KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, counting connections and requests per path on the server."""

    protocol_version = "HTTP/1.1"
    connections: Counter[str]
    requests: Counter[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.connections["opened"] += 1

    def do_GET(self) -> None:
        self.requests[self.path] += 1
        port = self.server.server_address[1]
        if self.path == "/to-loopback-ip":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{port}/page.png")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


@pytest.fixture
def server() -> Iterator[tuple[int, Counter[str], Counter[str]]]:
    """A keep-alive server on 127.0.0.1: (port, connections, requests by path)."""
    connections: Counter[str] = Counter()
    requests: Counter[str] = Counter()
    handler = type(
        "Handler", (KeepAliveHandler,), {"connections": connections, "requests": requests}
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], connections, requests
    httpd.shutdown()
    httpd.server_close()


class ChangingDns:
    """Gives each test host's answers in turn (the last one repeats) and counts lookups."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.lookups: Counter[str] = Counter()

    def __call__(self, host: str, port: int) -> Sequence[str]:
        if host not in self.table:
            return [str(ip_address(host))]  # IP literals only: never real DNS in tests
        answers = self.table[host]
        self.lookups[host] += 1
        return [answers[min(self.lookups[host] - 1, len(answers) - 1)]]


def test_downloads_from_one_host_share_one_connection(
    server: tuple[int, Counter[str], Counter[str]], tmp_path: Path
) -> None:
    port, connections, requests = server
    dns = ChangingDns({"files.test": ["127.0.0.1"]})
    with UrlFetcher(
        max_bytes=10_000, timeout_s=5, allowlist=["files.test"], resolver=dns
    ) as fetcher:
        for number in range(5):
            fetched = fetcher.fetch(f"http://files.test:{port}/{number}.png", dest_dir=tmp_path)
            assert fetched.path.read_bytes() == BODY
    assert connections["opened"] == 1
    assert sum(requests.values()) == 5
    assert dns.lookups["files.test"] == 5  # checked again for every download


def test_a_pooled_fetcher_refuses_a_redirect_to_loopback(
    server: tuple[int, Counter[str], Counter[str]], tmp_path: Path
) -> None:
    port, _, requests = server
    dns = ChangingDns({"files.test": ["127.0.0.1"]})
    with UrlFetcher(
        max_bytes=10_000, timeout_s=5, allowlist=["files.test"], resolver=dns
    ) as fetcher:
        fetcher.fetch(f"http://files.test:{port}/first.png", dest_dir=tmp_path)
        with pytest.raises(BlockedUrl, match=r"127\.0\.0\.1 is a loopback address"):
            fetcher.fetch(f"http://files.test:{port}/to-loopback-ip", dest_dir=tmp_path)
    assert requests == {"/first.png": 1, "/to-loopback-ip": 1}  # the redirect's target: never


def test_a_dns_answer_that_turns_private_between_two_downloads_is_refused(
    server: tuple[int, Counter[str], Counter[str]], tmp_path: Path
) -> None:
    port, connections, requests = server
    dns = ChangingDns({"rebind.test": ["127.0.0.1", "10.0.0.1"]})
    with UrlFetcher(
        max_bytes=10_000, timeout_s=5, allowlist=["127.0.0.1/32"], resolver=dns
    ) as fetcher:
        assert fetcher.fetch(f"http://rebind.test:{port}/a.png", dest_dir=tmp_path).size
        message = re.escape("rebind.test resolves to 10.0.0.1, a private-network address")
        with pytest.raises(BlockedUrl, match=message):  # though a connection is open to it
            fetcher.fetch(f"http://rebind.test:{port}/b.png", dest_dir=tmp_path)
    assert requests == {"/a.png": 1}
    assert connections["opened"] == 1


def test_the_backend_connects_only_to_addresses_checked_for_this_thread(
    server: tuple[int, Counter[str], Counter[str]],
) -> None:
    port, connections, _ = server
    backend = PinnedBackend()
    with pytest.raises(httpcore.ConnectError, match="was not checked"):
        backend.connect_tcp("127.0.0.1", port)
    checked = Destination("files.test", port, (ip_address("127.0.0.1"),))
    with backend.pinned(checked), pytest.raises(httpcore.ConnectError, match="not checked"):
        backend.connect_tcp("other.test", port)  # pinned for another host
    assert connections["opened"] == 0
    with backend.pinned(checked):
        stream = backend.connect_tcp("files.test", port)
    stream.write(b"GET /p.png HTTP/1.1\r\nHost: files.test\r\n\r\n")
    assert stream.read(100).startswith(b"HTTP/1.1 200")
    stream.close()
