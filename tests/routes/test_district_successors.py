"""After a re-districting staff confirm successors; earlier years keep counting on the old one."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.door_logs import Assignment
from api.models.plan import District
from tests.conftest import MakeUser, Person
from tests.support.districts import SWEREF_FILE, log_in_year, run_import, split_division
from tests.support.sync import ak_totals

SPLIT = ("14400190", "14400191")


def _id(db: Engine, code: str) -> int:
    with Session(db) as session:
        district = session.exec(select(District).where(District.code == code)).one()
        assert district.id is not None
        return district.id


def _history_then_split(db: Engine, staff: Person, volunteer: Person) -> int:
    """2025 counts and assignments on Nödinge södra (prioritised), then a 2026 split of it."""
    run_import(db, SWEREF_FILE, year=2022)
    old = _id(db, "14400101")
    log_in_year(db, user_id=staff.id, district_id=old, year=2025, n=7)
    with Session(db) as session:
        session.add(Assignment(district_id=old, user_id=volunteer.id, created_by=staff.id))
        session.add(
            Assignment(
                district_id=old,
                user_id=volunteer.id,
                starts_on=date(2025, 5, 1),
                ends_on=date(2025, 5, 1),
                created_by=staff.id,
            )
        )
        session.commit()
    run_import(db, split_division("14400101", SPLIT), year=2026)
    return old


def test_a_split_prioritised_district_gets_both_halves_and_old_years_stay_equal(
    client: TestClient, db: Engine, staff: Person, make_user: MakeUser
):
    volunteer = make_user("volunteer", aks=["ale"], name="Vera")
    before_2025 = ak_totals(client, staff, 2025, "ale")
    old = _history_then_split(db, staff, volunteer)
    assert ak_totals(client, staff, 2025, "ale")["conversations"] == (
        before_2025["conversations"] + 7
    )
    with_history = ak_totals(client, staff, 2025, "ale")

    pending = client.get("/api/districts/successors", headers=staff.headers)
    assert pending.status_code == 200
    [item] = [p for p in pending.json() if p["district"]["code"] == "14400101"]
    assert item["district"]["active"] is False
    suggested = {s["district"]["code"]: s["share"] for s in item["suggestions"]}
    assert set(suggested) == set(SPLIT)
    assert all(0.2 < share < 0.8 for share in suggested.values())
    assert abs(sum(suggested.values()) - 1) < 0.02

    ids = [s["district"]["id"] for s in item["suggestions"]]
    confirmed = client.post(
        f"/api/districts/{old}/successors", json={"successor_ids": ids}, headers=staff.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["assignments_moved"] == 1
    assert {d["code"] for d in confirmed.json()["successors"]} == set(SPLIT)

    # Old years: the same totals, still on the old district; the new division is prioritised.
    assert ak_totals(client, staff, 2025, "ale") == with_history
    rows = client.get(
        "/api/totals/districts", params={"year": 2025, "ak": "ale"}, headers=staff.headers
    ).json()
    [old_row] = [r for r in rows if r["code"] == "14400101"]
    assert old_row["conversations"] == 7 and old_row["active"] is False
    assert old_row["successors"] == sorted(SPLIT)
    listed = client.get("/api/districts", params={"ak": "ale"}, headers=staff.headers).json()
    assert {d["code"] for d in listed if d["prioritised"]} >= set(SPLIT)
    assert "14400101" not in {d["code"] for d in listed}
    rows_2026 = client.get(
        "/api/totals/districts", params={"year": 2026, "ak": "ale"}, headers=staff.headers
    ).json()
    assert "14400101" not in {r["code"] for r in rows_2026}  # nothing counted there in 2026
    assert {r["code"]: r["predecessors"] for r in rows_2026 if r["code"] in SPLIT} == {
        c: ["14400101"] for c in SPLIT
    }

    # Maps: an earlier year draws the division its counts sit on; today's draws the new one.
    def drawn(**params: object) -> set[str]:
        response = client.get(
            "/api/districts/geometry", params={"ak": "ale", **params}, headers=staff.headers
        )
        assert response.status_code == 200
        return {f["properties"]["code"] for f in response.json()["features"]}

    assert "14400101" in drawn(year=2025) and not set(SPLIT) & drawn(year=2025)
    assert set(SPLIT) <= drawn() and "14400101" not in drawn()
    assert set(SPLIT) <= drawn(year=2026) and "14400101" not in drawn(year=2026)

    # The current assignment follows to both halves; the ended one stays where work was done.
    with Session(db) as session:
        mine = session.exec(select(Assignment).where(Assignment.user_id == volunteer.id)).all()
        assert sorted(a.district_id for a in mine if a.ends_on is None) == sorted(ids)
        assert [a.district_id for a in mine if a.ends_on is not None] == [old]

    # Done once: no longer pending, and a second confirmation is refused.
    again = client.get("/api/districts/successors", headers=staff.headers).json()
    assert "14400101" not in {p["district"]["code"] for p in again}
    twice = client.post(
        f"/api/districts/{old}/successors", json={"successor_ids": ids}, headers=staff.headers
    )
    assert twice.status_code == 409 and twice.json()["code"] == "successor_confirmed"
    audit = client.get("/api/audit", headers=staff.headers).json()
    assert any(e["action"] == "district.successors" for e in audit)


def test_a_successor_must_be_an_active_district_of_the_same_ak(
    client: TestClient, db: Engine, staff: Person, make_user: MakeUser
):
    volunteer = make_user("volunteer", aks=["ale"])
    old = _history_then_split(db, staff, volunteer)
    foreign = _id(db, "14070101")  # Öckerö
    for ids, code in (
        ([foreign], "successor_invalid"),
        ([old], "successor_invalid"),  # retired itself
    ):
        response = client.post(
            f"/api/districts/{old}/successors", json={"successor_ids": ids}, headers=staff.headers
        )
        assert response.status_code == 422 and response.json()["code"] == code
    active = _id(db, SPLIT[0])
    not_retired = client.post(
        f"/api/districts/{active}/successors",
        json={"successor_ids": [_id(db, SPLIT[1])]},
        headers=staff.headers,
    )
    assert not_retired.status_code == 422 and not_retired.json()["code"] == "district_active"
    with Session(db) as session:
        assert not session.get(District, _id(db, SPLIT[0])).prioritised  # type: ignore[union-attr]
