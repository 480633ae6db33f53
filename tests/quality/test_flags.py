"""Data-quality flags: each kind is raised by a built history and not by a normal one; a
person keeps a flag or voids the logs behind it (totals and the live stream follow at once);
the review reads rollups only, never door_log. On SQLite and PostgreSQL."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import ANY

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, SQLModel, col, select

from api.door_logs import plausibility
from api.door_logs.plausibility import minute_of
from api.models.accounts import AuditEvent
from api.models.door_logs import QualityMinute, QualityResolution
from api.ops.retention import run_retention
from tests.conftest import MakeUser, Person
from tests.support.sync import ak_totals, district_ids, sync

NOW = datetime.now(UTC)


def door(district: int, at: datetime, outcome: str = "conversation", **more: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "district_id": district,
        "occurred_at": at.isoformat(),
        "outcome": outcome,
        **more,
    }


def a_normal_day(district: int, start: datetime, doors: int = 40) -> list[dict[str, Any]]:
    """A human pace: a door every 40 s, about a third of them a conversation."""
    outcomes = ("conversation", "not_home", "not_home", "declined", "no_access")
    return [
        door(district, start + timedelta(seconds=40 * k), outcomes[k % len(outcomes)])
        for k in range(doors)
    ]


def review(client: TestClient, who: Person, ak: str = "ale") -> dict[str, Any]:
    response = client.get("/api/quality", params={"ak": ak}, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def kinds(body: dict[str, Any]) -> list[str]:
    return sorted(f["kind"] for f in body["flags"])


def test_a_normal_history_raises_no_flag(client: TestClient, make_user: MakeUser, staff: Person):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    # Two days at a human pace, sent at once (an outbox after being offline is normal).
    logs = a_normal_day(district, NOW - timedelta(days=2)) + a_normal_day(
        district, NOW - timedelta(hours=5)
    )
    sync(client, volunteer, logs[:250])
    # A short day of all conversations is luck, not a pattern: below the doors a rate needs.
    short = [door(district, NOW - timedelta(hours=2, seconds=40 * k)) for k in range(20)]
    sync(client, volunteer, short)
    for k in range(6):  # tallies of the usual size
        made = client.post(
            "/api/tallies",
            json={
                "district_id": district,
                "date": (NOW - timedelta(days=k + 1)).date().isoformat(),
                "conversation": 10,
                "not_home": 15 + k,
            },
            headers=organiser.headers,
        )
        assert made.status_code == 201
    body = review(client, organiser)
    assert body["flags"] == [] and body["resolved"] == []
    assert review(client, staff)["flags"] == []


def test_each_kind_is_raised_by_a_built_history(
    client: TestClient, make_user: MakeUser, staff: Person
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"], name="Vera Volontär")
    district = district_ids(client, organiser, "ale")[0]
    # A burst: seven doors eight seconds apart by the phone's clock (the limit refuses only 11+).
    start = (NOW - timedelta(hours=3)).replace(second=0, microsecond=0)
    burst = [door(district, start + timedelta(seconds=8 * k), "not_home") for k in range(7)]
    results = sync(client, volunteer, burst)
    assert {r["status"] for r in results} == {"created"}
    assert kinds(review(client, organiser)) == ["burst"]
    # Contact rate: 32 doors yesterday at a human pace, 30 of them conversations.
    day = (NOW - timedelta(days=1)).replace(hour=10, minute=0)
    chatty = [
        door(district, day + timedelta(seconds=45 * k), "conversation" if k >= 2 else "declined")
        for k in range(32)
    ]
    sync(client, volunteer, chatty)
    # Clock skew: the phone thought it was the day after tomorrow.
    sync(client, volunteer, [door(district, NOW + timedelta(days=2), "not_home")])
    # A tally far above the AK's usual: five of 20 doors, then one of 300.
    for k in range(5):
        client.post(
            "/api/tallies",
            json={"district_id": district, "date": "2026-11-0" + str(k + 1), "not_home": 20},
            headers=organiser.headers,
        )
    big = client.post(
        "/api/tallies",
        json={"district_id": district, "date": "2026-11-20", "conversation": 100, "not_home": 200},
        headers=organiser.headers,
    )
    assert big.status_code == 201
    body = review(client, organiser)
    assert kinds(body) == ["burst", "clock_skew", "contact_rate", "tally"]
    by_kind = {f["kind"]: f for f in body["flags"]}
    # Each flag shows what it rests on.
    assert by_kind["burst"]["facts"]["doors"] == 7
    assert by_kind["burst"]["user_name"] == "Vera Volontär"
    assert "7 kl." in by_kind["burst"]["rests_on"]
    assert by_kind["contact_rate"]["facts"] == {"conversations": 30, "doors": 32}
    assert "30 av 32" in by_kind["contact_rate"]["rests_on"]
    assert by_kind["clock_skew"]["facts"] == {"logs": 1}
    assert by_kind["tally"]["facts"]["doors"] == 300
    assert by_kind["tally"]["facts"]["usual"] == 20
    # Never shown to volunteers (their own flags neither), nor to another AK's organiser.
    assert (
        client.get("/api/quality", params={"ak": "ale"}, headers=volunteer.headers).status_code
        == 403
    )
    lerum = make_user("organiser", aks=["lerum"])
    assert (
        client.get("/api/quality", params={"ak": "ale"}, headers=lerum.headers).status_code == 403
    )
    assert review(client, lerum, "lerum")["flags"] == []
    # Staff see them too; reading them is audited per person shown.
    assert kinds(review(client, staff)) == kinds(body)


def test_a_volunteers_own_ak_sees_flags_of_logs_in_another_aks_district(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    ale_organiser = make_user("organiser", aks=["ale"])
    lerum_organiser = make_user("organiser", aks=["lerum"])
    lerum = district_ids(client, staff, "lerum")[0]
    assigned = client.post(
        "/api/assignments",
        json={"district_id": lerum, "user_id": volunteer.id},
        headers=staff.headers,
    )
    assert assigned.status_code == 201
    start = (NOW - timedelta(hours=4)).replace(second=0, microsecond=0)
    sync(client, volunteer, [door(lerum, start + timedelta(seconds=5 * k)) for k in range(6)])
    day = (NOW - timedelta(days=1)).replace(hour=9, minute=0)
    sync(client, volunteer, [door(lerum, day + timedelta(seconds=50 * k)) for k in range(30)])
    both = ["burst", "contact_rate"]
    assert kinds(review(client, ale_organiser)) == both  # the volunteer's own AK
    assert kinds(review(client, lerum_organiser, "lerum")) == both  # the district's AK
    assert review(client, make_user("organiser", aks=["kungalv"]), "kungalv")["flags"] == []


def _burst(
    client: TestClient, who: Person, district: int, hours_ago: int = 3
) -> list[dict[str, Any]]:
    start = (NOW - timedelta(hours=hours_ago)).replace(second=0, microsecond=0)
    logs = [door(district, start + timedelta(seconds=9 * k), new_member=True) for k in range(6)]
    assert {r["status"] for r in sync(client, who, logs)} == {"created"}
    return logs


def test_voiding_a_flags_logs_changes_totals_at_once_and_live(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine, live_hook: list[int]
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    sync(client, volunteer, a_normal_day(district, NOW - timedelta(hours=6), doors=10))
    logs = _burst(client, volunteer, district)
    year = NOW.year
    before = ak_totals(client, staff, year, "ale")
    (flag,) = review(client, organiser)["flags"]
    voided = client.post(
        f"/api/quality/flags/{flag['key']}/void", params={"ak": "ale"}, headers=organiser.headers
    )
    assert voided.status_code == 200, voided.text
    assert voided.json()["decision"] == "void" and voided.json()["voided"] == 6
    after = ak_totals(client, staff, year, "ale")
    assert after["doors"] == before["doors"] - 6
    assert after["members"] == before["members"] - 6
    assert live_hook[-1] == year
    # The logs behind it are gone from the rollup too: no flag, and a recount agrees.
    assert review(client, organiser)["flags"] == []
    with Session(db) as session:
        assert plausibility.stored_quality(session=session) == plausibility.recount_quality(
            session=session
        )
        assert plausibility.stored_quality_days(
            session=session
        ) == plausibility.recount_quality_days(session=session)
        audited = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "quality.void")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(a.actor_id, a.target_user_id, a.ak) for a in audited] == [
        (organiser.id, volunteer.id, "ale")
    ]
    # A tombstone: the phone sending them again changes nothing.
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"duplicate"}
    assert ak_totals(client, staff, year, "ale")["doors"] == after["doors"]


def test_stammer_keeps_the_logs_and_is_audited_once(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    _burst(client, volunteer, district)
    doors = ak_totals(client, staff, NOW.year, "ale")["doors"]
    (flag,) = review(client, organiser)["flags"]
    url = f"/api/quality/flags/{flag['key']}/keep"
    kept = client.post(url, params={"ak": "ale"}, headers=organiser.headers)
    assert kept.status_code == 200, kept.text
    assert kept.json()["decision"] == "keep"
    assert ak_totals(client, staff, NOW.year, "ale")["doors"] == doors
    body = review(client, organiser)
    assert body["flags"] == []
    assert [(f["key"], f["decision"]) for f in body["resolved"]] == [(flag["key"], "keep")]
    again = client.post(url, params={"ak": "ale"}, headers=staff.headers)
    assert (again.status_code, again.json()["code"]) == (409, "flag_resolved")
    gone = client.post(
        "/api/quality/flags/burst-1-1-20200101/keep",
        params={"ak": "ale"},
        headers=organiser.headers,
    )
    assert (gone.status_code, gone.json()["code"]) == (404, "flag_not_found")
    with Session(db) as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "quality.keep")).all()
        reads = session.exec(select(AuditEvent).where(AuditEvent.action == "quality.review")).all()
    assert [(a.actor_id, a.target_user_id) for a in audited] == [(organiser.id, volunteer.id)]
    assert volunteer.id in {a.target_user_id for a in reads}


def test_a_voided_tally_flag_takes_the_tally_away(
    client: TestClient, make_user: MakeUser, staff: Person
):
    organiser = make_user("organiser", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    for k in range(5):
        client.post(
            "/api/tallies",
            json={"district_id": district, "date": f"2026-10-1{k}", "not_home": 10},
            headers=organiser.headers,
        )
    client.post(
        "/api/tallies",
        json={"district_id": district, "date": "2026-10-20", "not_home": 90},
        headers=organiser.headers,
    )
    doors = ak_totals(client, staff, 2026, "ale")["doors"]
    (flag,) = review(client, organiser)["flags"]
    assert flag["kind"] == "tally"
    voided = client.post(
        f"/api/quality/flags/{flag['key']}/void", params={"ak": "ale"}, headers=organiser.headers
    )
    assert voided.status_code == 200 and voided.json()["voided"] == 90
    assert ak_totals(client, staff, 2026, "ale")["doors"] == doors - 90


def test_the_review_reads_rollups_never_door_log(
    client: TestClient, make_user: MakeUser, db: Engine
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    _burst(client, volunteer, district)
    sync(client, volunteer, [door(district, NOW + timedelta(days=2))])
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        body = review(client, organiser)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert kinds(body) == ["burst", "clock_skew"]
    assert any("quality_minute" in s for s in seen)
    assert [s for s in seen if re.search(r"\bdoor_log\b", s)] == []


def test_the_partial_indexes_hold_the_thresholds_of_plausibility():
    (burst,) = [
        i
        for i in SQLModel.metadata.tables["quality_minute"].indexes
        if i.name == "ix_quality_minute_burst"
    ]
    where = str(burst.dialect_options["sqlite"]["where"])
    assert where == f"n >= {plausibility.BURST_DOORS_PER_MINUTE}"
    assert str(burst.dialect_options["postgresql"]["where"]) == where
    assert QualityMinute.__tablename__ == plausibility.QUALITY_TABLE
    (rate,) = SQLModel.metadata.tables[plausibility.RATE_TABLE].indexes
    assert str(rate.dialect_options["sqlite"]["where"]) == where
    assert str(rate.dialect_options["postgresql"]["where"]) == where
    (contact,) = SQLModel.metadata.tables["quality_day"].indexes
    assert str(contact.dialect_options["sqlite"]["where"]) == plausibility.CONTACT_RATE_WHERE
    assert str(contact.dialect_options["postgresql"]["where"]) == plausibility.CONTACT_RATE_WHERE


def test_erasure_takes_the_decisions_and_keeps_the_rollup_exact(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    _burst(client, volunteer, district)
    _burst(client, volunteer, district, hours_ago=30)
    first, _second = review(client, organiser)["flags"]
    kept = client.post(
        f"/api/quality/flags/{first['key']}/keep", params={"ak": "ale"}, headers=organiser.headers
    )
    assert kept.status_code == 200
    erased = client.post(f"/api/users/{volunteer.id}/erase", headers=organiser.headers)
    assert erased.status_code == 200, erased.text
    # A flag about an erased person's logs would be about nobody: none is shown.
    assert review(client, organiser) == {"flags": [], "resolved": [], "thresholds": ANY}
    with Session(db) as session:
        assert session.exec(select(QualityResolution)).all() == []
        assert not session.exec(
            select(QualityMinute).where(QualityMinute.user_id == volunteer.id)
        ).all()
        assert plausibility.stored_quality(session=session) == plausibility.recount_quality(
            session=session
        )
        assert plausibility.stored_quality_days(
            session=session
        ) == plausibility.recount_quality_days(session=session)


def test_a_burst_over_two_districts_in_one_minute_is_one_flag_and_voids_in_both(
    client: TestClient, make_user: MakeUser, staff: Person
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    a, b = district_ids(client, organiser, "ale")[:2]
    # A normal walk over the same border: a door every 30 s, in turn, raises nothing.
    calm = (NOW - timedelta(hours=5)).replace(second=0, microsecond=0)
    walk = [door((a, b)[k % 2], calm + timedelta(seconds=30 * k)) for k in range(12)]
    assert {r["status"] for r in sync(client, volunteer, walk)} == {"created"}
    assert review(client, organiser)["flags"] == []
    # Three doors on each side of the street within one minute: six, the burst threshold.
    start = (NOW - timedelta(hours=3)).replace(second=0, microsecond=0)
    logs = [door((a, b)[k % 2], start + timedelta(seconds=9 * k)) for k in range(6)]
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"created"}
    (flag,) = review(client, organiser)["flags"]
    assert flag["kind"] == "burst" and flag["user_id"] == volunteer.id
    assert flag["facts"]["doors"] == 6 and "i 2 valdistrikt" in flag["rests_on"]
    names = {
        d["id"]: d["name"]
        for d in client.get(
            "/api/districts", params={"ak": "ale"}, headers=organiser.headers
        ).json()
    }
    assert flag["district_name"] == f"{names[a]} och {names[b]}"
    doors = ak_totals(client, staff, NOW.year, "ale")["doors"]
    voided = client.post(
        f"/api/quality/flags/{flag['key']}/void", params={"ak": "ale"}, headers=organiser.headers
    )
    assert voided.status_code == 200, voided.text
    assert voided.json()["voided"] == 6  # the burst's doors in both districts, not the walk
    assert ak_totals(client, staff, NOW.year, "ale")["doors"] == doors - 6
    assert review(client, organiser)["flags"] == []


def test_a_second_burst_the_same_day_after_stammer_opens_the_flag_again(
    client: TestClient, make_user: MakeUser
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    first = _burst(client, volunteer, district)
    (flag,) = review(client, organiser)["flags"]
    kept = client.post(
        f"/api/quality/flags/{flag['key']}/keep", params={"ak": "ale"}, headers=organiser.headers
    )
    assert kept.status_code == 200, kept.text
    assert review(client, organiser)["flags"] == []
    # Five minutes on, the same volunteer bursts again in the same district: "stämmer" was
    # about the six doors it saw, not about what came after.
    later = datetime.fromisoformat(first[0]["occurred_at"]) + timedelta(minutes=5)
    logs = [door(district, later + timedelta(seconds=9 * k)) for k in range(6)]
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"created"}
    (again,) = review(client, organiser)["flags"]
    assert again["kind"] == "burst" and again["key"] != flag["key"]
    assert again["facts"]["doors"] == 12 and len(again["facts"]["minutes"]) == 2


def test_gallring_drops_old_minutes_and_decisions(db: Engine, make_user: MakeUser):
    volunteer = make_user("volunteer", aks=["ale"])
    now = datetime.now(UTC)
    with Session(db) as session:
        old = minute_of(now - timedelta(days=61))
        recent = minute_of(now - timedelta(days=40))
        session.add(QualityMinute(user_id=volunteer.id, district_id=1, minute=old, n=7))
        session.add(QualityMinute(user_id=volunteer.id, district_id=1, minute=recent, n=7))
        session.add(
            QualityResolution(
                flag_key="burst-1-1-20260101",
                kind="burst",
                decision="keep",
                subject_user_id=volunteer.id,
                decided_by=volunteer.id,
                ak="ale",
                decided_at=now - timedelta(days=31),
            )
        )
        session.commit()
        run_retention(
            session=session, now=now, volunteer_inactive_days=0, audit_days=0, dry_run=False
        )
        session.commit()
        assert [m.minute for m in session.exec(select(QualityMinute)).all()] == [recent]
        assert session.exec(select(QualityResolution)).all() == []


def test_voiding_a_contact_rate_or_clock_skew_flag_voids_exactly_its_logs(
    client: TestClient, make_user: MakeUser, staff: Person
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    day = (NOW - timedelta(days=2)).replace(hour=10, minute=0)
    sync(client, volunteer, [door(district, day + timedelta(seconds=50 * k)) for k in range(31)])
    sync(client, volunteer, [door(district, NOW + timedelta(days=3), "not_home") for _ in range(2)])
    sync(client, volunteer, a_normal_day(district, NOW - timedelta(hours=8), doors=10))
    doors = ak_totals(client, staff, NOW.year, "ale")["doors"]
    flags = {f["kind"]: f for f in review(client, organiser)["flags"]}
    assert sorted(flags) == ["clock_skew", "contact_rate"]
    for kind, expected in (("contact_rate", 31), ("clock_skew", 2)):
        done = client.post(
            f"/api/quality/flags/{flags[kind]['key']}/void",
            params={"ak": "ale"},
            headers=organiser.headers,
        )
        assert (done.status_code, done.json()["voided"]) == (200, expected)
        doors -= expected
        assert ak_totals(client, staff, NOW.year, "ale")["doors"] == doors
    assert review(client, organiser)["flags"] == []
