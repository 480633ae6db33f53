"""Staff edit goals and districts; edits reach the dashboards; retired districts keep their logs."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, ak_totals, district_ids, server_receives_at, sync


def test_staff_set_a_goal_for_a_new_plan_year_and_totals_show_it(client: TestClient, staff: Person):
    assert client.get("/api/goals", params={"year": 2027}, headers=staff.headers).status_code == 404
    response = client.put(
        "/api/goals/ale/2027", json={"conversations": 1500, "members": 20}, headers=staff.headers
    )
    assert response.status_code == 200
    assert response.json() == {"ak": "ale", "year": 2027, "conversations": 1500, "members": 20}
    again = client.put(
        "/api/goals/ale/2027", json={"conversations": 1600, "members": 25}, headers=staff.headers
    )
    assert again.json()["conversations"] == 1600
    goals = client.get("/api/goals", params={"year": 2027}, headers=staff.headers).json()
    assert goals == [{"ak": "ale", "year": 2027, "conversations": 1600, "members": 25}]
    row = ak_totals(client, staff, 2027, "ale")
    assert (row["conversation_goal"], row["member_goal"]) == (1600, 25)


def test_a_goal_refuses_negative_numbers_and_extra_fields(client: TestClient, staff: Person):
    for body in (
        {"conversations": -1, "members": 0},
        {"conversations": 1, "members": 1, "ak": "lerum"},
    ):
        response = client.put("/api/goals/ale/2027", json=body, headers=staff.headers)
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"
    unknown = client.put(
        "/api/goals/goteborg/2027", json={"conversations": 1, "members": 1}, headers=staff.headers
    )
    assert unknown.status_code == 404


def test_editing_goals_is_written_to_the_audit_log(client: TestClient, staff: Person):
    client.put(
        "/api/goals/ale/2027", json={"conversations": 9, "members": 1}, headers=staff.headers
    )
    events = client.get("/api/audit", headers=staff.headers).json()
    assert any(e["action"] == "goal.set" and e["ak"] == "ale" for e in events)


def _district(client: TestClient, staff: Person, **changes: Any) -> dict[str, Any]:
    body = {"ak": "ale", "code": "14409901", "name": "Nytt område", "prioritised": True} | changes
    response = client.post("/api/districts", json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_staff_add_a_district_that_volunteers_can_then_log(
    client: TestClient, staff: Person, make_user: MakeUser
):
    created = _district(client, staff)
    assert created["ak"] == "ale" and created["prioritised"] and created["active"]
    vera = make_user("volunteer", aks=["ale"])
    assert created["id"] in district_ids(client, vera, "ale")
    assert sync(client, vera, [a_log(created["id"])])[0]["status"] == "created"


def test_a_district_code_must_be_new_and_in_the_aks_kommun(client: TestClient, staff: Person):
    _district(client, staff)
    taken = client.post(
        "/api/districts",
        json={"ak": "ale", "code": "14409901", "name": "Igen"},
        headers=staff.headers,
    )
    assert taken.status_code == 409 and taken.json()["code"] == "district_code_taken"
    elsewhere = client.post(
        "/api/districts",
        json={"ak": "ale", "code": "14819901", "name": "Fel kommun"},
        headers=staff.headers,
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "code_not_in_kommun"


def test_rename_and_reprioritise_a_district(client: TestClient, staff: Person):
    district = _district(client, staff)
    response = client.patch(
        f"/api/districts/{district['id']}",
        json={"name": "Nödinge centrum", "prioritised": False},
        headers=staff.headers,
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Nödinge centrum" and not response.json()["prioritised"]


def test_a_retired_district_leaves_the_lists_but_its_logs_still_count(
    client: TestClient, staff: Person, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    server_receives_at(monkeypatch, "2026-05-03T12:00:00+02:00")
    vera = make_user("volunteer", aks=["ale"])
    district_id = district_ids(client, staff, "ale")[0]
    logs = [a_log(district_id, occurred_at="2026-05-01T12:00:00+02:00") for _ in range(3)]
    assert [r["status"] for r in sync(client, vera, logs)] == ["created"] * 3
    before = ak_totals(client, staff, 2026, "ale")

    response = client.patch(
        f"/api/districts/{district_id}", json={"active": False}, headers=staff.headers
    )
    assert response.status_code == 200 and response.json()["active"] is False

    assert district_id not in district_ids(client, vera, "ale")
    everything = client.get(
        "/api/districts", params={"ak": "ale", "include_retired": True}, headers=staff.headers
    ).json()
    assert any(d["id"] == district_id and not d["active"] for d in everything)
    assert ak_totals(client, staff, 2026, "ale") == before
    per_district = client.get(
        "/api/totals/districts", params={"year": 2026, "ak": "ale"}, headers=staff.headers
    ).json()
    assert next(d for d in per_district if d["district_id"] == district_id)["conversations"] == 3
    # A log queued offline before the retirement still lands: the phone never loses one.
    late = a_log(district_id, occurred_at="2026-05-02T12:00:00+02:00")
    assert sync(client, vera, [late])[0]["status"] == "created"
    assert ak_totals(client, staff, 2026, "ale")["conversations"] == before["conversations"] + 1

    restored = client.patch(
        f"/api/districts/{district_id}", json={"active": True}, headers=staff.headers
    )
    assert restored.json()["active"] is True
    assert district_id in district_ids(client, vera, "ale")


def test_only_staff_edit_the_plan(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    district_id = district_ids(client, olle, "ale")[0]
    refused = [
        client.put(
            "/api/goals/ale/2027", json={"conversations": 1, "members": 1}, headers=olle.headers
        ),
        client.patch(f"/api/districts/{district_id}", json={"name": "X"}, headers=olle.headers),
        client.post(
            "/api/districts",
            json={"ak": "ale", "code": "14409902", "name": "X"},
            headers=olle.headers,
        ),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]


def test_goal_and_district_edits_call_the_live_hook(
    client: TestClient, staff: Person, live_hook: list[int]
):
    heard = live_hook
    client.put(
        "/api/goals/ale/2027", json={"conversations": 5, "members": 1}, headers=staff.headers
    )
    district = _district(client, staff)
    client.patch(f"/api/districts/{district['id']}", json={"active": False}, headers=staff.headers)
    assert heard[0] == 2027 and len(heard) == 3


def test_the_overview_shows_pace_weeks_topics_and_unvisited_districts(
    client: TestClient, staff: Person, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    server_receives_at(monkeypatch, "2026-05-05T12:00:00+02:00")
    vera = make_user("volunteer", aks=["ale"])
    ids = district_ids(client, staff, "ale")
    sync(client, vera, [a_log(ids[0], occurred_at="2026-05-04T12:00:00+02:00", topics=["skola"])])
    overview = client.get("/api/totals/overview", params={"year": 2026}, headers=staff.headers)
    assert overview.status_code == 200
    body = overview.json()
    assert body["pace"]["total"]["conversations"] == 1
    assert body["weeks"] == [
        {"iso_year": 2026, "week": 19, "conversations": 1, "doors": 1, "members": 0}
    ]
    assert [t["slug"] for t in body["topics"]] == ["skola"]
    unvisited = {d["id"] for d in body["unvisited"]}
    assert ids[0] not in unvisited and set(ids[1:]) <= unvisited
