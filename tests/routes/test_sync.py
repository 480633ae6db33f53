"""POST /api/sync: every log lands exactly once, bad items are refused alone, counts follow."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update
from sqlmodel import Session

from api.core.stockholm import stockholm_today
from api.door_logs import opinions
from api.door_logs.rollups import door_log
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, ak_totals, district_ids, server_receives_at, sync

YEAR = stockholm_today().year


def test_hundred_logs_sent_twice_are_created_then_duplicates_and_totals_are_exact(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    logs = [
        a_log(district, outcome="conversation" if i % 2 else "not_home", topics=[])
        | {"new_member": i % 10 == 1}
        for i in range(100)
    ]
    first = sync(client, volunteer, logs)
    assert [r["status"] for r in first] == ["created"] * 100
    assert [r["id"] for r in first] == [log["id"] for log in logs]
    assert all("code" not in r for r in first)
    second = sync(client, volunteer, logs)
    assert [r["status"] for r in second] == ["duplicate"] * 100

    ale = ak_totals(client, staff, YEAR, "ale")
    assert (ale["doors"], ale["conversations"], ale["members"]) == (100, 50, 10)
    assert ale["conversation_goal"] == 2854 if YEAR == 2026 else True


def test_same_id_with_a_changed_body_is_a_conflict_the_row_unchanged_the_rest_lands(
    client: TestClient, make_user: MakeUser, db: Engine, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    original = a_log(district, outcome="conversation", topics=["skola"])
    assert sync(client, volunteer, [original])[0]["status"] == "created"

    changed = original | {"outcome": "declined", "topics": []}
    fresh = a_log(district, outcome="not_home", topics=[])
    results = sync(client, volunteer, [changed, fresh])
    assert [r["status"] for r in results] == ["conflict", "created"]

    with Session(db) as session:
        stored = session.execute(
            select(door_log).where(door_log.c.id == uuid.UUID(original["id"]))
        ).one()
        topics = opinions.joined(session=session, log_ids=[stored.id])
    assert (stored.outcome, topics[stored.id.int]) == ("conversation", "skola")
    ale = ak_totals(client, staff, YEAR, "ale")
    assert (ale["doors"], ale["conversations"]) == (2, 1)


def test_a_batch_mixing_every_kind_of_bad_item_with_good_ones(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    ale = district_ids(client, volunteer, "ale")[0]
    foreign = district_ids(client, volunteer, "lerum")[0]
    no_time = a_log(ale)
    del no_time["occurred_at"]
    batch = [
        a_log(ale),
        a_log(ale, outcome="maybe"),
        a_log(ale, id="not-a-uuid"),
        a_log(ale, id=12),
        a_log(999_999),
        a_log(foreign),
        no_time,
        a_log(ale, occurred_at="igår vid fyra"),
        a_log(ale, occurred_at="2026-05-01T10:00:00"),  # no offset: which clock?
        a_log(ale) | {"address": "Storgatan 1"},
        a_log(ale, topics=["vapen"]),
        a_log(ale, new_member="ja"),
        "a string, not a log",
        a_log(ale, outcome="no_access", topics=[]),
    ]
    results = sync(client, volunteer, batch)
    assert [(r["status"], r.get("code")) for r in results] == [
        ("created", None),
        ("rejected", "unknown_outcome"),
        ("rejected", "invalid_id"),
        ("rejected", "invalid_id"),
        ("rejected", "unknown_district"),
        ("rejected", "district_not_allowed"),
        ("rejected", "invalid_occurred_at"),
        ("rejected", "invalid_occurred_at"),
        ("rejected", "invalid_occurred_at"),
        ("rejected", "unknown_field"),
        ("rejected", "unknown_topic"),
        ("rejected", "invalid_item"),
        ("rejected", "invalid_item"),
        ("created", None),
    ]
    assert results[1]["id"] == batch[1]["id"]
    assert ak_totals(client, staff, YEAR, "ale")["doors"] == 2
    assert ak_totals(client, staff, YEAR, "lerum")["doors"] == 0


def test_more_than_500_logs_are_refused_whole(client: TestClient, make_user: MakeUser):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    logs = [a_log(district, topics=[]) for _ in range(501)]
    response = client.post("/api/sync", json={"logs": logs}, headers=volunteer.headers)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert sync(client, volunteer, logs[:500])[0]["status"] == "created"


def test_sync_needs_a_session(client: TestClient):
    response = client.post("/api/sync", json={"logs": []})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_token_is_read_as_any_other_route_reads_it(client: TestClient, make_user: MakeUser):
    """POST /api/sync skips FastAPI's router (SyncFastPath): it must still read Authorization
    as HTTPBearer does, and answer refusals before the body's errors, as every route does."""
    volunteer = make_user("volunteer", aks=["ale"])
    token = volunteer.headers["Authorization"].split(" ", 1)[1]
    body = {"logs": [a_log(district_ids(client, volunteer, "ale")[0])]}
    for header, status in [
        (f"bearer {token}", 200),
        (f"Bearer   {token}  ", 200),
        (f"Basic {token}", 401),
        ("Bearer", 401),
        ("Bearer not-a-session", 401),
    ]:
        response = client.post("/api/sync", json=body, headers={"Authorization": header})
        assert response.status_code == status, header
    not_json = client.post("/api/sync", content=b"{", headers={"Authorization": "Bearer x"})
    assert not_json.status_code == 401  # who asks is checked before what is asked
    invalid = client.post("/api/sync", content=b"{", headers=volunteer.headers)
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "validation_error"
    assert invalid.json()["detail"][0]["loc"][0] == "body"
    assert "content-security-policy" in invalid.headers


