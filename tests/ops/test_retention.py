"""Gallring: long-inactive volunteers are erased and old audit entries purged, totals unchanged."""

import os
import subprocess
import sys
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from api.accounts import service as accounts
from api.core.config import REPO_ROOT
from api.core.db import utcnow
from api.models.accounts import AuditEvent, AuthSession, LoginFailure, User
from api.models.door_logs import DoorLog
from api.ops.retention import run_retention
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, sync

YEAR_DAYS = 365


def backdate(db: Engine, person: Person, *, days: int, logs_days: int | None = None) -> None:
    """Makes the person's account, sign-ins and (optionally) logs `days` old."""
    then = utcnow() - timedelta(days=days)
    with Session(db) as session:
        session.execute(update(User).where(User.id == person.id).values(created_at=then))
        session.execute(
            update(AuthSession).where(AuthSession.user_id == person.id).values(created_at=then)
        )
        if logs_days is not None:
            session.execute(
                update(DoorLog)
                .where(DoorLog.user_id == person.id)
                .values(received_at=utcnow() - timedelta(days=logs_days))
            )
        session.commit()


def add_audit(db: Engine, *, days_old: int, action: str) -> None:
    with Session(db) as session:
        session.add(AuditEvent(at=utcnow() - timedelta(days=days_old), action=action))
        session.commit()


def totals(client: TestClient, who: Person) -> object:
    year = utcnow().year
    response = client.get("/api/totals", params={"year": year}, headers=who.headers)
    assert response.status_code == 200
    return response.json()


def test_inactive_volunteers_are_erased_and_old_audit_purged_with_totals_unchanged(
    client: TestClient, db: Engine, make_user: MakeUser, staff: Person
):
    gone = make_user("volunteer", aks=["ale"], name="Gunnel Gammal")
    by_log = make_user("volunteer", aks=["ale"], name="Lars Loggar")
    by_sign_in = make_user("volunteer", aks=["ale"], name="Siv Senast")
    newcomer = make_user("volunteer", aks=["ale"], name="Nils Ny")
    organiser = make_user("organiser", aks=["ale"], name="Olle Organisatör")
    districts = district_ids(client, staff, "ale")
    for who in (gone, by_log):
        results = sync(client, who, [a_log(districts[0]) for _ in range(3)])
        assert {r["status"] for r in results} == {"created"}
    backdate(db, gone, days=400, logs_days=400)
    backdate(db, by_log, days=400, logs_days=10)
    backdate(db, by_sign_in, days=400)
    with Session(db) as session:  # Siv signed in again last week
        session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == by_sign_in.id)
            .values(created_at=utcnow() - timedelta(days=7))
        )
        session.commit()
    backdate(db, organiser, days=400)
    add_audit(db, days_old=800, action="users.list")
    add_audit(db, days_old=100, action="users.list")
    with Session(db) as session:
        for hours in (48, 0):
            at = utcnow() - timedelta(hours=hours)
            session.add(LoginFailure(account_key=f"k{hours}", ip="192.0.2.7", at=at))
        session.commit()
    before = totals(client, staff)

    with Session(db) as session:
        dry = run_retention(
            session=session,
            now=utcnow(),
            volunteer_inactive_days=YEAR_DAYS,
            audit_days=730,
            dry_run=True,
        )
        session.commit()
    assert dry.volunteer_ids == [gone.id] and dry.audit_entries == 1
    with Session(db) as session:
        assert session.get(User, gone.id).erased_at is None  # type: ignore[union-attr]

    with Session(db) as session:
        report = run_retention(
            session=session,
            now=utcnow(),
            volunteer_inactive_days=YEAR_DAYS,
            audit_days=730,
            dry_run=False,
        )
        session.commit()
    assert report.volunteer_ids == [gone.id] and report.audit_entries == 1

    with Session(db) as session:
        erased = session.get(User, gone.id)
        assert erased is not None and erased.erased_at is not None
        assert erased.name == accounts.ERASED_NAME and erased.disabled
        for kept in (by_log, by_sign_in, newcomer, organiser):
            user = session.get(User, kept.id)
            assert user is not None and user.erased_at is None, kept.name
        # The logs stay, as anonymous counts.
        logs = session.execute(
            select(func.count()).select_from(DoorLog).where(DoorLog.user_id == gone.id)
        ).scalar_one()
        assert logs == 3
        audit = session.execute(select(AuditEvent)).scalars().all()
        assert not [a for a in audit if a.at < utcnow() - timedelta(days=730)]
        assert [a.action for a in audit if a.target_user_id == gone.id] == ["user.erase.retention"]
        failures = session.execute(select(LoginFailure.account_key)).scalars().all()
        assert failures == ["k0"]  # the IP of an old failed sign-in is gone
        run = [a for a in audit if a.action == "retention"]
        assert len(run) == 1 and "1 inactive volunteers" in (run[0].detail or "")

    # The erased volunteer's session no longer works; the totals are the same.
    assert client.get("/api/me", headers=gone.headers).status_code == 401
    assert totals(client, staff) == before

    # A second run finds nothing more to do.
    with Session(db) as session:
        again = run_retention(
            session=session,
            now=utcnow(),
            volunteer_inactive_days=YEAR_DAYS,
            audit_days=730,
            dry_run=False,
        )
        session.commit()
    assert again.volunteer_ids == [] and again.audit_entries == 0


def test_zero_days_turns_retention_off(db: Engine, make_user: MakeUser):
    old = make_user("volunteer", aks=["ale"])
    backdate(db, old, days=4000)
    add_audit(db, days_old=4000, action="users.list")
    with Session(db) as session:
        report = run_retention(
            session=session, now=utcnow(), volunteer_inactive_days=0, audit_days=0, dry_run=False
        )
        session.commit()
    assert report.volunteer_ids == [] and report.audit_entries == 0


def test_the_retention_command_reads_its_settings_and_has_a_dry_run(
    database_url: str, db: Engine, make_user: MakeUser
):
    old = make_user("volunteer", aks=["ale"])
    backdate(db, old, days=40)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNACKA_")}
    env.update(
        KNACKA_DATABASE_URL=database_url,
        KNACKA_RETENTION_VOLUNTEER_INACTIVE_DAYS="30",
        KNACKA_RETENTION_AUDIT_DAYS="0",
    )
    command = [sys.executable, "-c", "from api.cli import main; main()", "retention"]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*command, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "Would erase 1 inactive volunteers" in run("--dry-run")
    with Session(db) as session:
        assert session.get(User, old.id).erased_at is None  # type: ignore[union-attr]
    assert "Erased 1 inactive volunteers" in run()
    with Session(db) as session:
        assert session.get(User, old.id).erased_at is not None  # type: ignore[union-attr]
