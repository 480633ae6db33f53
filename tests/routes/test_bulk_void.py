"""An organiser voids a volunteer's logs in a time range of the last 30 days: tombstones that
a resend never brings back, taken out of every count, audited, announced live."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.models.accounts import AuditEvent
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, ak_totals, district_ids, sync

NOW = datetime.now(UTC)


def _at(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def _void(client: TestClient, who: Person, user_id: int, starts: str, ends: str):
    return client.post(
        f"/api/users/{user_id}/logs/void",
        json={"starts_at": starts, "ends_at": ends},
        headers=who.headers,
    )


def test_an_organiser_voids_a_volunteers_logs_in_a_range_and_only_those(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine, live_hook: list[int]
):
    organiser = make_user("organiser", aks=["ale"])
    prankster = make_user("volunteer", aks=["ale"])
    honest = make_user("volunteer", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    in_range = [a_log(district, occurred_at=_at(60 + k), new_member=True) for k in range(5)]
    before_range = a_log(district, occurred_at=_at(300))
    sync(client, prankster, [*in_range, before_range])
    sync(client, honest, [a_log(district, occurred_at=_at(61))])
    year = NOW.year
    members = ak_totals(client, staff, year, "ale")["members"]
    doors = ak_totals(client, staff, year, "ale")["doors"]

    response = _void(client, organiser, prankster.id, _at(120), _at(30))
    assert response.status_code == 200, response.text
    assert response.json() == {"voided": 5}
    assert ak_totals(client, staff, year, "ale")["members"] == members - 5
    assert ak_totals(client, staff, year, "ale")["doors"] == doors - 5
    assert live_hook[-1] == year
    # A tombstone: the phone sending the logs again changes nothing.
    assert {r["status"] for r in sync(client, prankster, in_range)} == {"duplicate"}
    assert ak_totals(client, staff, year, "ale")["doors"] == doors - 5
    # Again: nothing more to void.
    assert _void(client, organiser, prankster.id, _at(120), _at(30)).json() == {"voided": 0}
    with Session(db) as session:
        audited = session.exec(
            select(AuditEvent).where(AuditEvent.action == "logs.void").order_by(col(AuditEvent.id))
        ).all()
    assert [(a.actor_id, a.target_user_id) for a in audited][-2:] == [
        (organiser.id, prankster.id)
    ] * 2
    assert audited[-2].detail is not None and audited[-2].detail.startswith("5 logs")


def test_a_bulk_void_reaches_only_the_last_30_days_and_the_callers_aks(
    client: TestClient, make_user: MakeUser, staff: Person
):
    ale_organiser = make_user("organiser", aks=["ale"])
    lerum_organiser = make_user("organiser", aks=["lerum"])
    volunteer = make_user("volunteer", aks=["ale"])
    lerum = district_ids(client, staff, "lerum")[0]
    ale = district_ids(client, staff, "ale")[0]
    assigned = client.post(
        "/api/assignments",
        json={"district_id": lerum, "user_id": volunteer.id},
        headers=staff.headers,
    )
    assert assigned.status_code == 201
    sync(client, volunteer, [a_log(ale, occurred_at=_at(60)), a_log(lerum, occurred_at=_at(61))])
    # Another AK's volunteer: as if there were no such person.
    foreign = _void(client, lerum_organiser, volunteer.id, _at(120), _at(30))
    assert (foreign.status_code, foreign.json()["code"]) == (404, "user_not_found")
    old = _void(
        client, ale_organiser, volunteer.id, (NOW - timedelta(days=31)).isoformat(), _at(30)
    )
    assert (old.status_code, old.json()["code"]) == (422, "invalid_period")
    backwards = _void(client, ale_organiser, volunteer.id, _at(30), _at(120))
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_period")
    naive = _void(client, ale_organiser, volunteer.id, "2026-01-01T10:00:00", _at(30))
    assert naive.status_code == 422
    # The Ale organiser voids the Ale log only; the Lerum district's log is Lerum's to void.
    assert _void(client, ale_organiser, volunteer.id, _at(120), _at(30)).json() == {"voided": 1}
    assert _void(client, staff, volunteer.id, _at(120), _at(30)).json() == {"voided": 1}
    refused = _void(client, volunteer, volunteer.id, _at(120), _at(30))
    assert refused.status_code == 403
