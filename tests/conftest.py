"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is required: when it cannot be reached the tests fail, they never skip.
Each backend gets one database per test session (migrated and seeded once); after every
test the rows are wiped and the plan re-seeded, so tests stay independent and fast.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from api.accounts.sessions import create_session
from api.accounts.users import create_account
from api.core.config import REPO_ROOT, Settings
from api.core.db import make_engine
from api.main import create_app
from api.models.accounts import Role, User, UserAk
from api.models.plan import Ak
from api.ops.migrate import upgrade_to_head
from api.plan import catalogue
from api.plan.seed import read_plan, seed_plan

POSTGRES_ADMIN_URL = os.environ.get(
    "KNACKA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET = "test-secret-key-not-for-production"
BACKENDS = ["sqlite", "postgresql"]


def _pg_conninfo(dbname: str | None = None) -> str:
    base = POSTGRES_ADMIN_URL
    return base if dbname is None else base.rsplit("/", 1)[0] + f"/{dbname}"


def create_postgres_database() -> str:
    """A fresh database with a unique name; returns its SQLAlchemy URL."""
    name = f"knacka_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _pg_conninfo(name).replace("postgresql://", "postgresql+psycopg://", 1)


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return REPO_ROOT / "seeds"


@contextmanager
def fresh_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """An empty database of the given backend, dropped afterwards."""
    if backend == "sqlite":
        path = tmp_dir / f"knacka-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    url = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(url)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "environment": "test",
        "secret_key": TEST_SECRET,
        # Live streams end quickly in tests that read them whole (authz, schemathesis).
        "stream_max_seconds": 0.3,
        # Gallring by itself is tested on its own (tests/ops/test_retention.py).
        "retention_interval_seconds": 0,
        # Push passes are run by the tests themselves (tests/push).
        "push_interval_seconds": 0,
        # The stand-in push service (tests/support/push_service.py) listens here.
        "push_service_hosts": "127.0.0.1",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


def wipe_and_seed(engine: Engine, seeds_dir: Path) -> None:
    with Session(engine) as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(table.delete())
        session.commit()
        seed_plan(session=session, plan=read_plan(seeds_dir))


@pytest.fixture
def db(engine: Engine, seeds_dir: Path) -> Iterator[Engine]:
    """The backend's database holding exactly the seeded plan; wiped after the test."""
    wipe_and_seed(engine, seeds_dir)
    yield engine


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI, db: Engine) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@dataclass
class Person:
    """A user made for a test, with a ready session token."""

    id: int
    name: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeUser = Callable[..., Person]


@pytest.fixture
def make_user(db: Engine) -> MakeUser:
    """make_user(role, aks=[slug...], name=..., email=..., password=...) -> Person."""

    def _make(
        role: str = "staff",
        aks: list[str] | None = None,
        name: str | None = None,
        email: str | None = None,
        password: str | None = None,
    ) -> Person:
        with Session(db) as session:
            if password is not None:
                ak_rows = [catalogue.get_ak_by_slug(session=session, slug=s) for s in aks or []]
                user = create_account(
                    session=session,
                    email=email or f"{uuid.uuid4().hex[:8]}@example.se",
                    password=password,
                    role=Role(role),
                    name=name or role,
                    aks=ak_rows,
                )
            else:
                user = User(name=name or role.capitalize(), role=role, email=email)
                session.add(user)
                session.flush()
                for slug in aks or []:
                    ak = session.exec(select(Ak).where(Ak.slug == slug)).one()
                    session.add(UserAk(user_id=user.id, ak_id=ak.id))  # type: ignore[arg-type]
            token, _ = create_session(
                session=session, user=user, secret_key=TEST_SECRET, ttl=timedelta(hours=1)
            )
            session.commit()
            assert user.id is not None
            return Person(id=user.id, name=user.name, role=user.role, token=token)

    return _make


@pytest.fixture
def staff(make_user: MakeUser) -> Person:
    return make_user("staff", name="Stina Stab")


@pytest.fixture
def live_hook(app: FastAPI) -> Iterator[list[int]]:
    """Swaps the app's counts-changed hook for a recorder; the real hook comes back after.

    (pytest's monkeypatch cannot restore attributes of Starlette's State: it deletes them.)
    """
    heard: list[int] = []
    real = app.state.on_counts_changed
    app.state.on_counts_changed = heard.append
    try:
        yield heard
    finally:
        app.state.on_counts_changed = real


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """Two `knacka serve` processes on one PostgreSQL database: (url, first, second)."""
    from tests.support.servers import knacka_server

    with (
        fresh_database("postgresql", tmp_path_factory.mktemp("pg")) as url,
        knacka_server(url) as first,
        knacka_server(url) as second,
    ):
        yield url, first, second
