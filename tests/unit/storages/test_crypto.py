"""Storage credentials are encrypted under a key derived from the secret key: unreadable in
the database, refused (not misread) when altered or read with another secret key."""

from __future__ import annotations

import pytest

from visualner.errors import InvalidInput
from visualner.storages.crypto import decrypt_credentials, encrypt_credentials

SECRET = "a-long-random-secret-key-" + "z" * 24
CREDENTIALS = {"access_key_id": "AKIAEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG"}


def test_credentials_round_trip_and_the_token_shows_none_of_them() -> None:
    token = encrypt_credentials(SECRET, CREDENTIALS)
    assert "AKIAEXAMPLE" not in token and "wJalrXUtnFEMI" not in token
    assert decrypt_credentials(SECRET, token) == CREDENTIALS
    assert encrypt_credentials(SECRET, CREDENTIALS) != token  # a fresh IV each time


def test_no_credentials_are_stored_as_nothing() -> None:
    assert encrypt_credentials(SECRET, {}) == ""
    assert decrypt_credentials(SECRET, "") == {}


def test_another_secret_key_or_an_altered_token_is_refused_with_what_to_do() -> None:
    token = encrypt_credentials(SECRET, CREDENTIALS)
    with pytest.raises(InvalidInput, match="enter them again"):
        decrypt_credentials(SECRET + "-rotated", token)
    altered = token[:-8] + ("A" if token[-8] != "A" else "B") + token[-7:]
    with pytest.raises(InvalidInput, match="enter them again"):
        decrypt_credentials(SECRET, altered)
