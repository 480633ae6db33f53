"""`knacka backup` and `knacka restore` give back exactly what was stored, on both databases."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select

from api.core.config import REPO_ROOT
from api.core.db import make_engine
from api.models.accounts import User
from api.models.plan import Goal
from api.ops.migrate import upgrade_to_head
from api.plan.seed import read_plan, seed_plan
from tests.conftest import BACKENDS, fresh_database

KNACKA = [sys.executable, "-c", "from api.cli import main; main()"]


def _knacka(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNACKA_")}
    env["KNACKA_DATABASE_URL"] = url
    return subprocess.run(
        [*KNACKA, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def table_contents(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order: equal contents give equal totals."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(table.select())), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_restored_backup_holds_exactly_what_was_backed_up(backend: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        upgrade_to_head(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                seed_plan(session=session, plan=read_plan(REPO_ROOT / "seeds"))
                session.add(User(name="Vera", role="volunteer"))
                goal = session.exec(select(Goal).where(Goal.year == 2026)).first()
                assert goal is not None
                goal.conversations = 3000
                session.commit()
            before = table_contents(engine)

            backup_file = tmp_path / "knacka.backup"
            made = _knacka(url, "backup", str(backup_file))
            assert made.returncode == 0, made.stderr
            assert backup_file.stat().st_size > 0

            # Things go wrong after the backup: a user is lost, a goal is changed.
            with Session(engine) as session:
                session.execute(text("DELETE FROM user_account"))
                session.execute(text("UPDATE goal SET conversations = 1"))
                session.commit()
            assert table_contents(engine) != before

            engine.dispose()
            restored = _knacka(url, "restore", "--yes", str(backup_file))
            assert restored.returncode == 0, restored.stderr
            assert table_contents(engine) == before
        finally:
            engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade_to_head(url)
    junk = tmp_path / "junk.backup"
    junk.write_text("inte en säkerhetskopia")
    done = _knacka(url, "restore", "--yes", str(junk))
    assert done.returncode == 2
    assert "not a SQLite backup" in done.stderr or "not an intact" in done.stderr
    # The database is untouched and still migrated.
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_restore_gives_the_same_totals_with_door_logs_present(backend: str, tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests.conftest import make_settings
    from tests.support.people import make_person
    from tests.support.sync import a_log

    with fresh_database(backend, tmp_path) as url:
        upgrade_to_head(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                seed_plan(session=session, plan=read_plan(REPO_ROOT / "seeds"))
            settings = make_settings(url)
            token = make_person(url, settings.secret_key, "volunteer", ["ale"])
            headers = {"Authorization": f"Bearer {token}"}
            year = datetime.now(UTC).year

            def totals(client: TestClient) -> object:
                response = client.get("/api/totals", params={"year": year}, headers=headers)
                assert response.status_code == 200
                return response.json()

            with TestClient(create_app(settings)) as client:
                ale = client.get("/api/districts", params={"ak": "ale"}, headers=headers).json()
                logs = [
                    a_log(ale[i % len(ale)]["id"], outcome=outcome, new_member=i % 6 == 0)
                    for i, outcome in enumerate(["conversation", "not_home", "declined"] * 20)
                ]
                synced = client.post("/api/sync", json={"logs": logs}, headers=headers)
                assert synced.status_code == 200
                assert {r["status"] for r in synced.json()["results"]} == {"created"}, synced.text
                before = totals(client)
                assert before["total"]["doors"] == 60  # type: ignore[index]

                backup_file = tmp_path / "knacka.backup"
                made = _knacka(url, "backup", str(backup_file))
                assert made.returncode == 0, made.stderr

                # After the backup: more logs and a voided one change the totals.
                more = [a_log(ale[0]["id"]) for _ in range(5)]
                client.post("/api/sync", json={"logs": more}, headers=headers)
                client.post(f"/api/logs/{logs[0]['id']}/void", headers=headers)
                assert totals(client) != before

            engine.dispose()
            restored = _knacka(url, "restore", "--yes", str(backup_file))
            assert restored.returncode == 0, restored.stderr
            with TestClient(create_app(settings)) as client:
                assert totals(client) == before
        finally:
            engine.dispose()
