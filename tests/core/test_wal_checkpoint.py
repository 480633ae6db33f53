"""SQLite: the server's WAL is checkpointed by a background thread, not inside a phone's commit.

(SQLite only: PostgreSQL checkpoints by itself; there is no WAL file of ours to look after.)
"""

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from api.core.db import WalCheckpointer, make_engine


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _write_rows(engine, n: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
    for i in range(n):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 500 + str(i)})


def test_the_servers_connections_leave_checkpoints_to_the_background(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}", checkpoint_in_background=True)
    plain = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with engine.connect() as conn, plain.connect() as other:
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 0
        assert other.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 1000
    engine.dispose()
    plain.dispose()


def test_the_background_thread_checkpoints_what_commits_wrote(tmp_path: Path):
    path = tmp_path / "k.db"
    engine = make_engine(f"sqlite:///{path}", checkpoint_in_background=True)
    checkpointer = WalCheckpointer(engine, interval=0.05)
    # Hold one connection open: otherwise SQLite checkpoints when the last one closes.
    keeper = engine.connect()
    try:
        _write_rows(engine, 300)
        time.sleep(0.3)
        # Everything is still in the WAL: the database file itself holds only the schema.
        assert path.stat().st_size < 20_000
        assert path.with_name("k.db-wal").stat().st_size > 150_000
        checkpointer.start()
        # The checkpoint copies the committed pages into the database file.
        _wait_for(lambda: path.stat().st_size > 150_000)
        # Writers go on while it runs, and what they write reaches the file too.
        size = path.stat().st_size
        writer = threading.Thread(target=_write_rows, args=(engine, 300))
        writer.start()
        writer.join()
        _wait_for(lambda: path.stat().st_size > size + 100_000)
    finally:
        checkpointer.stop()
        keeper.close()
        engine.dispose()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 600
    conn.close()


def test_stopping_the_checkpointer_ends_its_thread(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}", checkpoint_in_background=True)
    checkpointer = WalCheckpointer(engine, interval=10)
    checkpointer.start()
    started = time.monotonic()
    checkpointer.stop()  # does not wait out the interval
    assert time.monotonic() - started < 5
    assert not any(t.name == "knacka-wal-checkpoint" for t in threading.enumerate())
    engine.dispose()
