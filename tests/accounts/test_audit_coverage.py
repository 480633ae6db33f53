"""Every change of assignments, invites, tallies and voids, every read of tallies and skewed
logs, and staff's topic, register and campaign-period edits leave an audit row."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.core.stockholm import stockholm_today
from api.models.accounts import AuditEvent
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, sync


def _actions(db: Engine, actor: int) -> list[str]:
    with Session(db) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.actor_id == actor).order_by(col(AuditEvent.id))
        ).all()
    return [r.action for r in rows]


def test_organisers_changes_and_reads_are_audited(
    client: TestClient, make_user: MakeUser, db: Engine
):
    # Failed before the fix: none of these actions wrote an audit row.
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    district = district_ids(client, olle, "ale")[0]
    h = olle.headers
    invite = client.post("/api/invites", json={"ak": "ale"}, headers=h).json()
    assert client.get(f"/api/invites/{invite['id']}/link", headers=h).is_success
    assert client.delete(f"/api/invites/{invite['id']}", headers=h).status_code == 204
    assigned = client.post(
        "/api/assignments", json={"district_id": district, "user_id": vera.id}, headers=h
    ).json()
    assert client.delete(f"/api/assignments/{assigned['id']}", headers=h).status_code == 204
    day = (stockholm_today() - timedelta(days=1)).isoformat()
    tally = client.post(
        "/api/tallies", json={"district_id": district, "date": day, "not_home": 2}, headers=h
    ).json()
    year = stockholm_today().year
    assert client.get("/api/tallies", params={"ak": "ale", "year": year}, headers=h).is_success
    assert client.post(f"/api/tallies/{tally['id']}/void", headers=h).is_success
    log = a_log(district)
    sync(client, vera, [log])
    assert client.post(f"/api/logs/{log['id']}/void", headers=h).is_success
    assert client.get("/api/logs/skewed", params={"ak": "ale"}, headers=h).is_success
    assert _actions(db, olle.id) == [
        "invite.create",
        "invite.show",
        "invite.revoke",
        "assignment.create",
        "assignment.delete",
        "tally.create",
        "tallies.list",
        "tally.void",
        "log.void",
        "logs.skewed",
    ]


def test_staffs_plan_edits_are_audited(client: TestClient, staff: Person, db: Engine):
    h = staff.headers
    assert client.post("/api/topics", json={"slug": "bostad", "label": "Bostäder"}, headers=h)
    assert client.patch("/api/topics/bostad", json={"label": "Bostad"}, headers=h).is_success
    year = stockholm_today().year
    assert client.post(
        "/api/member-register",
        json={"ak": "ale", "date": f"{year}-01-31", "net_change": 3},
        headers=h,
    ).is_success
    created = client.post(
        "/api/campaigns",
        json={"name": "Höstkampanj", "starts_on": f"{year}-08-01", "ends_on": f"{year}-09-13"},
        headers=h,
    )
    assert created.status_code == 201
    assert client.put(
        f"/api/campaigns/{created.json()['id']}",
        json={"name": "Höstkampanjen", "starts_on": f"{year}-08-01", "ends_on": f"{year}-09-20"},
        headers=h,
    ).is_success
    assert _actions(db, staff.id) == [
        "topic.create",
        "topic.update",
        "member_register.record",
        "campaign.create",
        "campaign.update",
    ]
