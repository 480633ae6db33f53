"""Knackpass over HTTP: create, sign up (member and newcomer), capacity, cancel, calendar."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import icalendar
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.shifts import Shift, ShiftSignup
from tests.conftest import MakeUser
from tests.support.accounts import bearer
from tests.support.shifts import make_shift
from tests.support.sync import district_ids


def test_organiser_creates_a_shift_with_the_default_capacity(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle)
    assert shift["ak"] == "ale"
    assert shift["capacity"] == 30
    assert shift["signed_up"] == 0
    assert shift["signup_url"].endswith(f"/join/{shift['signup_code']}")
    listed = client.get("/api/shifts", params={"ak": "ale"}, headers=olle.headers).json()
    assert [s["id"] for s in listed] == [shift["id"]]
    with Session(db) as session:
        stored = session.exec(select(Shift)).one()
        assert shift["signup_code"] not in stored.signup_hash  # only a digest is kept


def test_capacity_above_one_hundred_and_foreign_districts_are_refused(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    response = client.post(
        "/api/shifts",
        json={
            "ak": "ale",
            "starts_at": "2026-12-05T10:00:00+01:00",
            "ends_at": "2026-12-05T13:00:00+01:00",
            "meeting_point": "Ale torg",
            "district_ids": [1],
            "capacity": 101,
        },
        headers=olle.headers,
    )
    assert response.status_code == 422
    lerum = make_user("organiser", aks=["lerum"])
    foreign = district_ids(client, lerum, "lerum")[:1]
    response = client.post(
        "/api/shifts",
        json={
            "ak": "ale",
            "starts_at": "2026-12-05T10:00:00+01:00",
            "ends_at": "2026-12-05T13:00:00+01:00",
            "meeting_point": "Ale torg",
            "district_ids": foreign,
        },
        headers=olle.headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_district"


def test_member_signs_up_once_then_full_then_cancel_frees_the_place(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, capacity=2)
    vera, nils, kim = (make_user("volunteer", aks=["ale"]) for _ in range(3))
    url = f"/api/shifts/{shift['id']}/signup"
    first = client.post(url, headers=vera.headers)
    assert first.status_code == 200
    assert first.json()["me_signed_up"] is True
    again = client.post(url, headers=vera.headers)
    assert again.status_code == 200
    assert again.json()["signed_up"] == 1  # no second sign-up
    assert client.post(url, headers=nils.headers).status_code == 200
    full = client.post(url, headers=kim.headers)
    assert full.status_code == 409
    assert full.json()["code"] == "shift_full"
    assert client.delete(url, headers=vera.headers).status_code == 204
    assert client.post(url, headers=kim.headers).status_code == 200
    mine = client.get("/api/shifts/mine", headers=kim.headers).json()
    assert [s["id"] for s in mine] == [shift["id"]]


def test_another_aks_shift_is_not_found(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle)
    stranger = make_user("volunteer", aks=["lerum"])
    for method, path in (
        ("POST", f"/api/shifts/{shift['id']}/signup"),
        ("GET", f"/api/shifts/{shift['id']}"),
        ("GET", f"/api/shifts/{shift['id']}/summary"),
    ):
        response = client.request(method, path, headers=stranger.headers)
        assert response.status_code == 404
        assert response.json()["code"] == "shift_not_found"
    missing = client.post("/api/shifts/999999/signup", headers=stranger.headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "shift_not_found"


def test_newcomer_joins_and_signs_up_from_the_link(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle)
    response = client.post("/api/auth/redeem", json={"code": shift["signup_code"], "name": "Sara"})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = client.get("/api/me", headers=bearer(token)).json()
    assert me["aks"] == ["ale"] and me["role"] == "volunteer"
    mine = client.get("/api/shifts/mine", headers=bearer(token)).json()
    assert [s["id"] for s in mine] == [shift["id"]]
    detail = client.get(f"/api/shifts/{shift['id']}", headers=olle.headers).json()
    assert [p["name"] for p in detail["signups"]] == ["Sara"]
    assert detail["signups"][0]["newcomer"] is True
    # Other volunteers see how many are coming, not who.
    other = make_user("volunteer", aks=["ale"])
    seen = client.get(f"/api/shifts/{shift['id']}", headers=other.headers).json()
    assert seen["signups"] is None and seen["signed_up"] == 1
    with Session(db) as session:
        assert session.exec(select(ShiftSignup)).one().newcomer


def test_a_link_admits_at_most_capacity_newcomers_over_its_life(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, capacity=2)
    tokens = []
    for name in ("Ett", "Två"):
        response = client.post(
            "/api/auth/redeem", json={"code": shift["signup_code"], "name": name}
        )
        assert response.status_code == 200
        tokens.append(response.json()["access_token"])
    # Cancelling does not give the link a newcomer back.
    assert (
        client.delete(f"/api/shifts/{shift['id']}/signup", headers=bearer(tokens[0])).status_code
        == 204
    )
    third = client.post("/api/auth/redeem", json={"code": shift["signup_code"], "name": "Tre"})
    assert third.status_code == 409
    assert third.json()["code"] == "shift_full"
    # ... but a member can take the freed place.
    vera = make_user("volunteer", aks=["ale"])
    assert client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers).status_code == 200


def test_the_last_place_goes_to_one_of_two_racing_phones(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, capacity=1)
    people = [make_user("volunteer", aks=["ale"]) for _ in range(6)]
    url = f"/api/shifts/{shift['id']}/signup"
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda p: client.post(url, headers=p.headers).status_code, people))
    assert sorted(codes) == [200] + [409] * 5
    assert client.get(f"/api/shifts/{shift['id']}", headers=olle.headers).json()["signed_up"] == 1


def test_a_cancelled_shift_takes_no_sign_ups(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle)
    vera = make_user("volunteer", aks=["ale"])
    assert client.delete(f"/api/shifts/{shift['id']}", headers=vera.headers).status_code == 403
    assert client.delete(f"/api/shifts/{shift['id']}", headers=olle.headers).status_code == 204
    refused = client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers)
    assert refused.status_code == 410
    assert refused.json()["code"] == "shift_cancelled"


def test_calendar_file_is_real_icalendar_in_stockholm_time(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, starts_in=timedelta(days=2))
    response = client.get(f"/api/shifts/{shift['id']}/calendar.ics", headers=olle.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    event = next(iter(cal.walk("VEVENT")))
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Stockholm"
    # iCalendar keeps whole seconds.
    assert start == datetime.fromisoformat(shift["starts_at"]).replace(microsecond=0)
    assert any(c.name == "VTIMEZONE" for c in cal.walk())
