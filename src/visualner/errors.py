"""Domain errors. Services raise these; ``app.py`` maps them to HTTP answers in one place.

Each carries a message written for the person who made the mistake: what was wrong and,
where it helps, what to do instead.
"""

from __future__ import annotations


class VisualnerError(Exception):
    """Base of every error the product reports to a user."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def extra(self) -> dict[str, object]:
        """Fields the JSON answer carries besides ``detail``, ``code`` and ``field``."""
        return {}


class InvalidInput(VisualnerError):
    """The request or file is malformed or breaks a rule."""

    status_code = 400
    code = "invalid"


class UnsupportedFile(InvalidInput):
    """A file's content is not a type we can import (sniffed, not taken from its name)."""

    status_code = 415
    code = "unsupported_file"


class TooLarge(InvalidInput):
    """A file, archive, image or request exceeds a configured cap."""

    status_code = 413
    code = "too_large"


class BlockedUrl(InvalidInput):
    """A URL import points at an address we refuse to reach (SSRF protection)."""

    status_code = 400
    code = "blocked_url"


class NotAuthenticated(VisualnerError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(VisualnerError):
    status_code = 403
    code = "forbidden"


class NotFound(VisualnerError):
    status_code = 404
    code = "not_found"


class Conflict(VisualnerError):
    """The resource changed since the client read it, or a unique name is taken."""

    status_code = 409
    code = "conflict"


class LabelsInUse(Conflict):
    """A config edit drops labels that regions use, without saying what becomes of them."""

    code = "labels_in_use"

    def __init__(self, message: str, *, labels: dict[str, dict[str, int]]) -> None:
        super().__init__(message, field="label_changes")
        self.labels = labels

    def extra(self) -> dict[str, object]:
        return {"labels_in_use": self.labels}


class Unavailable(VisualnerError):
    """A dependency (an OCR server, the queue) cannot be reached right now."""

    status_code = 503
    code = "unavailable"


class RateLimited(VisualnerError):
    """Too many attempts (failed logins); answered with ``Retry-After``."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
