"""Plausibility on the phone's times: too old refused, more doors a minute than a person can
knock refused, a day's outbox at once fine, and a resend never refused (duplicate first)."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.door_logs.plausibility import MAX_AGE, MAX_DOORS_PER_MINUTE
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, ak_totals, district_ids, server_receives_at, sync

NOW = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)


def _in_one_minute(district: int, n: int, **changes: object) -> list[dict[str, object]]:
    return [
        a_log(district, occurred_at=(NOW + timedelta(seconds=i % 60)).isoformat(), **changes)
        for i in range(n)
    ]


def test_a_log_older_than_thirty_days_is_refused_and_the_rest_lands(
    client: TestClient, make_user: MakeUser, staff: Person
):
    # Failed before the fix: a log dated 2003 was `created`.
    vera = make_user("volunteer", aks=["ale"])
    district = district_ids(client, vera, "ale")[0]
    old = a_log(district, occurred_at="2003-05-01T12:00:00+02:00")
    just_old = a_log(
        district, occurred_at=(datetime.now(UTC) - MAX_AGE - timedelta(minutes=1)).isoformat()
    )
    fine = a_log(
        district, occurred_at=(datetime.now(UTC) - MAX_AGE + timedelta(hours=1)).isoformat()
    )
    results = sync(client, vera, [old, just_old, fine])
    assert results == [
        {"id": old["id"], "status": "rejected", "code": "too_old"},
        {"id": just_old["id"], "status": "rejected", "code": "too_old"},
        {"id": fine["id"], "status": "created"},
    ]


def test_a_resend_of_a_stored_log_is_a_duplicate_even_when_it_is_now_too_old(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    vera = make_user("volunteer", aks=["ale"])
    district = district_ids(client, vera, "ale")[0]
    log = a_log(district, occurred_at="2026-05-01T12:00:00+02:00")
    server_receives_at(monkeypatch, "2026-05-02T12:00:00+02:00")
    assert sync(client, vera, [log])[0]["status"] == "created"
    server_receives_at(monkeypatch, "2026-07-01T12:00:00+02:00")
    assert sync(client, vera, [log]) == [{"id": log["id"], "status": "duplicate"}]


def test_more_doors_in_a_minute_than_a_person_can_knock_are_refused(
    client: TestClient, make_user: MakeUser, staff: Person
):
    # Failed before the fix: one invitee's 10,000 `new_member` logs in a second all counted.
    vera = make_user("volunteer", aks=["ale"])
    district = district_ids(client, vera, "ale")[0]
    before = ak_totals(client, staff, NOW.year, "ale")["members"]
    burst = _in_one_minute(district, 50, new_member=True)
    results = sync(client, vera, burst)
    created = [r for r in results if r["status"] == "created"]
    assert len(created) == MAX_DOORS_PER_MINUTE
    assert [r["id"] for r in created] == [log["id"] for log in burst[:MAX_DOORS_PER_MINUTE]]
    assert {r.get("code") for r in results if r["status"] != "created"} == {"implausible_rate"}
    assert ak_totals(client, staff, NOW.year, "ale")["members"] == before + MAX_DOORS_PER_MINUTE
    # The minute is full in a later sync too (the counts are stored), for the same volunteer only.
    one_more = _in_one_minute(district, 1)
    assert sync(client, vera, one_more)[0]["code"] == "implausible_rate"
    olle = make_user("volunteer", aks=["ale"])
    assert sync(client, olle, _in_one_minute(district, 1))[0]["status"] == "created"


def test_a_days_outbox_arriving_at_once_is_fine(client: TestClient, make_user: MakeUser):
    vera = make_user("volunteer", aks=["ale"])
    district = district_ids(client, vera, "ale")[0]
    start = datetime.now(UTC) - timedelta(hours=20)
    day = [
        a_log(district, occurred_at=(start + timedelta(seconds=90 * i)).isoformat())
        for i in range(400)
    ]
    assert {r["status"] for r in sync(client, vera, day)} == {"created"}


def test_resends_in_a_full_minute_are_duplicates_and_new_logs_fill_only_the_room_left(
    client: TestClient, make_user: MakeUser
):
    vera = make_user("volunteer", aks=["ale"])
    district = district_ids(client, vera, "ale")[0]
    minute = _in_one_minute(district, MAX_DOORS_PER_MINUTE + 3)
    half = MAX_DOORS_PER_MINUTE // 2
    assert {r["status"] for r in sync(client, vera, minute[:half])} == {"created"}
    # The first half again (the phone missed the answer) with the rest: the resends are
    # duplicates, never refused, and only the room left in the minute is taken.
    results = sync(client, vera, minute)
    assert [r["status"] for r in results] == (
        ["duplicate"] * half + ["created"] * (MAX_DOORS_PER_MINUTE - half) + ["rejected"] * 3
    )
    assert {r["status"] for r in sync(client, vera, minute[:MAX_DOORS_PER_MINUTE])} == {"duplicate"}
