"""Organisers manage their AK's volunteers; staff manage organisers; every access is audited."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.accounts import ANONYMOUS_ROLE, AuditEvent, AuthSession, User
from tests.conftest import MakeUser, Person
from tests.support.accounts import bearer, make_invite, redeem


def _volunteer(client: TestClient, organiser: Person, ak: str = "ale", name: str = "Vera") -> int:
    token = redeem(client, make_invite(client, organiser, ak=ak)["code"], name=name)
    user_id: int = client.get("/api/me", headers=bearer(token)).json()["id"]
    return user_id


def test_an_organiser_lists_their_aks_people(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"], name="Olle")
    vera = _volunteer(client, olle)
    _volunteer(client, make_user("organiser", aks=["lerum"]), ak="lerum", name="Lars")
    response = client.get("/api/users", params={"ak": "ale"}, headers=olle.headers)
    assert response.status_code == 200
    assert response.json() == [
        {"id": olle.id, "name": "Olle", "role": "organiser", "disabled": False},
        {"id": vera, "name": "Vera", "role": "volunteer", "disabled": False},
    ]
    assert response.headers["cache-control"] == "no-store"


def test_an_organiser_renames_and_disables_their_volunteer(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    vera = _volunteer(client, olle)
    renamed = client.patch(f"/api/users/{vera}", json={"name": "Vera A."}, headers=olle.headers)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Vera A."
    disabled = client.patch(f"/api/users/{vera}", json={"disabled": True}, headers=olle.headers)
    assert disabled.json()["disabled"] is True


def test_the_list_shows_who_is_switched_off_until_switched_on_again(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    vera = _volunteer(client, olle)

    def listed() -> bool:
        rows = client.get("/api/users", params={"ak": "ale"}, headers=olle.headers).json()
        flag: bool = next(u for u in rows if u["id"] == vera)["disabled"]
        return flag

    assert listed() is False
    client.patch(f"/api/users/{vera}", json={"disabled": True}, headers=olle.headers)
    assert listed() is True
    enabled = client.patch(f"/api/users/{vera}", json={"disabled": False}, headers=olle.headers)
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    assert listed() is False


def test_updating_role_aks_or_id_is_refused_and_changes_nothing(
    client: TestClient, make_user: MakeUser, staff: Person
):
    olle = make_user("organiser", aks=["ale"])
    vera = _volunteer(client, olle)
    for who in (olle, staff):
        for extra in ({"role": "staff"}, {"aks": ["lerum"]}, {"id": 999}, {"email": "x@y.se"}):
            response = client.patch(
                f"/api/users/{vera}", json={"name": "Hacker", **extra}, headers=who.headers
            )
            assert response.status_code == 422
    detail = client.get(f"/api/users/{vera}", headers=staff.headers).json()
    assert (detail["id"], detail["name"], detail["role"], detail["aks"]) == (
        vera,
        "Vera",
        "volunteer",
        ["ale"],
    )
    # Changing a volunteer's AK through the staff route is refused too.
    moved = client.put(f"/api/users/{vera}/aks", json={"aks": ["lerum"]}, headers=staff.headers)
    assert moved.status_code == 409


def test_erasing_a_volunteer_removes_the_account_and_its_sessions(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    token = redeem(client, make_invite(client, olle)["code"], name="Vera Volontär")
    vera = client.get("/api/me", headers=bearer(token)).json()["id"]
    response = client.post(f"/api/users/{vera}/erase", headers=olle.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["erased"] is True and body["disabled"] is True
    assert "Vera" not in response.text
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    listed = client.get("/api/users", params={"ak": "ale"}, headers=olle.headers).json()
    assert vera not in [u["id"] for u in listed]
    with Session(db) as session:
        # Gone whole: their logs would carry the shared anonymous id (tests/ops/test_erasure.py).
        assert session.get(User, vera) is None
        assert not session.exec(select(AuthSession).where(AuthSession.user_id == vera)).all()


def test_staff_erase_an_organiser_and_their_e_mail_goes(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    olle = make_user("organiser", aks=["ale"], email="olle@example.se", password="ett-bra-losen")
    assert client.post(f"/api/users/{olle.id}/erase", headers=staff.headers).status_code == 200
    with Session(db) as session:
        assert session.get(User, olle.id) is None
        assert session.exec(select(User).where(User.email == "olle@example.se")).first() is None
    login = client.post(
        "/api/auth/login", json={"email": "olle@example.se", "password": "ett-bra-losen"}
    )
    assert login.status_code == 401


def test_an_organiser_cannot_manage_another_organiser_or_a_foreign_volunteer(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    other_organiser = make_user("organiser", aks=["ale"], name="Otto")
    lars = _volunteer(client, make_user("organiser", aks=["lerum"]), ak="lerum", name="Lars")
    for target in (other_organiser.id, lars):
        for method, path, body in (
            ("GET", f"/api/users/{target}", None),
            ("PATCH", f"/api/users/{target}", {"name": "X"}),
            ("POST", f"/api/users/{target}/erase", None),
        ):
            response = client.request(method, path, json=body, headers=olle.headers)
            assert response.status_code == 404
            assert set(response.json()) == {"detail", "code"}
            assert "Lars" not in response.text and "Otto" not in response.text


def test_staff_create_an_organiser_and_change_their_aks(
    client: TestClient, staff: Person, make_user: MakeUser
):
    created = client.post(
        "/api/users",
        json={
            "email": "ny@example.se",
            "password": "ett-bra-losen",
            "name": "Nina",
            "role": "organiser",
            "aks": ["ale"],
        },
        headers=staff.headers,
    )
    assert created.status_code == 201
    nina = created.json()
    assert (nina["role"], nina["aks"], nina["email"]) == ("organiser", ["ale"], "ny@example.se")
    assert "password" not in created.text
    moved = client.put(
        f"/api/users/{nina['id']}/aks", json={"aks": ["lerum", "ale"]}, headers=staff.headers
    )
    assert moved.json()["aks"] == ["ale", "lerum"]
    token = client.post(
        "/api/auth/login", json={"email": "ny@example.se", "password": "ett-bra-losen"}
    ).json()["access_token"]
    assert client.get("/api/me", headers=bearer(token)).json()["aks"] == ["ale", "lerum"]
    # An organiser cannot create accounts or move organisers.
    olle = make_user("organiser", aks=["ale"])
    assert (
        client.put(
            f"/api/users/{nina['id']}/aks", json={"aks": ["ale"]}, headers=olle.headers
        ).status_code
        == 403
    )


def test_staff_add_a_colleague_list_staff_and_close_the_account(
    client: TestClient, staff: Person, db: Engine
):
    created = client.post(
        "/api/users",
        json={
            "email": "kollega@example.se",
            "password": "ett-bra-losen-igen",
            "name": "Kim Kollega",
            "role": "staff",
        },
        headers=staff.headers,
    )
    assert created.status_code == 201, created.text
    kim = created.json()
    assert (kim["role"], kim["aks"]) == ("staff", [])
    listed = client.get("/api/staff", headers=staff.headers)
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert {"id": kim["id"], "name": "Kim Kollega", "role": "staff", "disabled": False} in (
        listed.json()
    )
    assert {u["role"] for u in listed.json()} == {"staff"}
    closed = client.patch(f"/api/users/{kim['id']}", json={"disabled": True}, headers=staff.headers)
    assert closed.json()["disabled"] is True
    signed_in = client.post(
        "/api/auth/login", json={"email": "kollega@example.se", "password": "ett-bra-losen-igen"}
    )
    assert signed_in.status_code == 401
    # The list read is audited per person it showed.
    with Session(db) as session:
        reads = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "users.list", AuditEvent.target_user_id == kim["id"]
            )
        ).all()
    assert len(reads) == 1


def test_staff_cannot_create_a_volunteer_with_a_password(client: TestClient, staff: Person):
    response = client.post(
        "/api/users",
        json={
            "email": "v@example.se",
            "password": "ett-bra-losen",
            "name": "V",
            "role": "volunteer",
        },
        headers=staff.headers,
    )
    assert response.status_code == 422


def test_every_read_and_change_of_people_is_in_the_audit_log(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    vera = _volunteer(client, olle)
    client.get("/api/users", params={"ak": "ale"}, headers=olle.headers)
    client.get(f"/api/users/{vera}", headers=olle.headers)
    client.patch(f"/api/users/{vera}", json={"name": "V"}, headers=olle.headers)
    client.post(f"/api/users/{vera}/sessions/revoke", headers=olle.headers)
    client.post(f"/api/users/{vera}/erase", headers=olle.headers)
    events = client.get("/api/audit", headers=staff.headers)
    assert events.status_code == 200
    seen = [(e["actor_id"], e["action"], e["target_user_id"]) for e in reversed(events.json())]
    with Session(db) as session:  # after erasure her entries name the shared anonymous id
        anonymous = session.exec(select(User.id).where(User.role == ANONYMOUS_ROLE)).one()
    # The list read names whom it covered: one entry per person listed (Olle and Vera).
    listed = [e for e in seen if e[1] == "users.list"]
    assert sorted(listed, key=str) == sorted(
        [(olle.id, "users.list", olle.id), (olle.id, "users.list", anonymous)], key=str
    )
    assert [e for e in seen if e[1] != "users.list"] == [
        (olle.id, "invite.create", None),
        (anonymous, "user.create", anonymous),
        (olle.id, "user.read", anonymous),
        (olle.id, "user.update", anonymous),
        (olle.id, "user.sessions_revoke", anonymous),
        (olle.id, "user.erase", anonymous),
    ]
    assert all(e["at"] for e in events.json())
    # Reading the audit log is itself audited; organisers and volunteers cannot read it.
    with Session(db) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "audit.read")).first()
    assert client.get("/api/audit", headers=olle.headers).status_code == 403


def test_reading_assignments_and_per_volunteer_figures_is_audited(
    client: TestClient, make_user: MakeUser, staff: Person
):
    olle = make_user("organiser", aks=["ale"])
    assert client.get("/api/assignments", params={"ak": "ale"}, headers=olle.headers).is_success
    per_volunteer = client.get(
        "/api/totals/volunteers", params={"ak": "ale", "year": 2026}, headers=olle.headers
    )
    assert per_volunteer.is_success
    events = client.get("/api/audit", headers=staff.headers).json()
    seen = {(e["actor_id"], e["action"], e["ak"]) for e in events}
    assert (olle.id, "assignments.list", "ale") in seen
    assert (olle.id, "totals.volunteers", "ale") in seen
