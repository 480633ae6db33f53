"""Shared by the benchmarks: a fresh database, a volunteer's token, a uvicorn server."""

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlmodel import Session

from api.accounts.sessions import create_session
from api.core.config import REPO_ROOT
from api.core.db import make_engine
from api.models.accounts import User, UserAk
from api.models.plan import Ak
from api.ops.migrate import upgrade_to_head
from api.plan import catalogue
from api.plan.seed import read_plan, seed_plan
from tests.support import servers

ADMIN_URL = os.environ.get(
    "KNACKA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret-key-not-for-production"


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A migrated, seeded, empty-of-logs database; dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            _prepare(url)
            yield url
        return
    name = f"knacka_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    try:
        _prepare(url)
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepare(url: str) -> None:
    upgrade_to_head(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_plan(session=session, plan=read_plan(REPO_ROOT / "seeds"))
    engine.dispose()


def volunteer_token(url: str, ak_slug: str = "ale") -> tuple[int, str, list[int]]:
    """A volunteer of the AK with a session token, and the AK's district ids."""
    engine = make_engine(url)
    with Session(engine) as session:
        ak = catalogue.get_ak_by_slug(session=session, slug=ak_slug)
        user = User(name="Bench", role="volunteer")
        session.add(user)
        session.flush()
        assert user.id is not None and ak.id is not None
        session.add(UserAk(user_id=user.id, ak_id=ak.id))
        token, _ = create_session(
            session=session, user=user, secret_key=SECRET, ttl=timedelta(hours=2)
        )
        session.commit()
        districts = [d.id for d in catalogue.list_districts(session=session, ak=ak) if d.id]
        user_id = user.id
    engine.dispose()
    return user_id, token, districts


def all_district_ids(url: str) -> list[int]:
    engine = make_engine(url)
    with Session(engine) as session:
        ids = [d.id for d in catalogue.list_districts(session=session) if d.id is not None]
        assert session.get(Ak, 1) is not None
    engine.dispose()
    return ids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its child processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@contextmanager
def uvicorn_server(url: str, workers: int = 1, **env: str) -> Iterator[tuple[str, int]]:
    """The tests' launcher (tests/support/servers.py), with the benchmarks' production settings."""
    with servers.uvicorn_server(
        url,
        workers=workers,
        KNACKA_SECRET_KEY=SECRET,
        KNACKA_ENVIRONMENT="production",
        # Production refuses to start without it; the benchmarks' sessions are made directly.
        KNACKA_REQUIRE_TOTP="true",
        **env,
    ) as running:
        yield running


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in lscpu.splitlines()
                if line.startswith("Model name")
            ),
            "",
        )
    except OSError:
        pass
    return f"{cpus} CPUs, {model}, Python {sys.version.split()[0]}"
