"""Helpers for the account tests: invites, redeeming, reaching into the database."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from tests.conftest import Person


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_invite(client: TestClient, by: Person, ak: str = "ale", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/invites", json={"ak": ak, **extra}, headers=by.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def redeem(client: TestClient, code: str, name: str = "Vera Volontär") -> str:
    response = client.post("/api/auth/redeem", json={"code": code, "name": name})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def set_columns(db: Engine, table: Any, row_id: Any, **values: Any) -> None:
    """Moves a row's timestamps without waiting: the clock is the database's data."""
    with Session(db) as session:
        session.execute(update(table).where(table.id == row_id).values(**values))
        session.commit()
