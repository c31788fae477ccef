"""SQLite writers of several processes queue on one lock file beside the database."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from visualner.db import Database, session_scope


def _free(lock_file: Path) -> bool:
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also drops the lock taken here


def test_a_write_transaction_holds_the_writers_lock_until_it_ends(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    lock_file = Path(f"{sqlite_url.removeprefix('sqlite:///')}-writers")
    try:
        with session_scope(database.write) as session:
            session.execute(text("UPDATE projects SET title = title"))
            assert not _free(lock_file)
        assert _free(lock_file)
        with pytest.raises(RuntimeError), session_scope(database.write) as session:
            session.execute(text("SELECT 1"))
            raise RuntimeError("rolled back")
        assert _free(lock_file)
        with session_scope(database.read) as session:  # readers never take it
            session.execute(text("SELECT 1"))
            assert _free(lock_file)
    finally:
        database.dispose()
