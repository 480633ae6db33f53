"""Sessions end on logout, on expiry, when revoked, and when the user is disabled."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.db import utcnow
from api.models.accounts import AuthSession
from tests.conftest import MakeUser
from tests.support.accounts import bearer, make_invite, redeem, set_columns


def _login(client: TestClient, email: str, password: str = "ett-bra-losen") -> str:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_logout_ends_only_that_session(client: TestClient, make_user: MakeUser):
    make_user("staff", email="stina@example.se", password="ett-bra-losen")
    laptop, phone = _login(client, "stina@example.se"), _login(client, "stina@example.se")
    assert client.post("/api/auth/logout", headers=bearer(laptop)).status_code == 204
    assert client.get("/api/me", headers=bearer(laptop)).status_code == 401
    assert client.get("/api/me", headers=bearer(phone)).status_code == 200


def test_an_expired_session_is_refused(client: TestClient, make_user: MakeUser, db: Engine):
    vera = make_user("volunteer", aks=["ale"])
    with Session(db) as session:
        auth = session.exec(select(AuthSession).where(AuthSession.user_id == vera.id)).one()
    set_columns(db, AuthSession, auth.id, expires_at=utcnow() - timedelta(seconds=1))
    response = client.get("/api/me", headers=vera.headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_signing_out_everywhere_ends_every_session_of_the_user(
    client: TestClient, make_user: MakeUser
):
    make_user("organiser", aks=["ale"], email="olle@example.se", password="ett-bra-losen")
    one, two = _login(client, "olle@example.se"), _login(client, "olle@example.se")
    assert client.post("/api/auth/sessions/revoke", headers=bearer(one)).status_code == 204
    assert client.get("/api/me", headers=bearer(one)).status_code == 401
    assert client.get("/api/me", headers=bearer(two)).status_code == 401
    assert client.get("/api/me", headers=bearer(_login(client, "olle@example.se"))).is_success


def test_an_organiser_signs_a_lost_phone_out(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    token = redeem(client, make_invite(client, olle)["code"])
    vera_id = client.get("/api/me", headers=bearer(token)).json()["id"]
    revoked = client.post(f"/api/users/{vera_id}/sessions/revoke", headers=olle.headers)
    assert revoked.status_code == 204
    assert client.get("/api/me", headers=bearer(token)).status_code == 401


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(
    client: TestClient, make_user: MakeUser, staff
):
    olle = make_user("organiser", aks=["ale"], email="olle@example.se", password="ett-bra-losen")
    token = _login(client, "olle@example.se")
    response = client.patch(f"/api/users/{olle.id}", json={"disabled": True}, headers=staff.headers)
    assert response.status_code == 200
    assert response.json()["disabled"] is True
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    again = client.post(
        "/api/auth/login", json={"email": "olle@example.se", "password": "ett-bra-losen"}
    )
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_credentials"
    # Enabling does not bring old sessions back; a new sign-in works.
    client.patch(f"/api/users/{olle.id}", json={"disabled": False}, headers=staff.headers)
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/me", headers=bearer(_login(client, "olle@example.se"))).is_success


def test_tokens_are_stored_only_as_digests(client: TestClient, make_user: MakeUser, db: Engine):
    make_user("staff", email="stina@example.se", password="ett-bra-losen")
    token = _login(client, "stina@example.se")
    with Session(db) as session:
        hashes = [a.token_hash for a in session.exec(select(AuthSession)).all()]
    assert token not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_a_staff_or_organiser_session_ends_after_being_idle_and_a_used_one_lives_on(
    client: TestClient, make_user: MakeUser, db: Engine
):
    # Failed before the fix: a staff session lived its whole 30 days however long unused.
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update
    from sqlmodel import Session, col, select

    from api.models.accounts import AuthSession

    staff = make_user("staff")
    organiser = make_user("organiser", aks=["ale"])
    volunteer = make_user("volunteer", aks=["ale"])

    def last_used(person: object, minutes_ago: float) -> None:
        with Session(db) as session:
            session.execute(
                update(AuthSession)
                .where(col(AuthSession.user_id) == person.id)  # type: ignore[attr-defined]
                .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes_ago))
            )
            session.commit()

    for person in (staff, organiser, volunteer):
        last_used(person, 3 * 60)  # longer than the default 120 idle minutes
    assert client.get("/api/me", headers=staff.headers).status_code == 401
    assert client.get("/api/me", headers=organiser.headers).status_code == 401
    assert client.get("/api/me", headers=volunteer.headers).status_code == 200  # a phone

    other = make_user("staff")
    last_used(other, 100)  # still within the idle time: a read keeps it alive
    assert client.get("/api/me", headers=other.headers).status_code == 200
    with Session(db) as session:
        seen = session.exec(
            select(AuthSession.last_seen_at).where(AuthSession.user_id == other.id)
        ).one()
    assert seen is not None and datetime.now(UTC) - seen < timedelta(minutes=1)
