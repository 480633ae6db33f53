"""Backup and restore: SQLite through its online backup API, PostgreSQL through pg_dump."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("Only a file-backed SQLite database can be backed up")
    return Path(database)


def _libpq_url(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(database_url: str, target: Path) -> None:
    """Writes a consistent copy while the app keeps serving."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(database_url))
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            source.close()
            destination.close()
        return
    done = subprocess.run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(target),
            _libpq_url(database_url),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def restore(database_url: str, source: Path) -> None:
    """Replaces the database's contents with the backup. Stop the API first."""
    if not source.is_file():
        raise BackupError(f"No backup file at {source}")
    if database_url.startswith("sqlite"):
        backup_db = sqlite3.connect(source)
        try:
            if backup_db.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{source} is not an intact SQLite database")
            target = sqlite3.connect(_sqlite_path(database_url))
            try:
                with target:
                    backup_db.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup: {exc}") from exc
        finally:
            backup_db.close()
        return
    done = subprocess.run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(database_url),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
