"""Password hashing runs in its own bounded lane: never on the thread pool the sync shares,
and a sign-in beyond the lane's waiting room is refused at once, before any hashing."""

import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.core import security
from api.core.errors import TooManyRequests
from api.core.security import PasswordLane
from api.models.accounts import LoginFailure
from tests.conftest import MakeUser


def test_a_password_is_checked_on_the_lanes_own_threads(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    threads: list[str] = []
    real = security.verify_password

    def recording(password: str, password_hash: str | None) -> bool:
        threads.append(threading.current_thread().name)
        return real(password, password_hash)

    monkeypatch.setattr(security, "verify_password", recording)
    make_user("organiser", aks=["ale"], email="olle@example.se", password="ett-bra-losen-1")
    signed_in = client.post(
        "/api/auth/login", json={"email": "olle@example.se", "password": "ett-bra-losen-1"}
    )
    assert signed_in.status_code == 200, signed_in.text
    unknown = client.post("/api/auth/login", json={"email": "x@example.se", "password": "fel"})
    assert unknown.status_code == 401
    assert len(threads) == 2
    assert all(name.startswith("password") for name in threads), threads


def test_a_sign_in_beyond_the_lanes_waiting_room_gets_429_at_once_and_counts_nothing(
    app: FastAPI, client: TestClient, db: Engine, monkeypatch: pytest.MonkeyPatch
):
    # Failed before the fix: 300 anonymous sign-ins all hashed at once (1.45 GiB, sync 53 s).
    lane: PasswordLane = app.state.password_lane
    hashed: list[str] = []
    monkeypatch.setattr(security, "verify_password", lambda p, h: hashed.append(p) or False)
    monkeypatch.setattr(lane, "in_flight", lane.max_in_flight)  # every place is taken
    response = client.post("/api/auth/login", json={"email": "a@example.se", "password": "x"})
    assert response.status_code == 429
    assert response.json()["code"] == "login_busy"
    assert response.headers["Retry-After"] == "1"
    assert hashed == []
    with Session(db) as session:
        assert session.execute(select(func.count()).select_from(LoginFailure)).scalar_one() == 0


def test_the_lane_admits_up_to_its_limit_and_gives_places_back():
    lane = PasswordLane(workers=1, max_in_flight=2)
    with lane.admitted(), lane.admitted():
        with pytest.raises(TooManyRequests), lane.admitted():
            pass
        assert lane.in_flight == 2
    assert lane.in_flight == 0
    with lane.admitted():
        assert lane.in_flight == 1
