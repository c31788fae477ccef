"""Database plumbing: the declarative base, engine and session factories.

SQLite is the embedded default (WAL so readers never wait on the writer, a busy timeout so
concurrent savers queue instead of failing); PostgreSQL is used for scale. Both go through the
same models and migrations.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
from pydantic import Field
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    MetaData,
    any_,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored and returned as aware UTC, on SQLite (which drops tzinfo) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


#: The largest value an ``Integer`` column holds on every supported database (PostgreSQL's
#: integer is 32-bit, SQLite's 64-bit): ids and counts from outside are checked against it, so
#: a too-large number is refused as invalid instead of failing in the database.
MAX_INTEGER = 2**31 - 1
#: A row id sent by a client in a body or a query.
RowId = Annotated[int, Field(ge=1, le=MAX_INTEGER)]


def utcnow() -> datetime:
    return datetime.now(UTC)


# Column types the models share (``id: Mapped[IntPrimaryKey]``), one definition each.
IntPrimaryKey = Annotated[int, mapped_column(Integer, primary_key=True)]
#: When the row was stored.
CreatedAt = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
#: When the row last changed: set by every UPDATE that SQLAlchemy issues.
UpdatedAt = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)]


#: Connections a process keeps: its request threads (40) and job consumers each may hold one.
POOL_SIZE = 48
#: Beyond the kept ones, for the rare moment a thread holds two; these close when returned.
POOL_OVERFLOW = 16


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def one_of_ids(
    column: ColumnElement[int] | InstrumentedAttribute[int],
    ids: Sequence[int],
    *,
    postgresql: bool,
) -> ColumnElement[bool]:
    """``column IN ids``. On PostgreSQL, ``column = ANY(:ids)``: one array parameter and one
    statement text whatever the count, which psycopg prepares once, where ``IN`` adapts a
    parameter per id and makes a new text (parsed and planned anew) for each count."""
    if postgresql:
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer), unique=True))
    return column.in_(list(ids))


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _apply_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


JSON_CODEC: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def make_engine(url: str, *, pool_size: int = POOL_SIZE) -> Engine:
    """An engine tuned per backend; the SQLite file's folder is created if missing.

    The pool keeps a connection for every thread that may want one: opening a connection
    costs a PostgreSQL backend's start (or SQLite's pragmas and schema read), and a pool that
    kept closing its overflow connections turned a burst of saves into a burst of reconnects.
    JSON columns go through orjson (annotations with hundreds of regions are the bulk of
    exports).
    """
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=POOL_OVERFLOW,
            **JSON_CODEC,
        )
        event.listen(engine, "connect", _apply_sqlite_pragmas)
        lock_path = _writers_lock_path(url)
        _begin_immediate_on_write(
            engine, _WritersFileLock(lock_path) if lock_path is not None else None
        )
        return engine
    return create_engine(
        url, pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_pre_ping=True, **JSON_CODEC
    )


def make_disposable_engine(url: str) -> Engine:
    """An engine without pooling, for short-lived CLI commands and migrations."""
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, poolclass=NullPool)
        event.listen(engine, "connect", _apply_sqlite_pragmas)
        return engine
    return create_engine(url, poolclass=NullPool)


class _WritersFileLock:
    """An exclusive ``flock`` on a file beside the database, held by a process's write
    transaction: writers of several processes (an import's helper processes, uvicorn
    workers) queue in the kernel and the next one starts as soon as the lock is free, where
    SQLite's busy handler polls in growing sleeps (up to 100 ms) and made processes that
    share an import wait longer than they stored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _writers_lock_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}-writers")


def _begin_immediate_on_write(engine: Engine, writers: _WritersFileLock | None) -> None:
    """Let SQLAlchemy own transaction start, so writers can ``BEGIN IMMEDIATE``.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer committed in between (busy_timeout does not help there). Write
    sessions take the write lock up front and queue on busy_timeout instead; read sessions
    stay deferred so readers never wait. Writers of this process queue on a lock, and the
    processes' writers on ``writers`` (busy_timeout remains for other programs' writers).
    """

    @event.listens_for(engine, "connect")
    def _disable_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    # Writers of this process queue on a lock instead of polling SQLite's busy handler,
    # whose growing sleeps (up to 100 ms each) make a burst of saves wait seconds at p99.
    process_writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _emit_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            process_writer.acquire()
            if writers is not None:
                try:
                    writers.acquire()
                except BaseException:
                    process_writer.release()
                    raise
            conn.info["holds_writer_lock"] = True
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _release_writer(conn)
            raise

    def _release_writer(conn: Any) -> None:
        if conn.info.pop("holds_writer_lock", False):
            if writers is not None:
                writers.release()
            process_writer.release()

    event.listen(engine, "commit", _release_writer)
    event.listen(engine, "rollback", _release_writer)
    if writers is not None:
        event.listen(engine, "engine_disposed", lambda _engine: writers.close())


class Database:
    """An engine plus the two session factories the app uses.

    ``write`` sessions take SQLite's write lock at BEGIN (see ``_begin_immediate_on_write``);
    on PostgreSQL both factories are the same.
    """

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = is_sqlite(url)
        self.read = sessionmaker(bind=self.engine, expire_on_commit=False)
        write_engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.is_sqlite
            else self.engine
        )
        self.write = sessionmaker(bind=write_engine, expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
