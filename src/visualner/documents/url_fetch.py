"""Import-from-URL without becoming a proxy into our own network (SSRF).

A URL import makes *our server* send a request, so a user could point it at
``http://169.254.169.254/`` (cloud credentials), ``http://localhost:6379/`` or an intranet
host. Every hop is therefore handled by hand:

1. only ``http``/``https``, no credentials in the URL;
2. the host is resolved once, and every address it resolves to must be public — not
   loopback, private, link-local (including the metadata address), CGNAT, multicast,
   unspecified or reserved, also when wrapped in IPv6 (IPv4-mapped, 6to4, NAT64, Teredo) —
   unless the host name or a CIDR holding the address is on the caller's allow-list;
3. the connection goes to that checked address (the URL's host is swapped for the IP, with
   the original ``Host`` header and TLS server name kept, so certificates are still verified
   against the name). A second DNS answer never gets a say, which closes the DNS-rebinding
   window between check and connect;
4. redirects are not followed by httpx but re-enter step 1, at most ``max_redirects`` times;
5. the body streams to a temp file under a byte cap (``Content-Length`` first, then a
   running count) and an overall deadline, so a slow or endless body cannot hold a worker.
"""

from __future__ import annotations

import email.message
import ipaddress
import logging
import os
import re
import socket
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx

from visualner.errors import BlockedUrl, InvalidInput, TooLarge

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``resolver(host, port)`` returns the IP addresses to try, as strings. Tests inject one.
Resolver = Callable[[str, int], Sequence[str]]

DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "visualner-url-import"
MAX_FILENAME_CHARS = 120
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_UNSAFE_FILENAME_CHARS = re.compile(r"[^\w.\- ()+,]")


@dataclass(frozen=True, slots=True)
class FetchedFile:
    """A downloaded file: ``path`` is a temp file in ``dest_dir`` that the caller now owns."""

    path: Path
    filename: str
    size: int
    content_type: str | None


@dataclass(frozen=True, slots=True)
class _Allowlist:
    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Sequence[str]) -> _Allowlist:
        """Entries are host names (matched exactly, case-insensitively) or IPs/CIDRs."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(_normalise_host(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def _normalise_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address must not be reached from a URL import, or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = blocked_reason(embedded)
            return f"{reason} ({embedded} inside the IPv6 address)" if reason else None
    if address.is_loopback:
        return "a loopback address (this server itself)"
    if address in _METADATA:
        return "the cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT (shared) address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_private:
        return "a private-network address"
    if address.is_reserved or not address.is_global:
        return "a reserved, non-public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address wraps (mapped, compatible, 6to4, NAT64, Teredo)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses ``getaddrinfo`` gives for a TCP connection, in its preferred order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    return addresses


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
    """Download ``url`` into a temp file in ``dest_dir`` with the protections above.

    ``timeout_s`` bounds the whole download, not only each read. Raises ``BlockedUrl`` for a
    refused scheme or address (at any hop), ``TooLarge`` past ``max_bytes``, and
    ``InvalidInput`` for unreachable hosts, error statuses, redirect loops and timeouts.
    """
    rules = _Allowlist.parse(allowlist)
    deadline = time.monotonic() + timeout_s
    timeout = httpx.Timeout(timeout_s)
    current = _parse_url(url)
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout) as client:
        for _ in range(max_redirects + 1):
            response = _request_pinned(client, current, rules=rules, resolver=resolver)
            try:
                if response.status_code in _REDIRECT_STATUSES and "location" in response.headers:
                    location = response.headers["location"]
                    logger.info("url import: %s redirects to %s", current, location)
                    current = _parse_url(str(current.join(location)))
                    continue
                if not response.is_success:
                    raise InvalidInput(
                        f"{_shown(current)} answered {response.status_code} "
                        f"{response.reason_phrase}".rstrip()
                    )
                return _save_body(
                    response, current, dest_dir=dest_dir, max_bytes=max_bytes, deadline=deadline
                )
            finally:
                response.close()
        raise InvalidInput(
            f"{_shown(httpx.URL(url))} redirects more than {max_redirects} times "
            f"(last to {_shown(current)})"
        )


def _shown(url: httpx.URL) -> str:
    """A URL for messages and logs, with any query string (tokens) left out."""
    return str(url.copy_with(query=None, fragment=None))


def _parse_url(raw: str) -> httpx.URL:
    try:
        url = httpx.URL(raw.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidInput(f"{raw!r} is not a valid URL ({exc})") from exc
    if url.scheme not in ("http", "https"):
        raise BlockedUrl(
            f"{raw!r}: only http:// and https:// URLs can be imported, not "
            f"{url.scheme + '://' if url.scheme else 'a URL without a scheme'}"
        )
    if not url.host:
        raise InvalidInput(f"{raw!r} has no host name")
    if url.userinfo:
        raise InvalidInput(
            f"{_shown(url)}: URLs with a user name or password are not accepted; "
            "use a link that works without signing in"
        )
    return url


def _checked_addresses(url: httpx.URL, *, rules: _Allowlist, resolver: Resolver) -> list[IPAddress]:
    """Resolve the URL's host once and refuse it if any address is not public."""
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        raw_addresses = list(resolver(host, port))
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"{_shown(url)}: the host name {host!r} does not resolve") from exc
    try:
        addresses = [ipaddress.ip_address(address) for address in raw_addresses]
    except ValueError as exc:
        raise InvalidInput(f"{_shown(url)}: resolver gave a bad address ({exc})") from exc
    if not addresses:
        raise InvalidInput(f"{_shown(url)}: the host name {host!r} does not resolve")
    if _normalise_host(host) in rules.hosts:
        return addresses
    for address in addresses:
        reason = None if rules.allows_address(address) else blocked_reason(address)
        if reason is not None:
            where = f"{address} is" if host == str(address) else f"{host} resolves to {address},"
            raise BlockedUrl(
                f"{_shown(url)}: {where} {reason}; URL imports may only reach public addresses "
                "(an administrator can allow-list a trusted host)"
            )
    return addresses


