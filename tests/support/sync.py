"""Small builders shared by the door-log tests."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person


def district_ids(client: TestClient, who: Person, ak: str) -> list[int]:
    response = client.get("/api/districts", params={"ak": ak}, headers=who.headers)
    assert response.status_code == 200
    return [d["id"] for d in response.json()]


# Each new log 7 s before the one before (cycling within the last hour): at most 9 in a
# minute, so a test's logs stay within what a person can knock (api/door_logs/plausibility).
_spread = itertools.count()


def a_log(district_id: int, **changes: Any) -> dict[str, Any]:
    back = timedelta(minutes=5, seconds=7 * (next(_spread) % 480))
    item: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "district_id": district_id,
        "occurred_at": (datetime.now(UTC) - back).isoformat(),
        "outcome": "conversation",
        "topics": ["skola"],
        "new_member": False,
        "left_material": True,
    }
    item.update(changes)
    return item


def sync(client: TestClient, who: Person, logs: list[Any]) -> list[dict[str, Any]]:
    response = client.post("/api/sync", json={"logs": logs}, headers=who.headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def ak_totals(client: TestClient, who: Person, year: int, ak: str) -> dict[str, Any]:
    response = client.get("/api/totals", params={"year": year}, headers=who.headers)
    assert response.status_code == 200
    row: dict[str, Any] = next(r for r in response.json()["aks"] if r["ak"] == ak)
    return row


def server_receives_at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """The in-process server's sync clock set to `moment`: logs of a past season are within
    the 30 days a phone may still send (too_old is measured from when the server receives)."""
    at = datetime.fromisoformat(moment)
    monkeypatch.setattr("api.routes.sync.utcnow", lambda: at)
