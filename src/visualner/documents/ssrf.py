"""Which destinations a URL import may reach (SSRF rules), checked before every request.

A URL import makes *our server* send a request, so a user could point it at
``http://169.254.169.254/`` (cloud credentials), ``http://localhost:6379/`` or an intranet
host. Before each request (each redirect hop included) the URL is parsed and its host resolved,
and every address it resolves to must be public — not loopback, private, link-local (including
the metadata address), CGNAT, multicast, unspecified or reserved, also when wrapped in IPv6
(IPv4-mapped, 6to4, NAT64, Teredo) — unless the host name or a CIDR holding the address is on
the administrator's allow-list. ``documents/url_fetch.py`` then connects only to the addresses
this check returned.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from visualner.errors import BlockedUrl, InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``resolver(host, port)`` returns the IP addresses to try, as strings. Tests inject one.
Resolver = Callable[[str, int], Sequence[str]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


@dataclass(frozen=True, slots=True)
class Allowlist:
    """Hosts (matched exactly, case-insensitively) and networks a URL import may reach even
    though they are not public."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Sequence[str]) -> Allowlist:
        """Entries are host names or IPs/CIDRs."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(normalise_host(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where one request may go: the URL's host and port, and the checked addresses."""

    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def normalise_host(host: str) -> str:
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


def shown(url: httpx.URL) -> str:
    """A URL for messages and logs, with any query string (tokens) left out."""
    return str(url.copy_with(query=None, fragment=None))


def parse_url(raw: str) -> httpx.URL:
    """An http(s) URL with a host and no credentials, or a precise refusal."""
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
            f"{shown(url)}: URLs with a user name or password are not accepted; "
            "use a link that works without signing in"
        )
    return url


def check_destination(url: httpx.URL, *, rules: Allowlist, resolver: Resolver) -> Destination:
    """Resolve the URL's host now and refuse it if any address is not public."""
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        raw_addresses = list(resolver(host, port))
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"{shown(url)}: the host name {host!r} does not resolve") from exc
    try:
        addresses = tuple(ipaddress.ip_address(address) for address in raw_addresses)
    except ValueError as exc:
        raise InvalidInput(f"{shown(url)}: resolver gave a bad address ({exc})") from exc
    if not addresses:
        raise InvalidInput(f"{shown(url)}: the host name {host!r} does not resolve")
    if normalise_host(host) not in rules.hosts:
        for address in addresses:
            reason = None if rules.allows_address(address) else blocked_reason(address)
            if reason is not None:
                where = (
                    f"{address} is" if host == str(address) else f"{host} resolves to {address},"
                )
                raise BlockedUrl(
                    f"{shown(url)}: {where} {reason}; URL imports may only reach public "
                    "addresses (an administrator can allow-list a trusted host)"
                )
    return Destination(host=host, port=port, addresses=addresses)