def _request_pinned(
    client: httpx.Client, url: httpx.URL, *, rules: _Allowlist, resolver: Resolver
) -> httpx.Response:
    """GET ``url`` by connecting to its checked address(es) in turn, never re-resolving."""
    addresses = _checked_addresses(url, rules=rules, resolver=resolver)
    host = url.raw_host.decode("ascii")
    headers = {
        "Host": url.netloc.decode("ascii"),
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",  # no gzip: the byte cap counts what we store
    }
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    last_error: httpx.TransportError | None = None
    for address in addresses:
        request = client.build_request(
            "GET", url.copy_with(host=str(address)), headers=headers, extensions=extensions
        )
        try:
            return client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            logger.info("url import: %s at %s failed: %s", host, address, exc)
            last_error = exc
        except httpx.TimeoutException as exc:
            raise InvalidInput(f"{_shown(url)} did not answer in time") from exc
        except httpx.TransportError as exc:
            raise InvalidInput(f"{_shown(url)} could not be fetched ({exc})") from exc
    raise InvalidInput(f"{_shown(url)}: could not connect to {host} ({last_error})")


def _save_body(
    response: httpx.Response, url: httpx.URL, *, dest_dir: Path, max_bytes: int, deadline: float
) -> FetchedFile:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(
            f"{_shown(url)} is {_size(int(declared))}, above the {_size(max_bytes)} cap "
            "for URL imports"
        )
    descriptor, temp_name = tempfile.mkstemp(dir=dest_dir, prefix="url-import-", suffix=".part")
    path = Path(temp_name)
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            # No chunk_size: httpx would buffer up to it and hide a trickling body from the
            # deadline check; reads come in at most httpcore's 64 KiB anyway.
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"{_shown(url)} is larger than the {_size(max_bytes)} cap for URL imports"
                    )
                if time.monotonic() > deadline:
                    raise InvalidInput(f"{_shown(url)} took too long to download")
                out.write(chunk)
    except httpx.TimeoutException as exc:
        path.unlink(missing_ok=True)
        raise InvalidInput(f"{_shown(url)} took too long to download") from exc
    except httpx.TransportError as exc:
        path.unlink(missing_ok=True)
        raise InvalidInput(f"{_shown(url)}: the download broke off ({exc})") from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    content_type = response.headers.get("content-type")
    return FetchedFile(
        path=path,
        filename=download_filename(url, response.headers.get("content-disposition")),
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
