"""Builders for the knackpass tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.support.sync import district_ids


def make_shift(
    client: TestClient,
    by: Person,
    ak: str = "ale",
    *,
    starts_in: timedelta = timedelta(minutes=-30),
    hours: float = 3,
    **extra: Any,
) -> dict[str, Any]:
    starts = datetime.now(UTC) + starts_in
    body: dict[str, Any] = {
        "ak": ak,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        "meeting_point": "Ale torg, vid biblioteket",
        "district_ids": district_ids(client, by, ak)[:2],
    }
    body.update(extra)
    response = client.post("/api/shifts", json=body, headers=by.headers)
    assert response.status_code == 201, response.text
    shift: dict[str, Any] = response.json()
    return shift


def summary_of(client: TestClient, who: Person, shift_id: int) -> dict[str, Any]:
    response = client.get(f"/api/shifts/{shift_id}/summary", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
