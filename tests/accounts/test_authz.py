"""The authorisation matrix: every route, every kind of caller, own and foreign objects.

Built from app.routes, so a new route without an entry in tests/authz_policy.py fails here.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.accounts import service as accounts
from api.models.plan import District
from api.plan import catalogue
from tests.conftest import TEST_SECRET, MakeUser, Person
from tests.support.authz_policy import FOREIGN_AK, OWN_AK, POLICY, ROLES, Policy

SECRET_NAMES = ("Hemlig Hedvig", "Hemlig Holger")


def declared_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")  # Starlette adds HEAD to GET routes itself
        for method in methods:
            assert route.path is not None
            found.add((method, route.path))
    return found


def test_every_route_has_a_policy_and_every_policy_a_route(app: FastAPI):
    routes = declared_routes(app)
    assert sorted(routes - POLICY.keys()) == [], "routes without an entry in tests/authz_policy"
    assert sorted(POLICY.keys() - routes) == [], "entries in tests/authz_policy without a route"


@dataclass
class Context:
    db: Engine
    people: dict[str, Person | None]


def _fill(value: Any, names: dict[str, Any]) -> Any:
    """Replaces {placeholder}s in strings, lists and dicts; a whole-string one keeps its type."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        for key, replacement in names.items():
            value = value.replace("{" + key + "}", str(replacement))
        return value
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _objects_of_the_own_ak(db: Engine, make_user: MakeUser, policy: Policy) -> dict[str, Any]:
    """Fresh target objects, all in the own AK, named so a leak would show."""
    if policy.target == "organiser":
        target = make_user("organiser", aks=[OWN_AK], name=SECRET_NAMES[1])
    else:
        target = make_user("volunteer", aks=[OWN_AK], name=SECRET_NAMES[0])
    with Session(db) as session:
        ak = catalogue.get_ak_by_slug(session=session, slug=OWN_AK)
        code, invite = accounts.create_invite(
            session=session,
            ak=ak,
            created_by=target.id,
            max_uses=1,
            expires_in_days=7,
            secret_key=TEST_SECRET,
        )
        district = session.exec(select(District).where(District.ak_id == ak.id)).first()
        assert district is not None
        invite_id, district_id = invite.id, district.id
        session.commit()
    return {
        "user_id": target.id,
        "invite_id": invite_id,
        "invite_code": code,
        "district_id": district_id,
        "unique": uuid.uuid4().hex[:12],
        "recent": datetime.now(UTC).isoformat(),
    }


def _caller(make_user: MakeUser, role: str) -> Person | None:
    return {
        "anonymous": lambda: None,
        "volunteer": lambda: make_user("volunteer", aks=[OWN_AK], name="Vera"),
        "organiser_own": lambda: make_user("organiser", aks=[OWN_AK], name="Olle"),
        "organiser_foreign": lambda: make_user("organiser", aks=[FOREIGN_AK], name="Frida"),
        "staff": lambda: make_user("staff", name="Stina"),
    }[role]()


@pytest.mark.parametrize("key", sorted(POLICY), ids=lambda k: f"{k[0]} {k[1]}")
def test_each_role_gets_the_expected_status(
    key: tuple[str, str], client: TestClient, db: Engine, make_user: MakeUser
):
    method, path = key
    policy = POLICY[key]
    assert set(policy.expect) == set(ROLES), f"{key}: give a status for every role"
    if path == "/{path:path}":
        path = "/"
    for role in ROLES:
        # Fresh callers and objects per role: a logout or an erasure cannot spoil the next.
        caller = _caller(make_user, role)
        names = _objects_of_the_own_ak(db, make_user, policy)
        if policy.prepare is not None:
            names.update(policy.prepare(Context(db=db, people={role: caller})))
        url = _fill(path, names)
        body = _fill(policy.body, names) if policy.body is not None else None
        response = client.request(
            method,
            url,
            params=_fill(policy.query, names),
            json=body,
            headers=caller.headers if caller else {},
        )
        expected = policy.expect[role]
        assert response.status_code == expected, (
            f"{method} {url} as {role}: {response.status_code} {response.text[:200]}"
        )
        if response.status_code in (401, 403, 404):
            # Refusals carry only the error, never a field of the object refused.
            assert set(response.json()) == {"detail", "code"}, response.text
            assert not any(n in response.text for n in SECRET_NAMES), response.text


def test_refusals_leak_nothing_about_foreign_people(
    client: TestClient, make_user: MakeUser, db: Engine
):
    frida = make_user("organiser", aks=[FOREIGN_AK])
    hedvig = make_user("volunteer", aks=[OWN_AK], name=SECRET_NAMES[0])
    missing = client.get("/api/users/999999", headers=frida.headers)
    foreign = client.get(f"/api/users/{hedvig.id}", headers=frida.headers)
    # A foreign person and nobody at all look the same.
    assert foreign.status_code == missing.status_code == 404
    assert json.loads(foreign.text) == json.loads(missing.text)
    listed = client.get("/api/users", params={"ak": OWN_AK}, headers=frida.headers)
    assert listed.status_code == 403
    assert SECRET_NAMES[0] not in listed.text


def _carries_an_id(body: Any) -> bool:
    if isinstance(body, dict):
        return any(k.endswith("_id") or _carries_an_id(v) for k, v in body.items())
    if isinstance(body, list):
        return any(_carries_an_id(v) for v in body)
    return False


def test_every_route_with_an_id_in_its_body_lists_cross_ak_cases():
    lacking = [
        key
        for key, policy in POLICY.items()
        if _carries_an_id(policy.body)
        and policy.expect["organiser_own"] < 400
        and not policy.cross_ak
    ]
    assert lacking == [], "routes taking ids in bodies without cross-AK cases in authz_policy"


CROSS_AK = [(key, n) for key, policy in sorted(POLICY.items()) for n in range(len(policy.cross_ak))]


@pytest.mark.parametrize("key,number", CROSS_AK, ids=lambda v: str(v))
def test_an_id_of_another_ak_in_a_body_is_answered_as_if_missing(
    key: tuple[str, str], number: int, client: TestClient, db: Engine, make_user: MakeUser
):
    method, path = key
    policy = POLICY[key]
    case = policy.cross_ak[number]
    caller = make_user("organiser", aks=[OWN_AK], name="Olle")
    names = _objects_of_the_own_ak(db, make_user, policy)
    foreign = make_user("volunteer", aks=[FOREIGN_AK], name=SECRET_NAMES[1])
    with Session(db) as session:
        lerum = catalogue.get_ak_by_slug(session=session, slug=FOREIGN_AK)
        district = session.exec(select(District).where(District.ak_id == lerum.id)).first()
        assert district is not None
        names["foreign_district_id"] = district.id
    names["foreign_user_id"] = foreign.id
    names["staff_id"] = make_user("staff").id
    names["recent"] = datetime.now(UTC).isoformat()
    if policy.prepare is not None:
        names.update(policy.prepare(Context(db=db, people={"organiser_own": caller})))
    response = client.request(
        method, _fill(path, names), json=_fill(case.body, names), headers=caller.headers
    )
    assert response.status_code == case.status, response.text
    answer = response.json()
    code = answer["results"][0].get("code") if case.item_code else answer.get("code")
    assert code == case.code, response.text
    assert SECRET_NAMES[1] not in response.text
