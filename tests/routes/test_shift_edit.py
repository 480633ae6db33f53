"""Knackpass over HTTP, part two: moving and editing a shift (audited, the rules of create),
a paper tally filled in on a shift, and the sign-up link's own page and one-tap sign-up."""

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.accounts import AuditEvent
from api.models.shifts import Shift
from tests.conftest import MakeUser
from tests.support.shifts import make_shift, summary_of
from tests.support.sync import district_ids


def test_organiser_moves_and_edits_a_shift_and_it_is_audited(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    leader = make_user("volunteer", aks=["ale"], name="Lena")
    shift = make_shift(client, olle, starts_in=timedelta(days=3))
    starts = datetime.fromisoformat(shift["starts_at"]) + timedelta(days=1)
    districts = district_ids(client, olle, "ale")
    response = client.patch(
        f"/api/shifts/{shift['id']}",
        json={
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "meeting_point": "Nödinge centrum, vid busshållplatsen",
            "district_ids": districts[2:4],
            "capacity": 8,
            "leader_id": leader.id,
            "note": "Ta med vattenflaska",
        },
        headers=olle.headers,
    )
    assert response.status_code == 200, response.text
    moved = response.json()
    assert datetime.fromisoformat(moved["starts_at"]) == starts
    assert moved["meeting_point"] == "Nödinge centrum, vid busshållplatsen"
    assert moved["district_ids"] == sorted(districts[2:4])
    assert (moved["capacity"], moved["leader_id"]) == (8, leader.id)
    assert moved["signup_code"] == shift["signup_code"]  # the shared link keeps working
    # Sending null takes the leader away; what is left out stays.
    cleared = client.patch(
        f"/api/shifts/{shift['id']}", json={"leader_id": None}, headers=olle.headers
    ).json()
    assert cleared["leader_id"] is None and cleared["capacity"] == 8
    with Session(db) as session:
        actions = [
            (e.action, e.detail)
            for e in session.exec(select(AuditEvent).where(AuditEvent.ak == "ale")).all()
        ]
    assert ("shift.create", f"shift {shift['id']}") in actions
    assert any(a == "shift.update" and "meeting_point" in (d or "") for a, d in actions)


def test_an_edit_keeps_the_rules_of_create_and_changes_nothing_when_refused(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, starts_in=timedelta(days=3), capacity=3)
    url = f"/api/shifts/{shift['id']}"
    starts = datetime.fromisoformat(shift["starts_at"])
    backwards = client.patch(
        url, json={"ends_at": (starts - timedelta(hours=1)).isoformat()}, headers=olle.headers
    )
    assert (backwards.status_code, backwards.json()["code"]) == (400, "invalid_shift_time")
    lerum = make_user("organiser", aks=["lerum"])
    foreign = district_ids(client, lerum, "lerum")[:1]
    wrong_ak = client.patch(url, json={"district_ids": foreign}, headers=olle.headers)
    assert (wrong_ak.status_code, wrong_ak.json()["code"]) == (400, "unknown_district")
    home = client.patch(url, json={"meeting_point": "<b>hemma</b>"}, headers=olle.headers)
    assert home.status_code == 422
    assert client.patch(url, json={"capacity": 101}, headers=olle.headers).status_code == 422
    stranger = make_user("volunteer", aks=["lerum"])
    leader = client.patch(url, json={"leader_id": stranger.id}, headers=olle.headers)
    assert (leader.status_code, leader.json()["code"]) == (400, "unknown_leader")
    # Two signed up: the places cannot become fewer than that.
    for _ in range(2):
        vera = make_user("volunteer", aks=["ale"])
        assert client.post(f"{url}/signup", headers=vera.headers).status_code == 200
    fewer = client.patch(url, json={"capacity": 1}, headers=olle.headers)
    assert (fewer.status_code, fewer.json()["code"]) == (409, "capacity_below_signups")
    unchanged = client.get(url, headers=olle.headers).json()
    assert unchanged["capacity"] == 3
    assert unchanged["meeting_point"] == shift["meeting_point"]
    assert unchanged["district_ids"] == shift["district_ids"]
    volunteer = make_user("volunteer", aks=["ale"])
    assert client.patch(url, json={"capacity": 5}, headers=volunteer.headers).status_code == 403
    assert client.delete(url, headers=olle.headers).status_code == 204
    late = client.patch(url, json={"capacity": 5}, headers=olle.headers)
    assert (late.status_code, late.json()["code"]) == (410, "shift_cancelled")
    with Session(db) as session:
        actions = [
            e.action for e in session.exec(select(AuditEvent).where(AuditEvent.ak == "ale")).all()
        ]
    # Refused edits leave nothing; the cancellation is audited.
    assert "shift.update" not in actions and "shift.cancel" in actions


def test_a_paper_tally_on_the_shift_counts_in_its_summary(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle)
    district = shift["district_ids"][0]
    body = {
        "district_id": district,
        "date": datetime.fromisoformat(shift["starts_at"]).date().isoformat(),
        "conversation": 4,
        "not_home": 6,
        "new_members": 1,
        "shift_id": shift["id"],
    }
    response = client.post("/api/tallies", json=body, headers=olle.headers)
    assert response.status_code == 201, response.text
    assert response.json()["shift_id"] == shift["id"]
    summary = summary_of(client, olle, shift["id"])
    assert (summary["doors"], summary["conversations"], summary["members"]) == (10, 4, 1)
    assert summary["paper"] == {"doors": 10, "conversations": 4, "members": 1}
    assert summary["came"] == 0  # the organiser typing the paper in did not come
    # Voided, it leaves the summary.
    tally_id = response.json()["id"]
    assert client.post(f"/api/tallies/{tally_id}/void", headers=olle.headers).status_code == 200
    assert summary_of(client, olle, shift["id"])["doors"] == 0


def test_a_tally_cannot_name_another_aks_shift(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    lisa = make_user("organiser", aks=["lerum"])
    lerum_shift = make_shift(client, lisa, ak="lerum")
    body = {
        "district_id": district_ids(client, olle, "ale")[0],
        "date": datetime.fromisoformat(lerum_shift["starts_at"]).date().isoformat(),
        "conversation": 2,
        "shift_id": lerum_shift["id"],
    }
    refused = client.post("/api/tallies", json=body, headers=olle.headers)
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_shift")
    missing = client.post("/api/tallies", json=body | {"shift_id": 999999}, headers=olle.headers)
    assert (missing.status_code, missing.json()["code"]) == (422, "unknown_shift")
    assert (
        client.get("/api/tallies", params={"ak": "ale", "year": 2026}, headers=olle.headers).json()
        == []
    )


def test_the_link_page_shows_the_shift_without_names_and_signs_up_in_one_tap(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, starts_in=timedelta(days=1), capacity=1)
    page = client.get(f"/api/shifts/link/{shift['signup_code']}")
    assert page.status_code == 200
    seen = page.json()
    assert seen["meeting_point"] == shift["meeting_point"] and seen["ak_name"] == "Ale"
    assert (seen["full"], seen["cancelled"], seen["over"]) == (False, False, False)
    assert "signups" not in seen and "signup_code" not in seen
    bad = client.get("/api/shifts/link/0123456789abcdef")
    assert (bad.status_code, bad.json()["code"]) == (404, "invite_invalid")
    # A volunteer of another AK who holds the link may come too.
    guest = make_user("volunteer", aks=["lerum"])
    url = f"/api/shifts/link/{shift['signup_code']}/signup"
    first = client.post(url, headers=guest.headers)
    assert first.status_code == 200 and first.json()["me_signed_up"] is True
    again = client.post(url, headers=guest.headers)
    assert again.json()["signed_up"] == 1
    assert client.get(f"/api/shifts/link/{shift['signup_code']}").json()["full"] is True
    vera = make_user("volunteer", aks=["ale"])
    full = client.post(url, headers=vera.headers)
    assert (full.status_code, full.json()["code"]) == (409, "shift_full")
    assert (
        client.delete(f"/api/shifts/{shift['id']}/signup", headers=guest.headers).status_code == 204
    )
    assert client.post(url, headers=vera.headers).status_code == 200


def test_reading_who_signed_up_is_audited_per_person_and_others_see_only_a_count(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, starts_in=timedelta(days=1))
    vera = make_user("volunteer", aks=["ale"], name="Vera")
    assert client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers).status_code == 200
    listed = client.get("/api/shifts", params={"ak": "ale"}, headers=olle.headers).json()
    assert [p["name"] for p in listed[0]["signups"]] == ["Vera"]
    other = make_user("volunteer", aks=["ale"])
    seen = client.get("/api/shifts", params={"ak": "ale"}, headers=other.headers).json()
    assert seen[0]["signups"] is None and seen[0]["signed_up"] == 1
    with Session(db) as session:
        reads = session.exec(select(AuditEvent).where(AuditEvent.action == "shifts.signups")).all()
    assert [(e.actor_id, e.target_user_id) for e in reads] == [(olle.id, vera.id)]


def test_who_has_not_been_out_lists_names_for_organisers_and_is_audited(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    # A shift that started and ended long ago: Bo signed up and has done nothing since.
    old = make_shift(client, olle, starts_in=timedelta(days=2))
    bo = make_user("volunteer", aks=["ale"], name="Bo")
    assert client.post(f"/api/shifts/{old['id']}/signup", headers=bo.headers).status_code == 200
    starts = datetime.fromisoformat(old["starts_at"]) - timedelta(days=45)
    with Session(db) as session:
        stored = session.get(Shift, old["id"])
        assert stored is not None
        stored.starts_at, stored.ends_at = starts, starts + timedelta(hours=3)
        session.add(stored)
        session.commit()
    quiet = client.get("/api/shifts/inactive", params={"ak": "ale"}, headers=olle.headers)
    assert quiet.status_code == 200
    assert [p["name"] for p in quiet.json()] == ["Bo"]
    assert (
        client.get("/api/shifts/inactive", params={"ak": "ale"}, headers=bo.headers).status_code
        == 403
    )
    with Session(db) as session:
        reads = session.exec(select(AuditEvent).where(AuditEvent.action == "shifts.inactive")).all()
    assert [e.target_user_id for e in reads] == [bo.id]
