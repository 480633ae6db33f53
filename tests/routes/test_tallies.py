"""Paper tallies count like app logs, are marked as paper, and can be voided."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.core.stockholm import stockholm_today
from api.door_logs.rollups import door_log, recount, stored_rollups
from tests.conftest import MakeUser, Person
from tests.support.sync import ak_totals, district_ids


def test_a_paper_tally_counts_like_logs_and_a_void_takes_it_away(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    organiser = make_user("organiser", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    day = stockholm_today() - timedelta(days=1)
    body = {
        "district_id": district,
        "date": day.isoformat(),
        "conversation": 12,
        "not_home": 20,
        "declined": 5,
        "no_access": 3,
        "new_members": 2,
        "left_material": 25,
    }
    response = client.post("/api/tallies", json=body, headers=organiser.headers)
    assert response.status_code == 201, response.text
    tally = response.json()
    ale = ak_totals(client, staff, day.year, "ale")
    assert (ale["doors"], ale["conversations"], ale["members"]) == (40, 12, 2)
    with Session(db) as session:
        sources = session.execute(
            select(door_log.c.source, func.count()).group_by(door_log.c.source)
        ).all()
        assert sources == [("paper", 40)]
        assert stored_rollups(session=session) == recount(session=session)

    listed = client.get(
        "/api/tallies", params={"ak": "ale", "year": day.year}, headers=organiser.headers
    )
    assert [t["id"] for t in listed.json()] == [tally["id"]]
    voided = client.post(f"/api/tallies/{tally['id']}/void", headers=organiser.headers)
    assert voided.status_code == 200 and voided.json()["voided_at"] is not None
    assert ak_totals(client, staff, day.year, "ale")["doors"] == 0
    again = client.post(f"/api/tallies/{tally['id']}/void", headers=organiser.headers)
    assert again.json()["voided_at"] == voided.json()["voided_at"]
    with Session(db) as session:
        assert stored_rollups(session=session) == recount(session=session)


def test_tallies_are_for_organisers_of_the_ak_and_must_add_up(
    client: TestClient, make_user: MakeUser
):
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])
    lerum = make_user("organiser", aks=["lerum"])
    district = district_ids(client, organiser, "ale")[0]
    today = stockholm_today()

    def post(who: Person, **changes: object) -> tuple[int, str]:
        body = {"district_id": district, "date": today.isoformat(), "conversation": 3} | changes
        response = client.post("/api/tallies", json=body, headers=who.headers)
        return response.status_code, response.json().get("code", "")

    assert post(volunteer) == (403, "forbidden")
    assert post(lerum) == (404, "district_not_found")  # as if the district did not exist
    assert post(lerum, district_id=999_999) == (404, "district_not_found")
    assert post(organiser, new_members=4) == (422, "invalid_tally")
    assert post(organiser, conversation=0) == (422, "empty_tally")
    assert post(organiser, date=(today + timedelta(days=2)).isoformat()) == (422, "invalid_date")
    assert post(organiser, conversation=-1)[0] == 422
    assert post(organiser, address="Storgatan 1")[0] == 422
    assert post(organiser)[0] == 201
