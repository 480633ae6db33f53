"""Organisers assign districts; a volunteer may then log there and sees everyone's progress."""

from datetime import timedelta

from fastapi.testclient import TestClient

from api.core.stockholm import stockholm_today
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, sync


def test_an_assigned_district_in_another_ak_is_open_to_the_volunteer(
    client: TestClient, make_user: MakeUser
):
    volunteer = make_user("volunteer", aks=["ale"])
    neighbour = make_user("volunteer", aks=["lerum"])
    # Organises both AKs: only someone who reaches the volunteer may assign them elsewhere.
    organiser = make_user("organiser", aks=["lerum", "ale"])
    lerum = district_ids(client, organiser, "lerum")[0]
    assert sync(client, volunteer, [a_log(lerum)])[0]["code"] == "district_not_allowed"

    response = client.post(
        "/api/assignments",
        json={"district_id": lerum, "user_id": volunteer.id},
        headers=organiser.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["district"]["ak"] == "lerum"
    sent_while_assigned = a_log(lerum)
    assert sync(client, volunteer, [sent_while_assigned])[0]["status"] == "created"
    sync(client, neighbour, [a_log(lerum, outcome="not_home", topics=[])])

    mine = client.get("/api/assignments/mine", headers=volunteer.headers).json()
    assert [m["district"]["id"] for m in mine] == [lerum]
    assert mine[0]["progress"] == {
        "doors_year": 2,
        "conversations_year": 1,
        "doors_today": 2,
        "conversations_today": 1,
    }
    listed = client.get("/api/assignments", params={"ak": "lerum"}, headers=organiser.headers)
    assert [(a["user"]["id"], a["district"]["id"]) for a in listed.json()] == [
        (volunteer.id, lerum)
    ]

    assignment_id = response.json()["id"]
    deleted = client.delete(f"/api/assignments/{assignment_id}", headers=organiser.headers)
    assert deleted.status_code == 204
    assert sync(client, volunteer, [a_log(lerum)])[0]["code"] == "district_not_allowed"
    assert client.get("/api/assignments/mine", headers=volunteer.headers).json() == []
    # A resend of what was stored while assigned is acknowledged, not refused.
    assert sync(client, volunteer, [sent_while_assigned]) == [
        {"id": sent_while_assigned["id"], "status": "duplicate"}
    ]


def test_an_assignment_for_a_period_opens_the_district_only_then(
    client: TestClient, make_user: MakeUser
):
    volunteer = make_user("volunteer", aks=["ale"])
    # Organises both AKs: only someone who reaches the volunteer may assign them elsewhere.
    organiser = make_user("organiser", aks=["lerum", "ale"])
    lerum = district_ids(client, organiser, "lerum")[0]
    tomorrow = stockholm_today() + timedelta(days=1)
    response = client.post(
        "/api/assignments",
        json={"district_id": lerum, "user_id": volunteer.id, "starts_on": tomorrow.isoformat()},
        headers=organiser.headers,
    )
    assert response.status_code == 201
    assert sync(client, volunteer, [a_log(lerum)])[0]["code"] == "district_not_allowed"
    mine = client.get("/api/assignments/mine", headers=volunteer.headers).json()
    assert mine[0]["starts_on"] == tomorrow.isoformat()


def test_only_organisers_of_the_ak_assign_and_only_volunteers_are_assigned(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    other_organiser = make_user("organiser", aks=["ale"])
    lerum = district_ids(client, staff, "lerum")[0]

    def assign(who: Person, user_id: int, **extra: object) -> tuple[int, str | None]:
        body = {"district_id": lerum, "user_id": user_id} | extra
        response = client.post("/api/assignments", json=body, headers=who.headers)
        return response.status_code, response.json().get("code")

    # Another AK's district answers as a missing one would; a role that never assigns: 403.
    assert assign(other_organiser, volunteer.id) == (404, "district_not_found")
    assert assign(volunteer, volunteer.id) == (403, "forbidden")
    # A staff id, an organiser id and no id at all look the same.
    assert assign(staff, other_organiser.id) == (404, "user_not_found")
    assert assign(staff, staff.id) == (404, "user_not_found")
    assert assign(staff, 999_999) == (404, "user_not_found")
    assert assign(staff, volunteer.id, role="staff")[0] == 422
    assert assign(staff, volunteer.id, starts_on="2026-05-02", ends_on="2026-05-01") == (
        422,
        "invalid_period",
    )
    assert assign(staff, volunteer.id)[0] == 201
    listed = client.get("/api/assignments", params={"ak": "lerum"}, headers=other_organiser.headers)
    assert listed.status_code == 403


def test_an_organiser_cannot_assign_another_aks_volunteer_to_their_own_district(
    client: TestClient, make_user: MakeUser, staff: Person
):
    # Failed before the fix: 201 with the name, and the volunteer could then log in Lerum.
    ale_volunteer = make_user("volunteer", aks=["ale"], name="Hemlig Hedvig")
    lerum_organiser = make_user("organiser", aks=["lerum"])
    lerum = district_ids(client, lerum_organiser, "lerum")[0]

    def assign(user_id: int) -> tuple[int, str]:
        response = client.post(
            "/api/assignments",
            json={"district_id": lerum, "user_id": user_id},
            headers=lerum_organiser.headers,
        )
        assert "Hedvig" not in response.text
        return response.status_code, response.text

    foreign, missing, staff_id = assign(ale_volunteer.id), assign(999_999), assign(staff.id)
    assert foreign == missing == staff_id
    assert foreign[0] == 404
    assert sync(client, ale_volunteer, [a_log(lerum)])[0]["code"] == "district_not_allowed"


def test_district_progress_is_for_people_of_the_ak(client: TestClient, make_user: MakeUser):
    volunteer = make_user("volunteer", aks=["ale"])
    outsider = make_user("volunteer", aks=["lerum"])
    district = district_ids(client, volunteer, "ale")[0]
    sync(client, volunteer, [a_log(district)])
    response = client.get(
        "/api/districts/progress", params={"ak": "ale"}, headers=volunteer.headers
    )
    assert response.status_code == 200
    rows = {r["district"]["id"]: r["progress"] for r in response.json()}
    assert rows[district]["conversations_today"] == 1
    refused = client.get("/api/districts/progress", params={"ak": "ale"}, headers=outsider.headers)
    assert refused.status_code == 403
