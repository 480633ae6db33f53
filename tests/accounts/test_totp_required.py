"""Turning the TOTP requirement on ends staff and organisers' password-only sessions."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.main import create_app
from tests.conftest import MakeUser, make_settings


def test_requiring_totp_revokes_password_only_sessions_of_staff_and_organisers(
    database_url: str, db: Engine, make_user: MakeUser
):
    organiser = make_user("organiser", aks=["ale"])
    staff = make_user("staff")
    volunteer = make_user("volunteer", aks=["ale"])
    with TestClient(create_app(make_settings(database_url))) as client:
        assert client.get("/api/me", headers=organiser.headers).status_code == 200
    with TestClient(create_app(make_settings(database_url, require_totp=True))) as client:
        for person in (organiser, staff):
            assert client.get("/api/me", headers=person.headers).status_code == 401
        # Volunteers join by invite and have no second factor: their phones stay signed in.
        assert client.get("/api/me", headers=volunteer.headers).status_code == 200
