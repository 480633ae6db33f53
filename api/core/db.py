"""Database engine, naming convention, time type and the per-request session."""

import logging
import sqlite3
import threading
import weakref
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel, create_engine

log = logging.getLogger("knacka.db")

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns an aware datetime, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; synchronous=FULL makes an ack survive a power cut.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# Connections are kept, never opened per request: a new SQLite connection starts with an
# empty statement cache and its PRAGMAs (overflow connections are closed at check-in).
POOL_SIZE = 20


def _no_auto_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def make_engine(url: str, *, checkpoint_in_background: bool = False) -> Engine:
    """The engine; with `checkpoint_in_background` (the server's), SQLite's WAL is
    checkpointed by a WalCheckpointer instead of inside whichever commit crosses 1,000 pages."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=POOL_SIZE,
            max_overflow=0,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if checkpoint_in_background:
            event.listen(engine, "connect", _no_auto_checkpoint)
        _install_write_lock(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


# SQLite admits one writer; the others poll with growing sleeps (up to 100 ms each), which
# under a crowd of small syncs wastes most of the time. Writers of this process queue on a
# lock instead and start the moment the previous one commits (other processes still poll).
_write_locks: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()

_HOLDS = "knacka_write_lock"


def hold_write_lock(connection: Connection) -> None:
    """Before the first write of a transaction on SQLite: wait for this process's writers."""
    lock = _write_locks.get(connection.engine)
    if lock is None or connection.info.get(_HOLDS):
        return
    lock.acquire()
    connection.info[_HOLDS] = lock


def _release(info: dict[Any, Any]) -> None:
    lock = info.pop(_HOLDS, None)
    if lock is not None:
        lock.release()


def _install_write_lock(engine: Engine) -> None:
    _write_locks[engine] = threading.Lock()
    # Released when the transaction ends, or at the latest when the connection goes back.
    event.listen(engine, "commit", lambda conn: _release(conn.info))
    event.listen(engine, "rollback", lambda conn: _release(conn.info))
    event.listen(engine.pool, "checkin", lambda _dbapi, record: _release(record.info))


class WalCheckpointer:
    """Checkpoints a SQLite file's WAL from a thread of its own, once a second.

    SQLite's automatic checkpoint runs inside the commit that fills 1,000 pages, while that
    sync holds the write lock: with synchronous=FULL it fsyncs the database file, and every
    phone queued behind it waited 50-230 ms (docs/BENCHMARKS.md). A PASSIVE checkpoint
    neither waits for nor blocks readers and writers.
    """

    def __init__(self, engine: Engine, *, interval: float = 1.0) -> None:
        self.path = engine.url.database
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.path or self.path == ":memory:" or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="knacka-wal-checkpoint")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        assert self.path is not None
        conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            while True:
                stopping = self._stop.wait(self.interval)
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # e.g. the file was replaced by a restore
                    log.warning("WAL checkpoint failed: %s", exc)
                if stopping:
                    return
        finally:
            conn.close()
