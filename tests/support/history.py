"""A small campaign history to erase and gallra, and every figure it shows (to compare)."""

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, String, Text, select
from sqlmodel import Session, SQLModel

from api.core.stockholm import stockholm_today
from api.door_logs.rollups import stored_rollups
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, sync


@dataclass
class History:
    organiser: Person
    volunteers: list[Person]
    districts: list[int]


def build_history(client: TestClient, make_user: MakeUser, staff: Person) -> History:
    """Two volunteers and an organiser in Ale: logs with topics, a void, a tally (and a stall's
    tally), an assignment and an invite, and audited reads of people."""
    organiser = make_user("organiser", aks=["ale"], name="Olga Organisatör")
    volunteers = [
        make_user("volunteer", aks=["ale"], name=name) for name in ("Vera Volontär", "Ville Vän")
    ]
    districts = district_ids(client, staff, "ale")
    for n, person in enumerate(volunteers):
        logs = [
            a_log(districts[i % 3], topics=["skola", "jobb"][: i % 3], outcome=outcome)
            for i, outcome in enumerate(["conversation", "not_home", "conversation", "declined"])
        ]
        logs.append(a_log(districts[0], new_member=True, topics=["bostader"]))
        assert {r["status"] for r in sync(client, person, logs)} == {"created"}
        voided = client.post(f"/api/logs/{logs[0]['id']}/void", headers=person.headers)
        assert voided.status_code == 200
        assignment = {"district_id": districts[3 + n], "user_id": person.id}
        response = client.post("/api/assignments", json=assignment, headers=organiser.headers)
        assert response.status_code == 201, response.text
    tally = {
        "district_id": districts[1],
        "date": stockholm_today().isoformat(),
        "conversation": 4,
        "not_home": 2,
    }
    assert client.post("/api/tallies", json=tally, headers=organiser.headers).status_code == 201
    stall = {"ak": "ale", "channel": "stall", "date": stockholm_today().isoformat()}
    stall |= {"conversation": 3, "declined": 1, "new_members": 1}
    made = client.post("/api/channel-tallies", json=stall, headers=organiser.headers)
    assert made.status_code == 201, made.text
    assert client.post("/api/invites", json={"ak": "ale"}, headers=organiser.headers).is_success
    for person in volunteers:
        assert client.get(f"/api/users/{person.id}", headers=organiser.headers).is_success
    return History(organiser, volunteers, districts)


def figures(client: TestClient, db: Engine, staff: Person) -> dict[str, Any]:
    """Every total a user can see, and the stored rollups without the per-volunteer key."""
    year = stockholm_today().year
    seen: dict[str, Any] = {}
    seen["totals"] = client.get("/api/totals", params={"year": year}, headers=staff.headers).json()
    for view in ("districts", "weeks", "topics"):
        response = client.get(
            f"/api/totals/{view}", params={"year": year, "ak": "ale"}, headers=staff.headers
        )
        assert response.status_code == 200
        seen[view] = response.json()
    with Session(db) as session:
        rollups = stored_rollups(session=session)
    seen["day"], seen["year"], seen["topic_day"] = (
        rollups["day"],
        rollups["year"],
        rollups["topic_day"],
    )
    per_day: dict[Any, list[int]] = {}
    for (district, day, _user), values in rollups["user_day"].items():
        summed = per_day.setdefault((district, day), [0] * len(values))
        for i, v in enumerate(values):
            summed[i] += v
    seen["user_day_summed"] = per_day
    return seen


def rows_naming(db: Engine, *, person_id: int, name: str) -> list[str]:
    """Every table.column where a row holds the person's id (any column pointing at
    user_account) or their name (any text column)."""
    found: list[str] = []
    with Session(db) as session:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                points_at_user = any(
                    fk.column.table.name == "user_account" for fk in column.foreign_keys
                ) or (table.name == "user_account" and column.name == "id")
                if points_at_user:
                    hit = session.execute(
                        select(column).where(column == person_id).limit(1)
                    ).first()
                    if hit is not None:
                        found.append(f"{table.name}.{column.name}")
                elif isinstance(column.type, String | Text):
                    hit = session.execute(
                        select(column).where(column.contains(name)).limit(1)
                    ).first()
                    if hit is not None:
                        found.append(f"{table.name}.{column.name}")
    return found
