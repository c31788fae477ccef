"""URL imports reach public hosts only, at every hop, under a size cap and a deadline.

Blocked addresses are refused before any connection is attempted, so these tests send no
traffic anywhere; the allowed cases talk to a tiny HTTP server on 127.0.0.1 that the test
allow-lists by name, with a fake resolver mapping test host names to it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from visualner.documents.ssrf import blocked_reason
from visualner.documents.url_fetch import (
    FetchedFile,
    fetch_url,
    sanitise_filename,
)
from visualner.errors import BlockedUrl, InvalidInput, TooLarge

BODY = b"%PDF-1.7 pretend document" * 10


class Handler(BaseHTTPRequestHandler):
    """Routes for the tests; ``server.port`` lets redirects name the server's own IP."""

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def send_body(self, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf; charset=binary")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        port = self.headers["Host"].rsplit(":", 1)[1]
        if self.path == "/docs/scan%201.pdf":
            self.send_body(BODY)
        elif self.path == "/download?id=7":
            self.send_body(BODY, {"Content-Disposition": 'attachment; filename="../../etc/x.pdf"'})
        elif self.path == "/echo-host":
            self.send_body(self.headers["Host"].encode())
        elif self.path == "/to-loopback-ip":
            self.redirect(f"http://127.0.0.1:{port}/docs/scan%201.pdf")
        elif self.path == "/to-metadata":
            self.redirect("http://169.254.169.254/latest/meta-data/")
        elif self.path == "/relative":
            self.redirect("/docs/scan%201.pdf")
        elif self.path == "/loop":
            self.redirect("/loop")
        elif self.path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
        elif self.path == "/big-undeclared":
            self.send_response(200)
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"x" * 4096)
        elif self.path == "/slow":
            self.send_response(200)
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x" * 100)
                self.wfile.flush()
                time.sleep(0.1)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


