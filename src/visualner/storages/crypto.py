"""Storage credentials encrypted with a key derived from the app's secret key (Fernet:
AES-128-CBC with an HMAC, so a token altered in the database is refused, not misread).

The key is HKDF-SHA256 of ``VISUALNER_SECRET_KEY`` with its own ``info``, so it is never the
key that signs cookies. Changing the secret key makes stored credentials unreadable: a sync
then fails saying to enter them again.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from visualner.errors import InvalidInput

_INFO = b"visualner cloud storage credentials v1"


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_credentials(secret_key: str, credentials: dict[str, Any]) -> str:
    """The credentials as a token for the database ("" when there are none)."""
    if not credentials:
        return ""
    return _fernet(secret_key).encrypt(orjson.dumps(credentials)).decode("ascii")


def decrypt_credentials(secret_key: str, token: str) -> dict[str, Any]:
    """The credentials a token holds ({} for ""); refused when the secret key changed."""
    if not token:
        return {}
    try:
        value = orjson.loads(_fernet(secret_key).decrypt(token.encode("ascii")))
    except InvalidToken as exc:
        raise InvalidInput(
            "the storage's credentials cannot be read with this server's secret key "
            "(VISUALNER_SECRET_KEY changed?): enter them again"
        ) from exc
    return dict(value)
