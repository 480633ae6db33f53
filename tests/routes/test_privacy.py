"""Rights that can be used (GDPR art. 13, 15): the notice's periods, its acknowledgement at
first sign-in, the staff-only extract of one person, and the audit filtered by person."""

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.config import Settings
from api.main import create_app
from api.models.accounts import AuditEvent
from api.ops import retention
from tests.conftest import MakeUser, Person, make_settings
from tests.support.sync import a_log, district_ids, sync


def test_the_staff_extract_holds_everything_about_one_person_and_is_audited(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    olle = make_user("organiser", aks=["ale"], name="Olle")
    vera = make_user("volunteer", aks=["ale"], name="Vera")
    other = make_user("volunteer", aks=["ale"], name="Ove")
    district = district_ids(client, vera, "ale")[0]
    assigned = client.post(
        "/api/assignments", json={"district_id": district, "user_id": vera.id}, headers=olle.headers
    )
    assert assigned.status_code == 201, assigned.text
    sync(client, vera, [a_log(district), a_log(district, outcome="not_home")])
    sync(client, other, [a_log(district)])
    client.get(f"/api/users/{vera.id}", headers=olle.headers)

    response = client.get(f"/api/users/{vera.id}/extract", headers=staff.headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    body = json.loads(response.content)
    assert body["account"]["id"] == vera.id and body["account"]["name"] == "Vera"
    assert body["account"]["role"] == "volunteer"
    assert body["aks"] == ["ale"]
    assert [a["district_id"] for a in body["assignments"]] == [district]
    assert len(body["sessions"]) == 1 and body["sessions"][0]["revoked_at"] is None
    # Her logs as counts per day: hers only (Ove's log is not in it).
    assert len(body["logs_per_day"]) == 1
    day = body["logs_per_day"][0]
    assert (day["district_id"], day["conversation"], day["not_home"]) == (district, 1, 1)
    actions = {(e["actor_id"], e["action"], e["target_user_id"]) for e in body["audit"]}
    assert (olle.id, "user.read", vera.id) in actions
    assert all(vera.id in (e["actor_id"], e["target_user_id"]) for e in body["audit"])
    # No secret of hers and nothing about anyone else.
    text = response.text
    assert "Ove" not in text and "password" not in text and "token" not in text
    # The extract read itself is audited, naming her.
    with Session(db) as session:
        read = session.exec(select(AuditEvent).where(AuditEvent.action == "user.extract")).one()
    assert (read.actor_id, read.target_user_id) == (staff.id, vera.id)


def test_only_staff_get_an_extract_and_an_unknown_person_is_404(
    client: TestClient, make_user: MakeUser, staff: Person
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    assert client.get(f"/api/users/{vera.id}/extract", headers=olle.headers).status_code == 403
    assert client.get(f"/api/users/{vera.id}/extract", headers=vera.headers).status_code == 403
    missing = client.get("/api/users/999999/extract", headers=staff.headers)
    assert missing.status_code == 404 and missing.json()["code"] == "user_not_found"


def test_the_audit_filtered_by_person_shows_every_entry_about_or_by_them_and_no_other(
    client: TestClient, make_user: MakeUser, staff: Person
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    ove = make_user("volunteer", aks=["ale"])
    client.get("/api/users", params={"ak": "ale"}, headers=olle.headers)
    client.get(f"/api/users/{vera.id}", headers=olle.headers)
    client.get(f"/api/users/{ove.id}", headers=olle.headers)
    client.get("/api/totals/volunteers", params={"ak": "ale", "year": 2026}, headers=olle.headers)

    response = client.get("/api/audit", params={"user_id": vera.id}, headers=staff.headers)
    assert response.status_code == 200
    entries = response.json()
    assert entries, "the filter found nothing"
    assert all(vera.id in (e["target_user_id"], e["actor_id"]) for e in entries)
    seen = {(e["actor_id"], e["action"]) for e in entries}
    # The list read covered her: it is in her entries, and so is the read of her account.
    assert (olle.id, "users.list") in seen and (olle.id, "user.read") in seen
    assert not any(e["target_user_id"] == ove.id for e in entries)
    # Whom a list covered: one entry per listed person (Olle, Vera, Ove).
    everything = client.get("/api/audit", params={"limit": 500}, headers=staff.headers).json()
    covered = {e["target_user_id"] for e in everything if e["action"] == "users.list"}
    assert covered == {olle.id, vera.id, ove.id}
    # The filtered read is audited and names whom it was about.
    assert any(
        e["action"] == "audit.read" and e["target_user_id"] == vera.id
        for e in client.get("/api/audit", headers=staff.headers).json()
    )
    bad = client.get("/api/audit", params={"user_id": 0}, headers=staff.headers)
    assert bad.status_code == 422
    # A person who does not exist: an empty answer, and the read is still audited (found by
    # schemathesis: it was a 500, the audit entry's link pointing at no account).
    nobody = client.get("/api/audit", params={"user_id": 4380381}, headers=staff.headers)
    assert nobody.status_code == 200 and nobody.json() == []


def test_the_notice_periods_come_from_the_retention_policy(database_url: str, db: Engine):
    settings = make_settings(database_url, retention_audit_days=400)
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/privacy/notice")
    assert response.status_code == 200
    body = response.json()
    assert "Göteborgsområdet" in body["controller"]
    assert body["periods"] == retention.notice_periods(settings)
    kept = " ".join(p["kept"] for p in body["periods"])
    assert "400 dagar" in kept
    assert f"efter {retention.opinions.FINAL_AFTER.days} dagar" in kept


def test_the_notice_names_the_privacy_contact_when_one_is_set(database_url: str, db: Engine):
    with TestClient(create_app(make_settings(database_url))) as client:
        assert client.get("/api/privacy/notice").json()["contact"] is None
    settings = make_settings(database_url, privacy_contact="dataskydd@example.se")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/privacy/notice").json()["contact"] == "dataskydd@example.se"


@pytest.mark.parametrize(
    "contact", ["inte en adress", "javascript:alert(1)", "http://example.se/dataskydd", "a@b"]
)
def test_a_privacy_contact_is_an_email_address_or_an_https_page(contact: str):
    with pytest.raises(ValidationError):
        Settings(privacy_contact=contact)
    assert Settings(privacy_contact="https://example.se/dataskydd").privacy_contact


def test_staff_and_organisers_acknowledge_the_notice_once(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    assert client.get("/api/me", headers=olle.headers).json()["notice_acknowledged_at"] is None
    assert client.post("/api/me/notice", headers=olle.headers).status_code == 204
    first = client.get("/api/me", headers=olle.headers).json()["notice_acknowledged_at"]
    assert first is not None
    assert client.post("/api/me/notice", headers=olle.headers).status_code == 204
    assert client.get("/api/me", headers=olle.headers).json()["notice_acknowledged_at"] == first
