"""More than 5 failed sign-ins for an account in 15 minutes: 429, even for the right password.

The failures live in the database, so every API process sees the same count.
"""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.main import create_app
from api.models.accounts import LoginFailure
from tests.conftest import MakeUser, make_settings

GOOD = {"email": "stina@example.se", "password": "ett-bra-losen"}
BAD = {"email": "stina@example.se", "password": "fel-losen"}


def _fail(client: TestClient, body: dict[str, str], times: int) -> None:
    for _ in range(times):
        assert client.post("/api/auth/login", json=body).status_code == 401


def _age_failures(db: Engine, minutes: int) -> None:
    with Session(db) as session:
        for failure in session.exec(select(LoginFailure)).all():
            failure.at -= timedelta(minutes=minutes)
            session.add(failure)
        session.commit()


def test_the_sixth_attempt_after_five_failures_waits_even_with_the_right_password(
    client: TestClient, make_user: MakeUser
):
    make_user("staff", email=GOOD["email"], password=GOOD["password"])
    _fail(client, BAD, 5)
    response = client.post("/api/auth/login", json=GOOD)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 15 * 60
    # The message says how long: the minutes the header gives, rounded up.
    minutes = -(-wait // 60)
    assert response.json()["detail"].endswith(
        "en minut." if minutes == 1 else f"om {minutes} minuter."
    )


def test_the_throttle_lifts_by_itself_after_the_window(
    client: TestClient, make_user: MakeUser, db: Engine
):
    make_user("staff", email=GOOD["email"], password=GOOD["password"])
    _fail(client, BAD, 5)
    assert client.post("/api/auth/login", json=GOOD).status_code == 429
    _age_failures(db, 16)
    assert client.post("/api/auth/login", json=GOOD).status_code == 200


def test_a_good_sign_in_clears_the_count(client: TestClient, make_user: MakeUser):
    make_user("staff", email=GOOD["email"], password=GOOD["password"])
    _fail(client, BAD, 4)
    assert client.post("/api/auth/login", json=GOOD).status_code == 200
    _fail(client, BAD, 4)
    assert client.post("/api/auth/login", json=GOOD).status_code == 200


def test_unknown_and_known_emails_are_throttled_alike(client: TestClient, make_user: MakeUser):
    make_user("staff", email=GOOD["email"], password=GOOD["password"])
    unknown = {"email": "nobody@example.se", "password": "fel-losen"}
    _fail(client, BAD, 5)
    _fail(client, unknown, 5)
    known_answer = client.post("/api/auth/login", json=BAD)
    unknown_answer = client.post("/api/auth/login", json=unknown)
    assert known_answer.status_code == unknown_answer.status_code == 429
    assert known_answer.json() == unknown_answer.json()


def test_other_accounts_are_not_locked_by_one_accounts_failures(
    client: TestClient, make_user: MakeUser
):
    make_user("staff", email=GOOD["email"], password=GOOD["password"])
    make_user("staff", email="olle@example.se", password="ett-bra-losen")
    _fail(client, BAD, 5)
    other = client.post(
        "/api/auth/login", json={"email": "olle@example.se", "password": "ett-bra-losen"}
    )
    assert other.status_code == 200


def test_one_ip_is_limited_across_many_accounts(database_url: str, db: Engine, make_user: MakeUser):
    make_user("staff", email=GOOD["email"], password=GOOD["password"])
    app = create_app(make_settings(database_url, login_ip_max_failures=8))
    with TestClient(app) as client:
        for n in range(8):
            body = {"email": f"guess{n}@example.se", "password": "x"}
            assert client.post("/api/auth/login", json=body).status_code == 401
        response = client.post("/api/auth/login", json=GOOD)
        assert response.status_code == 429
        assert "Retry-After" in response.headers


def test_the_count_is_shared_by_every_api_process(
    database_url: str, db: Engine, make_user: MakeUser
):
    make_user("staff", email=GOOD["email"], password=GOOD["password"])
    first = create_app(make_settings(database_url))
    second = create_app(make_settings(database_url))
    with TestClient(first) as a, TestClient(second) as b:
        _fail(a, BAD, 3)
        _fail(b, BAD, 2)
        assert a.post("/api/auth/login", json=GOOD).status_code == 429
        assert b.post("/api/auth/login", json=GOOD).status_code == 429
