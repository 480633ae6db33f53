"""No response carries a password hash, token hash, TOTP secret, recovery-code hash or invite code.

Two walks: the OpenAPI response schemas (by field name), and the real answers of a session that
uses every account route (by the stored values themselves).
"""

from typing import Any

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.accounts import AuthSession, Invite, RecoveryCode, TotpFactor, User
from tests.conftest import MakeUser

SECRET_WORDS = ("hash", "secret", "password", "recovery", "totp_code", "salt")
# The only answers that show a secret, each once, to the person it belongs to.
ALLOWED = {
    ("/api/invites", "post", "201"): {"code"},  # the invite code, to its creator
    ("/api/auth/totp", "post", "201"): {"secret"},  # the new TOTP secret, to its owner
    ("/api/auth/totp/verify", "post", "200"): {"recovery_codes"},
    ("/api/auth/totp/recovery-codes", "post", "200"): {"recovery_codes"},
}


def _property_names(schema: Any, components: dict[str, Any], seen: set[str]) -> set[str]:
    names: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                names |= _property_names(components[name], components, seen)
        for key, value in schema.get("properties", {}).items():
            names.add(key)
            names |= _property_names(value, components, seen)
        for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
            if key in schema:
                names |= _property_names(schema[key], components, seen)
    elif isinstance(schema, list):
        for item in schema:
            names |= _property_names(item, components, seen)
    return names


def test_no_response_schema_has_a_secret_field(app: FastAPI):
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    offenders = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    names = _property_names(media.get("schema", {}), components, set())
                    allowed = ALLOWED.get((path, method, status), set())
                    offenders += [
                        (path, method, status, n)
                        for n in names - allowed
                        if any(w in n.lower() for w in SECRET_WORDS)
                    ]
    assert offenders == []


def test_no_real_answer_carries_a_stored_secret(
    client: TestClient, make_user: MakeUser, db: Engine
):
    answers: list[tuple[str, str, Response]] = []

    def call(method: str, url: str, **kwargs: Any) -> Response:
        response = client.request(method, url, **kwargs)
        answers.append((method, url, response))
        return response

    staff = make_user("staff", email="stina@example.se", password="ett-bra-losen")
    olle = make_user("organiser", aks=["ale"], email="olle@example.se", password="ett-bra-losen")
    login = {"email": "olle@example.se", "password": "ett-bra-losen"}
    token = call("POST", "/api/auth/login", json=login).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    secret = call("POST", "/api/auth/totp", headers=auth).json()["secret"]
    code = pyotp.TOTP(secret).now()
    call("POST", "/api/auth/totp/verify", json={"code": code}, headers=auth)
    call("POST", "/api/auth/totp/recovery-codes", headers=auth)
    invite = call("POST", "/api/invites", json={"ak": "ale", "max_uses": 2}, headers=auth).json()
    vera = call("POST", "/api/auth/redeem", json={"code": invite["code"], "name": "Vera"}).json()
    vera_id = call("GET", "/api/me", headers={"Authorization": f"Bearer {vera['access_token']}"})
    vera_id = vera_id.json()["id"]
    for who in (auth, olle.headers, staff.headers):
        call("GET", "/api/users", params={"ak": "ale"}, headers=who)
        call("GET", "/api/invites", params={"ak": "ale"}, headers=who)
    for target in (vera_id, olle.id):
        call("GET", f"/api/users/{target}", headers=staff.headers)
        call("PATCH", f"/api/users/{target}", json={"name": "Ny"}, headers=staff.headers)
    call(
        "POST",
        "/api/users",
        json={"email": "ny@example.se", "password": "ett-bra-losen", "name": "Ny", "aks": ["ale"]},
        headers=staff.headers,
    )
    call("PUT", f"/api/users/{olle.id}/aks", json={"aks": ["ale", "lerum"]}, headers=staff.headers)
    call("GET", "/api/audit", headers=staff.headers)
    call("POST", f"/api/users/{vera_id}/erase", headers=auth)
    call("DELETE", f"/api/invites/{invite['id']}", headers=auth)
    call("GET", "/openapi.json")

    with Session(db) as session:
        kinds = {
            "password hashes": [u.password_hash for u in session.exec(select(User)).all()],
            "token hashes": [a.token_hash for a in session.exec(select(AuthSession)).all()],
            "invite code hashes": [i.code_hash for i in session.exec(select(Invite)).all()],
            "recovery code hashes": [r.code_hash for r in session.exec(select(RecoveryCode)).all()],
            "totp secrets": [f.secret for f in session.exec(select(TotpFactor)).all()],
        }
    stored_secrets = [s for values in kinds.values() for s in values if s]
    assert all(any(values) for values in kinds.values()), "every kind of secret was exercised"
    for method, url, response in answers:
        assert response.status_code < 500, (method, url, response.text)
        for value in stored_secrets:
            if (method, url, value) == ("POST", "/api/auth/totp", secret):
                continue  # shown once to its owner while enrolling
            assert value not in response.text, (method, url)
        if (method, url) != ("POST", "/api/invites"):
            assert invite["code"] not in response.text, (method, url)
