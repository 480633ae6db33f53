"""Totals per AK against the goals, and the finer views organisers and staff follow."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.core.stockholm import stockholm_today
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, server_receives_at, sync

LAST_YEAR = stockholm_today().year - 1


def _at(day: date, hour: int = 12) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+01:00"


def test_totals_have_every_ak_with_goals_and_a_sum(
    client: TestClient, make_user: MakeUser, staff: Person, monkeypatch: pytest.MonkeyPatch
):
    server_receives_at(monkeypatch, _at(date(2025, 3, 4)))
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    sync(client, volunteer, [a_log(district, occurred_at=_at(date(2025, 3, 3)), new_member=True)])
    body = client.get("/api/totals", params={"year": 2025}, headers=volunteer.headers).json()
    assert body["year"] == 2025
    assert len(body["aks"]) == 11
    ale = next(a for a in body["aks"] if a["ak"] == "ale")
    assert ale == {
        "ak": "ale",
        "name": "Ale",
        "conversations": 1,
        "conversation_goal": 1427,
        "doors": 1,
        "members": 1,
        "member_goal": 22,
        "recruits": 1,
        "workplace_conversations": 0,
        "stall_conversations": 0,
    }
    assert set(body["total"]) == {
        "recruits",
        "workplace_conversations",
        "stall_conversations",
        "conversations",
        "conversation_goal",
        "doors",
        "members",
        "member_goal",
    }
    assert body["total"]["conversations"] == 1
    assert body["total"]["conversation_goal"] == sum(a["conversation_goal"] for a in body["aks"])


def test_finer_views_per_district_week_volunteer_and_topic(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    organiser = make_user("organiser", aks=["ale"])
    anna = make_user("volunteer", aks=["ale"], name="Anna")
    bo = make_user("volunteer", aks=["ale"], name="Bo")
    first, second = district_ids(client, anna, "ale")[:2]
    monday = date(LAST_YEAR, 3, 2) - timedelta(days=date(LAST_YEAR, 3, 2).weekday())
    server_receives_at(monkeypatch, _at(monday + timedelta(days=9)))
    sync(
        client,
        anna,
        [
            a_log(first, occurred_at=_at(monday), topics=["skola", "jobb"]),
            a_log(first, occurred_at=_at(monday + timedelta(days=1)), topics=["skola"]),
            a_log(
                second, occurred_at=_at(monday + timedelta(days=7)), outcome="not_home", topics=[]
            ),
        ],
    )
    sync(client, bo, [a_log(second, occurred_at=_at(monday + timedelta(days=8)), topics=[])])

    def view(name: str, who: Person = organiser) -> list[dict[str, object]]:
        response = client.get(
            f"/api/totals/{name}", params={"year": LAST_YEAR, "ak": "ale"}, headers=who.headers
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    districts = {d["district_id"]: d for d in view("districts")}
    assert (districts[first]["doors"], districts[first]["conversations"]) == (2, 2)
    assert (districts[second]["doors"], districts[second]["conversations"]) == (2, 1)
    week = monday.isocalendar().week
    weeks = [(w["week"], w["doors"], w["conversations"]) for w in view("weeks")]
    assert weeks == [(week, 2, 2), (week + 1, 2, 1)]
    volunteers = [(v["name"], v["doors"], v["conversations"]) for v in view("volunteers")]
    assert volunteers == [("Anna", 3, 2), ("Bo", 1, 1)]
    topics = [(t["slug"], t["label"], t["conversations"]) for t in view("topics")]
    assert topics == [("skola", "Skola", 2), ("jobb", "Jobb", 1)]

    for name in ("districts", "weeks", "volunteers", "topics"):
        response = client.get(
            f"/api/totals/{name}", params={"year": LAST_YEAR, "ak": "ale"}, headers=anna.headers
        )
        assert response.status_code == 403
    lerum = make_user("organiser", aks=["lerum"])
    response = client.get(
        "/api/totals/volunteers", params={"year": LAST_YEAR, "ak": "ale"}, headers=lerum.headers
    )
    assert response.status_code == 403


def test_pace_uses_the_share_of_the_period_and_shows_the_member_register(
    client: TestClient, make_user: MakeUser, staff: Person, monkeypatch: pytest.MonkeyPatch
):
    server_receives_at(monkeypatch, _at(date(LAST_YEAR, 6, 2)))
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    sync(client, volunteer, [a_log(district, occurred_at=_at(date(LAST_YEAR, 6, 1)))])
    pace = client.get("/api/totals/pace", params={"year": LAST_YEAR}, headers=volunteer.headers)
    assert pace.status_code == 200
    body = pace.json()
    assert body["share_passed"] == 1.0  # the year is over
    ale = next(a for a in body["aks"] if a["ak"] == "ale")
    assert ale["conversations"] == 1 and ale["conversations_on_track"] is False

    # The year's campaigns for every AK are the period pace is measured against.
    period = {"starts_on": f"{LAST_YEAR}-09-01", "ends_on": f"{LAST_YEAR}-09-30"}
    campaign = period | {"name": "Höstkampanj"}
    refused = client.post("/api/campaigns", json=campaign, headers=volunteer.headers)
    assert refused.status_code == 403
    saved = client.post("/api/campaigns", json=campaign, headers=staff.headers)
    assert saved.status_code == 201
    body = client.get(
        "/api/totals/pace", params={"year": LAST_YEAR}, headers=volunteer.headers
    ).json()
    assert body["period"] == period

    record = {"ak": "ale", "date": f"{LAST_YEAR}-05-01", "net_change": 7}
    assert (
        client.post("/api/member-register", json=record, headers=volunteer.headers).status_code
        == 403
    )
    assert (
        client.post("/api/member-register", json=record, headers=staff.headers).status_code == 201
    )
    record["net_change"] = -2
    client.post(
        "/api/member-register", json=record | {"date": f"{LAST_YEAR}-06-01"}, headers=staff.headers
    )
    body = client.get(
        "/api/totals/pace", params={"year": LAST_YEAR}, headers=volunteer.headers
    ).json()
    ale = next(a for a in body["aks"] if a["ak"] == "ale")
    assert ale["member_register_net"] == 5
    assert body["total"]["member_register_net"] == 5
    listed = client.get("/api/member-register", params={"year": LAST_YEAR}, headers=staff.headers)
    assert [r["net_change"] for r in listed.json()] == [7, -2]
