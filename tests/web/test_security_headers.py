"""Every response carries the security headers: API answers, errors, 404s, the shell, /sw.js."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.config import Settings
from api.main import create_app
from api.web.middleware import MAX_BODY_BYTES
from tests.conftest import Person, make_settings


def assert_security_headers(response, *, api: bool) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["content-security-policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"  # no inline scripts, no eval
    assert "unsafe" not in csp
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    if api:
        assert response.headers["cache-control"] == "no-store"


@pytest.fixture(scope="module")
def broken_app(settings: Settings) -> FastAPI:
    """The real app plus one route that fails, added to this test's app only."""
    app = create_app(settings)

    def explode() -> dict[str, str]:
        raise RuntimeError("secret detail: /home/knacka/api/db.py line 42 password=hunter2")

    # Ahead of the PWA's catch-all route.
    app.router.routes.insert(0, APIRoute("/api/test-only/explode", explode, methods=["GET"]))
    return app


@pytest.fixture
def broken_client(broken_app: FastAPI, db: Engine) -> Iterator[TestClient]:
    with TestClient(broken_app, raise_server_exceptions=False) as c:
        yield c


API_ANSWERS = [
    ("GET", "/api/health", 200),
    ("GET", "/api/me", 401),
    ("GET", "/api/no-such-route", 404),
    ("DELETE", "/api/health", 405),
    ("POST", "/api/auth/login", 422),
]


@pytest.mark.parametrize(("method", "path", "status"), API_ANSWERS)
def test_api_answers_and_errors_carry_the_headers(client, method, path, status):
    response = client.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == status
    assert_security_headers(response, api=True)
    assert set(response.json()) == {"detail", "code"} if status >= 400 else True


def test_peoples_data_is_never_cached(client, staff: Person):
    for path in ("/api/me", "/api/users?ak=ale", "/api/audit"):
        response = client.get(path, headers=staff.headers)
        assert response.status_code == 200, path
        assert_security_headers(response, api=True)


@pytest.mark.parametrize("path", ["/", "/sw.js", "/join/ABC123", "/index.html", "/nope.js"])
def test_the_shell_its_files_and_the_service_worker_carry_the_headers(client, path):
    response = client.get(path)
    assert response.status_code == (404 if path == "/nope.js" else 200)
    assert_security_headers(response, api=False)


def test_an_unexpected_error_shows_no_traceback_and_keeps_the_headers(broken_client):
    response = broken_client.get("/api/test-only/explode")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error", "code": "internal_error"}
    for leak in ("Traceback", "RuntimeError", "hunter2", "db.py"):
        assert leak not in response.text
    assert_security_headers(response, api=True)


def test_hsts_is_sent_when_served_over_https(database_url: str, db: Engine):
    app = create_app(make_settings(database_url, public_url="https://knacka.example.se"))
    with TestClient(app) as client:
        for path in ("/api/health", "/", "/api/no-such-route"):
            response = client.get(path)
            assert response.headers["strict-transport-security"].startswith("max-age=")


def test_no_hsts_over_plain_http(client):
    assert "strict-transport-security" not in client.get("/api/health").headers


def test_hsts_when_the_request_itself_came_over_https(client):
    response = client.get("https://testserver/api/health")
    assert "max-age=" in response.headers["strict-transport-security"]


def test_a_body_over_the_limit_is_refused_with_413_and_a_code(client, staff: Person):
    big = b'{"logs": [' + b" " * (MAX_BODY_BYTES + 10) + b"]}"
    response = client.post(
        "/api/sync",
        content=big,
        headers={**staff.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert_security_headers(response, api=True)


def test_a_chunked_body_over_the_limit_is_refused_too(client, staff: Person):
    def chunks() -> Iterator[bytes]:
        yield b'{"logs": ['
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536
        yield b"]}"

    response = client.post(
        "/api/sync",
        content=chunks(),
        headers={**staff.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