class FakeDns:
    """Maps test host names to addresses and counts lookups; IP literals pass through."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        if host in self.table:
            answers = self.table[host]
            return [answers[min(len(self.lookups) - 1, len(answers) - 1)]]
        # Otherwise only IP literals (any spelling, like 2130706433): never real DNS in tests.
        infos = socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
        return [str(info[4][0]) for info in infos]


def fetch(url: str, dest: Path, **options: object) -> FetchedFile:
    settings: dict[str, object] = {
        "dest_dir": dest,
        "max_bytes": 1024 * 1024,
        "timeout_s": 5.0,
        "allowlist": ["files.test"],
        "resolver": FakeDns({"files.test": ["127.0.0.1"]}),
        **options,
    }
    return fetch_url(url, **settings)  # type: ignore[arg-type]


def base(server: ThreadingHTTPServer) -> str:
    return f"http://files.test:{server.server_address[1]}"


def test_downloads_an_allowed_host_to_a_temp_file(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    fetched = fetch(f"{base(server)}/docs/scan%201.pdf", tmp_path)
    assert fetched.path.parent == tmp_path and fetched.path.read_bytes() == BODY
    assert (fetched.filename, fetched.size, fetched.content_type) == (
        "scan 1.pdf",
        len(BODY),
        "application/pdf",
    )


def test_sends_the_original_host_header_to_the_pinned_address(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    fetched = fetch(f"{base(server)}/echo-host", tmp_path)
    assert fetched.path.read_bytes() == f"files.test:{server.server_address[1]}".encode()


def test_takes_a_sanitised_name_from_content_disposition(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    assert fetch(f"{base(server)}/download?id=7", tmp_path).filename == "x.pdf"


def test_follows_a_relative_redirect(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    assert fetch(f"{base(server)}/relative", tmp_path).path.read_bytes() == BODY


def test_refuses_a_redirect_to_a_loopback_ip(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(BlockedUrl, match=r"127\.0\.0\.1 is a loopback address"):
        fetch(f"{base(server)}/to-loopback-ip", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_redirect_to_the_metadata_address(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    with pytest.raises(
        BlockedUrl, match=re.escape("169.254.169.254 is the cloud metadata address")
    ):
        fetch(f"{base(server)}/to-metadata", tmp_path)


def test_gives_up_after_five_redirects(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=re.escape("redirects more than 5 times")):
        fetch(f"{base(server)}/loop", tmp_path)


def test_reports_an_error_status(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=re.escape("answered 404 Not Found")):
        fetch(f"{base(server)}/missing", tmp_path)


def test_refuses_a_declared_size_above_the_cap_before_reading(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    with pytest.raises(TooLarge, match=r"is 50\.0 MiB, above the 1\.0 MiB cap"):
        fetch(f"{base(server)}/big-declared", tmp_path)


def test_counts_bytes_when_no_size_is_declared(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(TooLarge, match=re.escape("larger than the")):
        fetch(f"{base(server)}/big-undeclared", tmp_path, max_bytes=100_000)
    assert list(tmp_path.iterdir()) == []


def test_stops_a_download_that_outlasts_the_timeout(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    with pytest.raises(InvalidInput, match=re.escape("took too long")):
        fetch(f"{base(server)}/slow", tmp_path, timeout_s=0.5)
    assert time.monotonic() - started < 1.5
    assert list(tmp_path.iterdir()) == []


def test_connects_to_the_address_it_checked_not_a_second_dns_answer(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    dns = FakeDns({"rebind.test": ["127.0.0.1", "10.0.0.1"]})
    url = f"http://rebind.test:{server.server_address[1]}/docs/scan%201.pdf"
    fetched = fetch(url, tmp_path, allowlist=["127.0.0.0/8"], resolver=dns)
    assert fetched.path.read_bytes() == BODY
    assert dns.lookups == ["rebind.test"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "a loopback address"),
        ("http://2130706433/", "a loopback address"),  # 127.0.0.1 as one number
        ("http://[::1]/", "a loopback address"),
        ("http://10.1.2.3/", "a private-network address"),
        ("http://172.16.0.1/", "a private-network address"),
        ("http://192.168.1.1/", "a private-network address"),
        ("http://[fc00::1]/", "a private-network address"),
        ("http://169.254.169.254/latest/meta-data/", "the cloud metadata address"),
        ("http://169.254.10.1/", "a link-local address"),
        ("http://[fe80::1]/", "a link-local address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://0.0.0.0/", "the unspecified address"),
        ("http://[::]/", "the unspecified address"),
        ("http://100.64.0.1/", "a carrier-grade NAT"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address (this server itself) (127.0.0.1"),
        ("http://[::ffff:a9fe:a9fe]/", "the cloud metadata address"),
        ("http://[64:ff9b::a00:1]/", "a private-network address"),
        ("http://intranet.test/", "a private-network address"),
    ],
)
def test_refuses_each_non_public_address_class(tmp_path: Path, url: str, reason: str) -> None:
    dns = FakeDns({"intranet.test": ["10.0.0.7"]})
    with pytest.raises(BlockedUrl) as caught:
        fetch_url(url, dest_dir=tmp_path, max_bytes=1000, timeout_s=1, resolver=dns)
    assert reason in caught.value.message


def test_refuses_a_host_if_any_of_its_addresses_is_private(tmp_path: Path) -> None:
    def both(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.1"]

    with pytest.raises(
        BlockedUrl, match=re.escape("mixed.test resolves to 10.0.0.1, a private-network address")
    ):
        fetch_url("https://mixed.test/", dest_dir=tmp_path, max_bytes=1, timeout_s=1, resolver=both)


@pytest.mark.parametrize(
    "url", ["ftp://files.test/a.pdf", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)"]
)
def test_refuses_non_http_schemes(tmp_path: Path, url: str) -> None:
    with pytest.raises(
        BlockedUrl, match=re.escape("only http:// and https:// URLs can be imported")
    ):
        fetch_url(url, dest_dir=tmp_path, max_bytes=1, timeout_s=1)


def test_refuses_credentials_in_the_url(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=re.escape("user name or password")):
        fetch_url("http://me:pw@files.test/", dest_dir=tmp_path, max_bytes=1, timeout_s=1)


def test_public_addresses_are_not_blocked() -> None:
    assert blocked_reason(ipaddress.ip_address("93.184.216.34")) is None
    assert blocked_reason(ipaddress.ip_address("2606:4700::1111")) is None


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\scan.pdf", "scan.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("in\x00voice<1>.pdf", "invoice_1_.pdf"),
        ("", "download"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_sanitises_file_names(raw: str, safe: str) -> None:
    assert sanitise_filename(raw) == safe
