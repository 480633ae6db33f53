"""Gallring: long-inactive volunteers are erased and old audit entries purged, totals unchanged."""

import os
import subprocess
import sys
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, SQLModel

from api.core.config import REPO_ROOT
from api.core.db import make_engine, utcnow
from api.door_logs.opinions import opinion_t
from api.door_logs.rollups import door_count_user_day, door_log
from api.main import create_app
from api.models.accounts import ANONYMOUS_ROLE, AuditEvent, AuthSession, Invite, LoginFailure, User
from api.models.door_logs import DoorLog
from api.ops.retention import POLICY, RetentionReport, run_if_due, run_retention
from tests.conftest import MakeUser, Person, make_settings
from tests.support.history import build_history, figures
from tests.support.sync import a_log, district_ids, sync

YEAR_DAYS = 365


def backdate(db: Engine, person: Person, *, days: int, logs_days: int | None = None) -> None:
    """Makes the person's account, sign-ins and (optionally) logs `days` old."""
    then = utcnow() - timedelta(days=days)
    with Session(db) as session:
        session.execute(
            update(User).where(User.id == person.id).values(created_at=then, last_sign_in_at=then)
        )
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
            update(User)
            .where(User.id == by_sign_in.id)
            .values(last_sign_in_at=utcnow() - timedelta(days=7))
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
        assert session.get(User, gone.id) is None  # erased: the account row itself is gone
        for kept in (by_log, by_sign_in, newcomer, organiser):
            user = session.get(User, kept.id)
            assert user is not None and user.erased_at is None, kept.name
        # The logs stay, with the shared anonymous id.
        anonymous = session.execute(select(User.id).where(User.role == ANONYMOUS_ROLE)).scalar_one()
        logs = session.execute(
            select(func.count()).select_from(DoorLog).where(DoorLog.user_id == anonymous)
        ).scalar_one()
        assert logs == 3
        audit = session.execute(select(AuditEvent)).scalars().all()
        assert not [a for a in audit if a.at < utcnow() - timedelta(days=730)]
        assert [a.action for a in audit if a.target_user_id == anonymous] == [
            "user.erase.retention"
        ]
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
        assert session.get(User, old.id) is None


def test_gallring_of_a_built_history_keeps_no_volunteer_id_no_fine_time_no_opinion_link(
    client: TestClient, db: Engine, make_user: MakeUser, staff: Person
):
    history = build_history(client, make_user, staff)
    before = figures(client, db, staff)

    def gallra(days_ahead: int) -> RetentionReport:
        with Session(db) as session:
            report = run_retention(
                session=session,
                now=utcnow() + timedelta(days=days_ahead),
                volunteer_inactive_days=0,
                audit_days=0,
                dry_run=False,
            )
            session.commit()
        return report

    # Day 29: nothing is final yet; every opinion still linked, every time exact.
    assert gallra(29).final_logs == 0
    with Session(db) as session:
        assert session.execute(select(func.count()).select_from(opinion_t)).scalar_one() > 0
    # Day 31: every log is final. No topic stays linked to a log; times only to the hour.
    assert gallra(31).final_logs > 0
    with Session(db) as session:
        assert session.execute(select(func.count()).select_from(opinion_t)).scalar_one() == 0
        for row in session.execute(select(door_log)).all():
            for moment in (row.occurred_at, row.received_at):
                assert (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)
            assert row.final
        linked = set(session.execute(select(door_log.c.user_id)).scalars())
        assert {v.id for v in history.volunteers} <= linked  # the season is not over
    # (Gallring ran a month ahead: the test's own sessions have expired and gone; a new one.)
    assert figures(client, db, make_user("staff")) == before
    # After the season: no kept row carries a volunteer id; the totals are unchanged.
    assert gallra(500).season_logs > 0
    with Session(db) as session:
        anonymous = session.execute(select(User.id).where(User.role == ANONYMOUS_ROLE)).scalar_one()
        assert set(session.execute(select(door_log.c.user_id)).scalars()) == {anonymous}
        assert set(session.execute(select(door_count_user_day.c.user_id)).scalars()) == {anonymous}
    assert figures(client, db, make_user("staff")) == before


def test_a_final_log_resent_is_a_duplicate_and_can_no_longer_be_voided(
    client: TestClient, db: Engine, make_user: MakeUser
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    log = a_log(district_ids(client, volunteer, "ale")[0], topics=["skola"])
    assert sync(client, volunteer, [log])[0]["status"] == "created"
    with Session(db) as session:
        session.execute(update(DoorLog).values(received_at=utcnow() - timedelta(days=31)))
        session.commit()
        run_retention(
            session=session, now=utcnow(), volunteer_inactive_days=0, audit_days=0, dry_run=False
        )
        session.commit()
    assert sync(client, volunteer, [log])[0]["status"] == "duplicate"
    assert sync(client, volunteer, [log | {"outcome": "declined"}])[0]["status"] == "conflict"
    voided = client.post(f"/api/logs/{log['id']}/void", headers=organiser.headers)
    assert (voided.status_code, voided.json()["code"]) == (403, "void_window_passed")


def test_sessions_invites_failed_sign_ins_and_stale_staff_follow_their_periods(
    client: TestClient, db: Engine, make_user: MakeUser
):
    organiser = make_user("organiser", aks=["ale"])
    quiet = make_user("staff")
    assert client.post("/api/invites", json={"ak": "ale"}, headers=organiser.headers).is_success
    backdate(db, quiet, days=400)
    with Session(db) as session:
        report = run_retention(
            session=session,
            now=utcnow() + timedelta(days=100),
            volunteer_inactive_days=0,
            audit_days=0,
            dry_run=False,
        )
        session.commit()
        assert session.execute(select(func.count()).select_from(AuthSession)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Invite)).scalar_one() == 0
    assert quiet.id in report.stale_staff and organiser.id not in report.stale_staff
    assert report.purged["auth_session"] >= 2 and report.purged["invite"] == 1


def test_every_table_has_a_retention_rule():
    tables = set(SQLModel.metadata.tables) | {"alembic_version"}
    assert {rule.table for rule in POLICY} == tables


def test_gallring_runs_by_itself_in_one_process_at_a_time(
    database_url: str, db: Engine, make_user: MakeUser
):
    """The production shape: the app runs gallring itself; here with a short interval."""
    volunteer = make_user("volunteer", aks=["ale"])
    settings = make_settings(database_url, retention_interval_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        log = a_log(district_ids(client, volunteer, "ale")[0], topics=["skola"])
        assert sync(client, volunteer, [log])[0]["status"] == "created"
        with Session(db) as session:
            session.execute(update(DoorLog).values(received_at=utcnow() - timedelta(days=31)))
            session.commit()

        def final() -> bool:
            with Session(db) as session:
                return bool(session.execute(select(DoorLog.final)).scalar_one())

        deadline = time.monotonic() + 60
        while not final():
            assert time.monotonic() < deadline, "gallring did not run by itself"
            time.sleep(0.05)
    with Session(db) as session:
        assert session.execute(select(func.count()).select_from(opinion_t)).scalar_one() == 0


def test_only_one_process_runs_a_due_gallring(database_url: str, db: Engine):
    settings = make_settings(database_url, retention_interval_seconds=3600)
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        first = run_if_due(engine=engines[0], settings=settings, now=utcnow())
        second = run_if_due(engine=engines[1], settings=settings, now=utcnow())
    finally:
        for engine in engines:
            engine.dispose()
    assert first is not None and second is None  # the second finds today's run done
    with Session(db) as session:
        runs = session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "retention")
        ).scalar_one()
    assert runs == 1
