"""No 500 from text: every text input and query parameter refuses control characters and
over-long values at the schema (422), on SQLite and on PostgreSQL (which refuses NUL in text).
"""

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.conftest import MakeUser, Person, make_settings

FORMATS = {"date", "date-time", "uuid"}


def _schema() -> dict[str, Any]:
    path = Path(tempfile.gettempdir()) / "knacka-schema-only.db"
    return create_app(make_settings(f"sqlite:///{path}")).openapi()


def _strings(schema: dict[str, Any], where: str, parts: dict[str, Any]) -> Iterator[tuple]:
    if "$ref" in schema:
        schema = parts[schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _strings(sub, where, parts)
    if schema.get("type") == "string" and schema.get("format") not in FORMATS:
        yield where, schema
    for name, prop in schema.get("properties", {}).items():
        yield from _strings(prop, f"{where}.{name}", parts)
    if "items" in schema:
        yield from _strings(schema["items"], f"{where}[]", parts)


def _text_inputs() -> list[tuple[str, dict[str, Any]]]:
    document = _schema()
    parts = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header":  # HTTP itself refuses control characters there
                    continue
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                found += list(_strings(parameter["schema"], where, parts))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found += list(_strings(content["schema"], f"{method.upper()} {path} body", parts))
    return found


MULTI_LINE = ("body.guide",)


def test_every_text_input_has_a_length_limit_and_refuses_control_characters():
    assert _text_inputs(), "the walk found no text inputs"
    lacking = []
    for where, schema in _text_inputs():
        if "enum" in schema or schema.get("format") == "binary":  # an uploaded file, not text
            continue
        pattern = schema.get("pattern")
        # A campaign's samtalsstöd is a card of plain lines: a line break is its only control.
        controls = ("\x00", "\r", "\x1b", "\x7f") + (() if where.endswith(MULTI_LINE) else ("\n",))
        refuses = pattern is not None and all(
            re.search(pattern, f"ok{c}ok") is None for c in controls
        )
        if "maxLength" not in schema or not refuses:
            lacking.append(where)
    assert lacking == []


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a\x00@example.se", "password": "x"},
        {"email": "a@example.se", "password": "p\x00"},
        {"email": "a@example.se", "password": "x", "totp": "12\x003456"},
        {"email": "x" * 300, "password": "x"},
    ],
)
def test_a_nul_byte_in_anonymous_login_is_a_422_not_a_500(client: TestClient, body: dict):
    # Failed before the fix on PostgreSQL: 500 (NUL in the e-mail reached the database).
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 422, response.text
    assert set(response.json()) == {"detail", "code"}


def test_names_codes_and_aks_with_control_characters_are_refused(
    client: TestClient, staff: Person, make_user: MakeUser
):
    volunteer = make_user("volunteer", aks=["ale"])
    calls = [
        ("GET", "/api/districts", {"ak": "ale\x00"}, None, staff),
        ("GET", "/api/districts/geometry", {"ak": "ale\x00"}, None, staff),
        ("GET", "/api/users", {"ak": "ale\x00"}, None, staff),
        ("GET", "/api/invites", {"ak": "ale\x00"}, None, staff),
        ("POST", "/api/invites", {}, {"ak": "ale\x00"}, staff),
        ("POST", "/api/auth/redeem", {}, {"code": "c\x00", "name": "Ny"}, None),
        ("POST", "/api/auth/redeem", {}, {"code": "c", "name": "Ny\x00"}, None),
        ("POST", "/api/auth/redeem", {}, {"code": "c", "name": "Ny\nRad"}, None),
        ("PATCH", f"/api/users/{volunteer.id}", {}, {"name": "Vera\x00"}, staff),
        (
            "POST",
            "/api/users",
            {},
            {
                "email": "o@example.se",
                "password": "ett-bra-losen-1",
                "name": "Org",
                "role": "organiser",
                "aks": ["a" * 60] * 20,  # failed before: 500 from the varchar limit
            },
            staff,
        ),
        ("PUT", f"/api/users/{volunteer.id}/aks", {}, {"aks": ["ale\x00"]}, staff),
    ]
    for method, url, query, body, who in calls:
        response = client.request(
            method, url, params=query, json=body, headers=who.headers if who else {}
        )
        assert response.status_code == 422, (method, url, response.status_code, response.text)
        assert set(response.json()) == {"detail", "code"}
