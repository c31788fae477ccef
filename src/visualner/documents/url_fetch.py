"""Import-from-URL without becoming a proxy into our own network (SSRF), over pooled connections.

An import downloads one document per task, often thousands from one storage host, so it keeps
one :class:`UrlFetcher` (one ``httpx`` client: keep-alive connections, HTTP/2 where the server
offers it through TLS ALPN, at most ``max_connections`` at once). Building a client per URL
cost most of an import's CPU time (docs/importing-json.md). Pooling keeps the guard as strict:

1. before every request, each redirect hop included, the URL is parsed and its host resolved
   and checked by ``documents/ssrf.py`` (public addresses only, unless allow-listed); a host
   whose DNS answer turned private since the last download is refused, even when a pooled
   connection to it is open;
2. new connections are opened by :class:`PinnedBackend` only to the addresses that check
   returned for the request being sent on this thread (never a second DNS answer: no
   rebinding window between check and connect). The URL keeps its host name, so TLS
   certificates are verified against the name and the pool keys connections by it;
3. redirects are not followed by httpx but re-enter step 1, at most ``max_redirects`` times;
4. the body streams to a temp file under a byte cap (``Content-Length`` first, then a
   running count) and an overall deadline, so a slow or endless body cannot hold a worker.
"""

from __future__ import annotations

import email.message
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpcore
import httpx

from visualner.documents.ssrf import (
    Allowlist,
    Destination,
    Resolver,
    check_destination,
    parse_url,
    shown,
    system_resolver,
)
from visualner.errors import InvalidInput, TooLarge

logger = logging.getLogger(__name__)

DEFAULT_MAX_REDIRECTS = 5
#: connections one fetcher keeps open at most (its callers' download threads share them)
DEFAULT_MAX_CONNECTIONS = 8
#: an idle pooled connection is closed after this long
KEEPALIVE_S = 5.0
USER_AGENT = b"visualner-url-import"
MAX_FILENAME_CHARS = 120
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_UNSAFE_FILENAME_CHARS = re.compile(r"[^\w.\- ()+,]")


@dataclass(frozen=True, slots=True)
class FetchedFile:
    """A downloaded file: ``path`` is a temp file in ``dest_dir`` that the caller now owns."""

    path: Path
    filename: str
    size: int
    content_type: str | None


class PinnedBackend(httpcore.NetworkBackend):
    """Opens a TCP connection only to an address checked for the request this thread is
    sending (see :meth:`UrlFetcher.fetch`); anything else is refused without a packet."""

    def __init__(self) -> None:
        self._system = httpcore.SyncBackend()
        self._pins = threading.local()

    @contextmanager
    def pinned(self, destination: Destination) -> Iterator[None]:
        self._pins.current = destination
        try:
            yield
        finally:
            self._pins.current = None

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        pin: Destination | None = getattr(self._pins, "current", None)
        if pin is None or (pin.host, pin.port) != (host, port):
            raise httpcore.ConnectError(f"{host}:{port} was not checked for this request")
        last_error: Exception | None = None
        for address in pin.addresses:
            try:
                return self._system.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                logger.info("url import: %s at %s failed: %s", host, address, exc)
                last_error = exc
        raise httpcore.ConnectError(f"could not connect to {host} ({last_error})")

    def sleep(self, seconds: float) -> None:
        self._system.sleep(seconds)


def _http2_available() -> bool:
    try:
        import h2  # noqa: F401  (optional: httpcore speaks HTTP/2 only with it)
    except ImportError:
        return False
    return True


