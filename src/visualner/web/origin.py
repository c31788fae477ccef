"""Same-origin checks for the few form posts that do not go through ``fetch`` + CSRF header.

The login form cannot carry a CSRF token (there is no session yet), so a page on another site
could otherwise log a victim into the attacker's account ("login CSRF"). Browsers send
``Origin`` on every cross-site POST, so comparing it with ``Host`` refuses those posts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

DEFAULT_NEXT = "/"


def is_same_origin(request: Request) -> bool:
    """True when the request's ``Origin`` (or, lacking it, ``Referer``) names this host.

    Only the host and port are compared, so a TLS-terminating proxy that forwards ``Host``
    keeps working. A post with neither header is refused: every current browser sends one.
    """
    host = request.headers.get("host", "").lower()
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if not host or not source or source == "null":
        return False
    return urlsplit(source).netloc.lower() == host


def safe_next_path(candidate: str | None) -> str:
    """``candidate`` when it is a path on this site, else ``/`` (no open redirects).

    Refuses absolute URLs, scheme-relative ``//host`` and the ``/\\host`` form that some
    browsers treat as ``//host``, and anything with control characters.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return DEFAULT_NEXT
    if any(ord(char) < 32 or ord(char) == 127 for char in candidate):
        return DEFAULT_NEXT
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return candidate
