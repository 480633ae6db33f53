"""The session cookie: a second carrier of the phone's session, refused cross-site for writes.

The test client speaks plain http to "testserver", where a real client would not send a
Secure cookie back; the tests send the cookie themselves, as the browser does over https
(and on localhost: tests/system/browser/test_storage_wiped.py).
"""

from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.accounts.access import SESSION_COOKIE
from api.core.db import utcnow
from api.models.accounts import AuthSession
from tests.conftest import MakeUser, Person
from tests.support.accounts import bearer, make_invite, set_columns
from tests.support.sync import a_log


def _join(client: TestClient, organiser: Person) -> tuple[str, SimpleCookie]:
    code = make_invite(client, organiser)["code"]
    response = client.post("/api/auth/redeem", json={"code": code, "name": "Vera"})
    assert response.status_code == 200, response.text
    cookie = SimpleCookie(response.headers["set-cookie"])
    return response.json()["access_token"], cookie


def _cookie(token: str, **more: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}", **more}


SAME_ORIGIN = {"X-Knacka": "1", "Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}


@pytest.fixture
def olle(make_user: MakeUser) -> Person:
    return make_user("organiser", aks=["ale"])


def _district(client: TestClient, token: str) -> int:
    response = client.get("/api/districts", params={"ak": "ale"}, headers=_cookie(token))
    assert response.status_code == 200, response.text
    district_id: int = response.json()[0]["id"]
    return district_id


def test_redeem_sets_an_httponly_secure_strict_cookie_with_the_same_session(
    client: TestClient, olle: Person
):
    token, cookie = _join(client, olle)
    morsel = cookie[SESSION_COOKIE]
    assert morsel.value == token
    assert morsel["httponly"] and morsel["secure"]
    assert morsel["samesite"] == "strict"
    assert morsel["path"] == "/api"
    assert int(morsel["max-age"]) > 0


def test_login_for_password_accounts_sets_no_cookie(client: TestClient, make_user: MakeUser):
    make_user("staff", email="stina@example.se", password="ett-bra-losen")
    response = client.post(
        "/api/auth/login", json={"email": "stina@example.se", "password": "ett-bra-losen"}
    )
    assert response.status_code == 200
    assert "set-cookie" not in response.headers


def test_the_cookie_alone_reads_everything_the_phone_needs(client: TestClient, olle: Person):
    token, _ = _join(client, olle)
    me = client.get("/api/me", headers=_cookie(token))
    assert me.status_code == 200 and me.json()["name"] == "Vera"
    assert me.json()["last_log_at"] is None
    year = utcnow().year
    # The fast paths read the token themselves: they take the cookie too.
    assert client.get("/api/totals", params={"year": year}, headers=_cookie(token)).is_success
    assert client.get("/api/me/today", headers=_cookie(token)).is_success
    assert client.get("/api/me").status_code == 401


def test_me_tells_the_phone_its_last_acknowledged_log(client: TestClient, olle: Person):
    token, _ = _join(client, olle)
    before = utcnow()
    answer = client.post(
        "/api/sync", json={"logs": [a_log(_district(client, token))]}, headers=bearer(token)
    )
    assert answer.json()["results"][0]["status"] == "created"
    last = client.get("/api/me", headers=bearer(token)).json()["last_log_at"]
    assert last is not None

    assert datetime.fromisoformat(last) >= before - timedelta(seconds=1)


def _sync_with(client: TestClient, headers: dict[str, str], district_id: int) -> Any:
    return client.post("/api/sync", json={"logs": [a_log(district_id)]}, headers=headers)


def test_a_write_with_the_cookie_alone_is_refused_as_csrf(client: TestClient, olle: Person):
    token, _ = _join(client, olle)
    district = _district(client, token)
    cross_site = {"Sec-Fetch-Site": "cross-site", "Origin": "https://elak.example"}
    for headers in (
        _cookie(token),  # a plain cross-site form post: no custom header
        _cookie(token, **cross_site),
        _cookie(token, **{**SAME_ORIGIN, "Sec-Fetch-Site": "cross-site"}),
        _cookie(token, **{**SAME_ORIGIN, "Sec-Fetch-Site": "same-site"}),
        _cookie(token, **{**SAME_ORIGIN, "Origin": "https://elak.example"}),
        _cookie(token, **{**SAME_ORIGIN, "X-Knacka": "0"}),
    ):
        response = _sync_with(client, headers, district)
        assert response.status_code == 403, headers
        assert response.json()["code"] == "csrf_refused"
    # The non-fast-path routes refuse the same way (the dependency).
    refused = client.post("/api/auth/logout", headers=_cookie(token))
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_refused"
    assert client.get("/api/me", headers=bearer(token)).status_code == 200  # still signed in


def test_a_same_origin_write_with_the_header_and_the_cookie_works(client: TestClient, olle: Person):
    token, _ = _join(client, olle)
    district = _district(client, token)
    response = _sync_with(client, _cookie(token, **SAME_ORIGIN), district)
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "created"
    # Older browsers send neither Sec-Fetch-Site nor Origin: the header alone then suffices.
    response = _sync_with(client, _cookie(token, **{"X-Knacka": "1"}), district)
    assert response.json()["results"][0]["status"] == "created"


def test_bearer_requests_are_unaffected_by_the_csrf_rule(client: TestClient, olle: Person):
    token, _ = _join(client, olle)
    district = _district(client, token)
    # A bearer token is never added by a browser on its own: no header or origin is needed.
    headers = {**bearer(token), "Sec-Fetch-Site": "cross-site", "Origin": "https://annan.example"}
    response = _sync_with(client, headers, district)
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "created"


def test_logout_ends_both_carriers_and_clears_the_cookie(client: TestClient, olle: Person):
    token, _ = _join(client, olle)
    response = client.post("/api/auth/logout", headers=_cookie(token, **SAME_ORIGIN))
    assert response.status_code == 204
    cleared = SimpleCookie(response.headers["set-cookie"])[SESSION_COOKIE]
    assert cleared.value == "" and cleared["max-age"] == "0" and cleared["path"] == "/api"
    assert client.get("/api/me", headers=_cookie(token)).status_code == 401
    assert client.get("/api/me", headers=bearer(token)).status_code == 401


def test_revocation_expiry_and_erasure_end_the_cookie_too(
    client: TestClient, olle: Person, db: Engine
):
    revoked, _ = _join(client, olle)
    vera = client.get("/api/me", headers=_cookie(revoked)).json()["id"]
    answer = client.post(f"/api/users/{vera}/sessions/revoke", headers=olle.headers)
    assert answer.status_code == 204
    assert client.get("/api/me", headers=_cookie(revoked)).status_code == 401

    expired, _ = _join(client, olle)
    with Session(db) as session:
        auth = session.exec(
            select(AuthSession).order_by(AuthSession.id.desc())  # type: ignore[union-attr]
        ).first()
        assert auth is not None
    set_columns(db, AuthSession, auth.id, expires_at=utcnow() - timedelta(seconds=1))
    assert client.get("/api/me", headers=_cookie(expired)).status_code == 401

    erased, _ = _join(client, olle)
    nils = client.get("/api/me", headers=_cookie(erased)).json()["id"]
    assert client.post(f"/api/users/{nils}/erase", headers=olle.headers).status_code == 200
    assert client.get("/api/me", headers=_cookie(erased)).status_code == 401
    assert (
        client.get("/api/totals", params={"year": 2026}, headers=_cookie(erased)).status_code == 401
    )
