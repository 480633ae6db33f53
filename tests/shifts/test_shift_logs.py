"""Logs carrying a shift: counted once for it under resends and races, a bad reference dropped
with a warning (never costing the door), the summary equal to a recount from door_log."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.door_logs.rollups import door_log, recount_shifts, stored_shift_counts
from tests.conftest import MakeUser
from tests.support.shifts import make_shift, summary_of
from tests.support.sync import a_log, ak_totals, district_ids, sync


def _stored_shift_id(db: Engine, log_id: str) -> int | None:
    import uuid

    with Session(db) as session:
        return session.execute(
            select(door_log.c.shift_id).where(door_log.c.id == uuid.UUID(log_id))
        ).scalar_one()


def test_logs_during_the_shift_count_for_it_and_the_summary_equals_a_recount(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle)
    vera = make_user("volunteer", aks=["ale"])
    assert client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers).status_code == 200
    district = shift["district_ids"][0]
    logs = [
        a_log(district, shift_id=shift["id"], outcome="conversation", new_member=True),
        a_log(district, shift_id=shift["id"], outcome="not_home", topics=[]),
        a_log(district, shift_id=shift["id"], outcome="conversation"),
    ]
    results = sync(client, vera, logs)
    assert [r["status"] for r in results] == ["created"] * 3
    assert all("warning" not in r for r in results)
    summary = summary_of(client, vera, shift["id"])
    assert summary["doors"] == 3
    assert summary["conversations"] == 2
    assert summary["members"] == 1
    assert summary["signed_up"] == 1
    assert summary["came"] == 1
    assert summary["first_timers"] == 1
    assert summary["contact_rate"] == round(2 / 3, 3)
    assert summary["mine"] == {"doors": 3, "conversations": 2, "members": 1}
    with Session(db) as session:
        assert stored_shift_counts(session=session) == recount_shifts(session=session)
    # Voiding a log takes it out of the shift's figures too.
    assert client.post(f"/api/logs/{logs[0]['id']}/void", headers=vera.headers).status_code == 200
    after = summary_of(client, olle, shift["id"])
    assert (after["doors"], after["conversations"], after["members"]) == (2, 1, 0)
    assert after["no_shows"] == []
    with Session(db) as session:
        assert stored_shift_counts(session=session) == recount_shifts(session=session)


def test_a_shift_it_cannot_belong_to_is_dropped_with_a_warning_and_the_door_still_counts(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    lerum_org = make_user("organiser", aks=["lerum"])
    shift = make_shift(client, olle)
    foreign = make_shift(client, lerum_org, ak="lerum")
    vera = make_user("volunteer", aks=["ale"])
    district = shift["district_ids"][0]
    other_district = next(
        d for d in district_ids(client, vera, "ale") if d not in shift["district_ids"]
    )
    late = (datetime.fromisoformat(shift["ends_at"]) + timedelta(hours=2, minutes=5)).isoformat()
    year = datetime.now(UTC).year
    before = ak_totals(client, vera, year, "ale")["doors"]
    logs = [
        a_log(district, shift_id=foreign["id"]),  # another AK's
        a_log(district, shift_id=987654),  # does not exist
        a_log(district, shift_id="nonsense"),  # not even an id
        a_log(other_district, shift_id=shift["id"]),  # not one of the shift's districts
        a_log(district, shift_id=shift["id"], occurred_at=late),  # too long after it
    ]
    results = sync(client, vera, logs)
    assert [r["status"] for r in results] == ["created"] * 5
    assert [r["warning"] for r in results] == [
        "unknown_shift",
        "unknown_shift",
        "unknown_shift",
        "outside_shift",
        "outside_shift",
    ]
    assert all(_stored_shift_id(db, log["id"]) is None for log in logs)
    assert summary_of(client, olle, shift["id"])["doors"] == 0
    assert summary_of(client, lerum_org, foreign["id"])["doors"] == 0
    assert ak_totals(client, vera, year, "ale")["doors"] - before == 5  # every door counts
    # Resent, a log whose reference was dropped is a duplicate, not a conflict.
    again = sync(client, vera, logs)
    assert [r["status"] for r in again] == ["duplicate"] * 5
    assert all("warning" not in r for r in again)


def test_a_log_up_to_two_hours_outside_the_shift_still_belongs_to_it(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, starts_in=timedelta(hours=-6), hours=2)
    district = shift["district_ids"][0]
    edge = (datetime.fromisoformat(shift["ends_at"]) + timedelta(hours=1, minutes=55)).isoformat()
    results = sync(client, olle, [a_log(district, shift_id=shift["id"], occurred_at=edge)])
    assert results == [{"id": results[0]["id"], "status": "created"}]
    assert summary_of(client, olle, shift["id"])["doors"] == 1


def test_the_same_shift_log_sent_at_once_and_again_counts_once(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle)
    vera = make_user("volunteer", aks=["ale"])
    district = shift["district_ids"][0]
    senders, rounds = 8, 5
    with ThreadPoolExecutor(max_workers=senders) as pool:
        for _ in range(rounds):
            log = a_log(district, shift_id=shift["id"])
            barrier = threading.Barrier(senders)

            def send(log: dict[str, object] = log, barrier: threading.Barrier = barrier) -> str:
                barrier.wait()
                response = client.post("/api/sync", json={"logs": [log]}, headers=vera.headers)
                assert response.status_code == 200
                status: str = response.json()["results"][0]["status"]
                return status

            statuses = sorted(pool.map(lambda _: send(), range(senders)))
            assert statuses == ["created"] + ["duplicate"] * (senders - 1)
    assert summary_of(client, olle, shift["id"])["doors"] == rounds
    with Session(db) as session:
        assert stored_shift_counts(session=session) == recount_shifts(session=session)


def test_check_in_counts_as_came_once_and_no_shows_are_listed(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    leader = make_user("volunteer", aks=["ale"], name="Lena")
    shift = make_shift(client, olle, leader_id=leader.id)
    vera = make_user("volunteer", aks=["ale"], name="Vera")
    nils = make_user("volunteer", aks=["ale"], name="Nils")
    for who in (vera, nils):
        assert (
            client.post(f"/api/shifts/{shift['id']}/signup", headers=who.headers).status_code == 200
        )
    url = f"/api/shifts/{shift['id']}/checkins"
    refused = client.post(url, json={"user_id": nils.id}, headers=vera.headers)
    assert refused.status_code == 403
    first = client.post(url, json={"user_id": vera.id}, headers=leader.headers)
    assert first.json() == {"checked_in": True, "changed": True}
    again = client.post(url, json={"user_id": vera.id}, headers=leader.headers)
    assert again.json() == {"checked_in": True, "changed": False}
    summary = summary_of(client, leader, shift["id"])
    assert summary["came"] == 1
    assert [p["name"] for p in summary["no_shows"]] == ["Nils"]
    # The leader sees the names; a volunteer of the shift does not.
    assert "no_shows" not in summary_of(client, vera, shift["id"])


def test_gallring_deletes_sign_ups_of_shifts_ended_long_ago_and_keeps_the_counts(
    client: TestClient, make_user: MakeUser, db: Engine
):
    from api.core.db import utcnow
    from api.models.shifts import Shift, ShiftSignup
    from api.ops.retention import run_retention

    olle = make_user("organiser", aks=["ale"])
    old, recent = make_shift(client, olle), make_shift(client, olle)
    vera = make_user("volunteer", aks=["ale"])
    for shift in (old, recent):
        assert (
            client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers).status_code
            == 200
        )
    sync(client, vera, [a_log(old["district_ids"][0], shift_id=old["id"])])
    with Session(db) as session:
        ancient = utcnow() - timedelta(days=91)
        session.execute(
            Shift.__table__.update()  # type: ignore[attr-defined]
            .where(Shift.__table__.c.id == old["id"])  # type: ignore[attr-defined]
            .values(starts_at=ancient - timedelta(hours=3), ends_at=ancient)
        )
        session.commit()
        run_retention(
            session=session,
            now=utcnow(),
            volunteer_inactive_days=0,
            audit_days=0,
            dry_run=False,
            shift_signup_days=90,
        )
        session.commit()
        kept = session.execute(select(ShiftSignup.shift_id)).scalars().all()
    assert kept == [recent["id"]]
    assert summary_of(client, olle, old["id"])["doors"] == 1