def test_a_log_belongs_to_the_stockholm_year_at_new_year(
    client: TestClient, make_user: MakeUser, staff: Person, monkeypatch: pytest.MonkeyPatch
):
    server_receives_at(monkeypatch, f"{YEAR}-01-02T12:00:00+01:00")
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    year = YEAR - 1
    in_stockholm = a_log(district, occurred_at=f"{year}-12-31T23:30:00+01:00")
    in_utc = a_log(district, occurred_at=f"{year}-12-31T23:30:00Z")  # 00:30 on 1 January
    assert [r["status"] for r in sync(client, volunteer, [in_stockholm, in_utc])] == [
        "created",
        "created",
    ]
    assert ak_totals(client, staff, year, "ale")["conversations"] == 1
    assert ak_totals(client, staff, year + 1, "ale")["conversations"] == 1


def test_a_clock_far_ahead_is_flagged_and_counted_when_received(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    organiser = make_user("organiser", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    now = datetime.now(UTC)
    skewed = a_log(district, occurred_at=(now + timedelta(days=400)).isoformat())
    nearly = a_log(district, occurred_at=(now + timedelta(hours=23)).isoformat())
    assert [r["status"] for r in sync(client, volunteer, [skewed, nearly])] == ["created"] * 2

    assert ak_totals(client, staff, YEAR + 1, "ale")["conversations"] == 0
    this_year = ak_totals(client, staff, YEAR, "ale")["conversations"]
    next_day_year = (now + timedelta(hours=23)).year
    assert this_year == (2 if next_day_year == YEAR else 1)

    response = client.get("/api/logs/skewed", params={"ak": "ale"}, headers=organiser.headers)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [skewed["id"]]
    assert response.json()[0]["counted_on"] == stockholm_today().isoformat()
    refused = client.get("/api/logs/skewed", params={"ak": "ale"}, headers=volunteer.headers)
    assert refused.status_code == 403


def test_a_voided_log_sent_again_stays_voided(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    log = a_log(district)
    sync(client, volunteer, [log])
    voided = client.post(f"/api/logs/{log['id']}/void", headers=volunteer.headers)
    assert voided.status_code == 200
    assert voided.json()["id"] == log["id"]
    assert ak_totals(client, staff, YEAR, "ale")["doors"] == 0

    assert sync(client, volunteer, [log])[0]["status"] == "duplicate"
    assert ak_totals(client, staff, YEAR, "ale")["doors"] == 0
    again = client.post(f"/api/logs/{log['id']}/void", headers=volunteer.headers)
    assert again.json()["voided_at"] == voided.json()["voided_at"]
    assert ak_totals(client, staff, YEAR, "ale")["doors"] == 0


def test_who_may_void_a_log(client: TestClient, make_user: MakeUser, db: Engine):
    author = make_user("volunteer", aks=["ale"])
    other = make_user("volunteer", aks=["ale"])
    foreign_organiser = make_user("organiser", aks=["lerum"])
    organiser = make_user("organiser", aks=["ale"])
    district = district_ids(client, author, "ale")[0]
    old, recent = a_log(district), a_log(district)
    sync(client, author, [old, recent])
    with Session(db) as session:  # the server got `old` an hour ago: past the author's window
        session.execute(
            update(door_log)
            .where(door_log.c.id == uuid.UUID(old["id"]))
            .values(received_at=datetime.now(UTC) - timedelta(hours=1))
        )
        session.commit()

    def void(log: dict[str, object], who: Person) -> int:
        return client.post(f"/api/logs/{log['id']}/void", headers=who.headers).status_code

    # Someone else's log answers as a missing one would (404), the author's late void 403.
    assert void(recent, other) == 404
    assert void(recent, foreign_organiser) == 404
    assert void(old, author) == 403
    assert void(recent, author) == 200
    assert void(old, organiser) == 200
    assert client.post(f"/api/logs/{uuid.uuid4()}/void", headers=organiser.headers).json()[
        "code"
    ] == ("log_not_found")


def test_totals_read_the_rollup_and_never_the_logs(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    sync(client, volunteer, [a_log(district) for _ in range(3)])
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        paths = ["/api/totals", "/api/totals/pace", "/api/totals/districts", "/api/totals/weeks"]
        paths += ["/api/totals/volunteers", "/api/totals/topics"]
        for path in paths:
            params: dict[str, str | int] = {"year": YEAR, "ak": "ale"}
            assert client.get(path, params=params, headers=staff.headers).status_code == 200
        assert client.get("/api/me/today", headers=volunteer.headers).status_code == 200
        assert client.get("/api/assignments/mine", headers=volunteer.headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements
    assert not [s for s in statements if re.search(r"\bdoor_log\b", s)]


def test_me_today_counts_the_callers_own_logs(client: TestClient, make_user: MakeUser):
    volunteer = make_user("volunteer", aks=["ale"])
    other = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    sync(client, volunteer, [a_log(district, new_member=True), a_log(district, outcome="declined")])
    sync(client, other, [a_log(district)])
    today = client.get("/api/me/today", headers=volunteer.headers).json()
    assert today == {"doors": 2, "conversations": 1, "new_members": 1}


def test_the_same_id_twice_in_one_batch_is_stored_once(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    log = a_log(district)
    other_body = log | {"outcome": "declined", "topics": []}
    results = sync(client, volunteer, [log, log, other_body])
    assert [r["status"] for r in results] == ["created", "duplicate", "conflict"]
    assert ak_totals(client, staff, YEAR, "ale")["doors"] == 1
    stored_changed = log | {"left_material": False}
    assert [r["status"] for r in sync(client, volunteer, [stored_changed, stored_changed])] == [
        "conflict",
        "conflict",
    ]
