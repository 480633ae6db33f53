"""Small builders shared by the door-log tests."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Person


def district_ids(client: TestClient, who: Person, ak: str) -> list[int]:
    response = client.get("/api/districts", params={"ak": ak}, headers=who.headers)
    assert response.status_code == 200
    return [d["id"] for d in response.json()]


def a_log(district_id: int, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "district_id": district_id,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
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