class UrlFetcher:
    """Downloads for one import (thread-safe; close it, or use it as a context manager)."""

    def __init__(
        self,
        *,
        max_bytes: int,
        timeout_s: float,
        allowlist: Sequence[str] = (),
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        resolver: Resolver = system_resolver,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.max_redirects = max_redirects
        self._rules = Allowlist.parse(allowlist)
        self._resolver = resolver
        self._backend = PinnedBackend()
        # httpcore's pool straight away: httpx's client layer (cookies, auth, redirect and
        # event hooks we do not use) doubled the CPU of a download
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_S,
            http1=True,
            http2=_http2_available(),
            network_backend=self._backend,
        )
        self._timeouts = {
            "connect": timeout_s,
            "read": timeout_s,
            "write": timeout_s,
            "pool": timeout_s,
        }

    def __enter__(self) -> UrlFetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.close()

    def fetch(self, url: str, *, dest_dir: Path) -> FetchedFile:
        """Download ``url`` into a temp file in ``dest_dir`` with the protections above.

        The timeout bounds the whole download, not only each read. Raises ``BlockedUrl`` for a
        refused scheme or address (at any hop), ``TooLarge`` past the byte cap, and
        ``InvalidInput`` for unreachable hosts, error statuses, redirect loops and timeouts.
        """
        deadline = time.monotonic() + self.timeout_s
        current = parse_url(url)
        for _ in range(self.max_redirects + 1):
            response = self._send(current)
            try:
                headers = _Headers(response.headers)
                location = headers.get("location")
                if response.status in _REDIRECT_STATUSES and location is not None:
                    logger.info("url import: %s redirects to %s", current, location)
                    current = parse_url(str(current.join(location)))
                    continue
                if not 200 <= response.status < 300:
                    reason = response.extensions.get("reason_phrase", b"").decode("latin-1")
                    raise InvalidInput(
                        f"{shown(current)} answered {response.status} {reason}".rstrip()
                    )
                return _save_body(
                    response,
                    headers,
                    current,
                    dest_dir=dest_dir,
                    max_bytes=self.max_bytes,
                    deadline=deadline,
                )
            finally:
                response.close()
        raise InvalidInput(
            f"{shown(httpx.URL(url))} redirects more than {self.max_redirects} times "
            f"(last to {shown(current)})"
        )

    def _send(self, url: httpx.URL) -> httpcore.Response:
        """GET ``url`` (headers only), checked now and connected only to checked addresses."""
        destination = check_destination(url, rules=self._rules, resolver=self._resolver)
        request = httpcore.Request(
            "GET",
            httpcore.URL(
                scheme=url.raw_scheme,
                host=url.raw_host,
                port=url.port,
                target=url.raw_path,
            ),
            headers=[
                (b"Host", url.netloc),
                (b"User-Agent", USER_AGENT),
                (b"Accept-Encoding", b"identity"),  # no gzip: the byte cap counts what we store
            ],
            extensions={"timeout": self._timeouts},
        )
        try:
            with self._backend.pinned(destination):
                return self._pool.handle_request(request)
        except httpcore.ConnectError as exc:
            raise InvalidInput(f"{shown(url)}: {exc}") from exc
        except httpcore.TimeoutException as exc:
            raise InvalidInput(f"{shown(url)} did not answer in time") from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise InvalidInput(f"{shown(url)} could not be fetched ({exc})") from exc


class _Headers:
    """Response headers by lower-case name (the first value of each)."""

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._values: dict[str, str] = {}
        for name, value in raw:
            self._values.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))

    def get(self, name: str) -> str | None:
        return self._values.get(name)


def fetch_url(
    url: str,
    *,
    dest_dir: Path,
    max_bytes: int,
    timeout_s: float,
    allowlist: Sequence[str] = (),
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    resolver: Resolver = system_resolver,
) -> FetchedFile:
    """One download with a fetcher of its own (see :meth:`UrlFetcher.fetch`)."""
    with UrlFetcher(
        max_bytes=max_bytes,
        timeout_s=timeout_s,
        allowlist=allowlist,
        max_redirects=max_redirects,
        resolver=resolver,
        max_connections=1,
    ) as fetcher:
        return fetcher.fetch(url, dest_dir=dest_dir)


def _save_body(
    response: httpcore.Response,
    headers: _Headers,
    url: httpx.URL,
    *,
    dest_dir: Path,
    max_bytes: int,
    deadline: float,
) -> FetchedFile:
    declared = headers.get("content-length") or ""
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(
            f"{shown(url)} is {_size(int(declared))}, above the {_size(max_bytes)} cap "
            "for URL imports"
        )
    descriptor, temp_name = tempfile.mkstemp(dir=dest_dir, prefix="url-import-", suffix=".part")
    path = Path(temp_name)
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            # reads come as the socket gives them (at most 64 KiB), so a trickling body
            # meets the deadline check
            for chunk in response.iter_stream():
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"{shown(url)} is larger than the {_size(max_bytes)} cap for URL imports"
                    )
                if time.monotonic() > deadline:
                    raise InvalidInput(f"{shown(url)} took too long to download")
                out.write(chunk)
    except httpcore.TimeoutException as exc:
        path.unlink(missing_ok=True)
        raise InvalidInput(f"{shown(url)} took too long to download") from exc
    except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
        path.unlink(missing_ok=True)
        raise InvalidInput(f"{shown(url)}: the download broke off ({exc})") from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    content_type = headers.get("content-type")
    return FetchedFile(
        path=path,
        filename=download_filename(url, headers.get("content-disposition")),
        size=size,
        content_type=content_type.split(";", 1)[0].strip().lower() if content_type else None,
    )


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):,.1f} MiB"


def download_filename(url: httpx.URL, content_disposition: str | None) -> str:
    """A safe file name from ``Content-Disposition`` or else the URL's last path segment.

    Only a base name survives: directories, control characters and shell-unfriendly
    punctuation are removed, a leading dot (hidden file) is dropped and the name is capped
    at :data:`MAX_FILENAME_CHARS` with its extension kept. Falls back to ``download``.
    """
    candidate = ""
    if content_disposition:
        message = email.message.Message()
        message["content-disposition"] = content_disposition
        candidate = message.get_filename() or ""
    if not candidate:
        candidate = unquote(url.path.rsplit("/", 1)[-1])
    return sanitise_filename(candidate)


def sanitise_filename(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_FILENAME_CHARS.sub("_", name).strip(" .")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name or "download"
