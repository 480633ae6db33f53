"""GET /api/totals/stream: totals on connect and after every change, across API processes."""

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.support.people import make_person
from tests.support.servers import knacka_server
from tests.support.sse import iter_events

SECRET = "test-secret-key"


def _log(district_id: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "district_id": district_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "outcome": "conversation",
    }


def _ale_conversations(totals: dict[str, Any]) -> int:
    return next(a["conversations"] for a in totals["aks"] if a["ak"] == "ale")


@pytest.mark.slow
def test_a_log_written_through_one_process_reaches_a_stream_on_the_other(
    two_processes: tuple[str, str, str],
):
    url, first, second = two_processes
    staff = {"Authorization": f"Bearer {make_person(url, SECRET, 'staff')}"}
    volunteer = {"Authorization": f"Bearer {make_person(url, SECRET, 'volunteer', ['ale'])}"}
    district = httpx.get(f"{first}/api/districts", params={"ak": "ale"}, headers=volunteer)
    district_id = district.json()[0]["id"]
    with httpx.stream(
        "GET", f"{second}/api/totals/stream", params={"year": 2026}, headers=staff, timeout=20
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = iter_events(stream)
        name, opening = next(events)
        assert name == "totals" and _ale_conversations(opening) == 0
        sent = httpx.post(
            f"{first}/api/sync", json={"logs": [_log(district_id)]}, headers=volunteer
        )
        assert sent.json()["results"][0]["status"] == "created"
        name, update = next(events)
        assert name == "totals"
        assert _ale_conversations(update) == 1
        assert (
            update == httpx.get(f"{second}/api/totals", params={"year": 2026}, headers=staff).json()
        )


@pytest.mark.slow
def test_on_sqlite_a_log_reaches_an_open_stream_in_the_same_process(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    with knacka_server(url) as base:
        staff = {"Authorization": f"Bearer {make_person(url, SECRET, 'staff')}"}
        volunteer = {"Authorization": f"Bearer {make_person(url, SECRET, 'volunteer', ['ale'])}"}
        district_id = httpx.get(
            f"{base}/api/districts", params={"ak": "ale"}, headers=volunteer
        ).json()[0]["id"]
        with httpx.stream(
            "GET", f"{base}/api/totals/stream", params={"year": 2026}, headers=staff, timeout=20
        ) as stream:
            events = iter_events(stream)
            assert _ale_conversations(next(events)[1]) == 0
            httpx.post(f"{base}/api/sync", json={"logs": [_log(district_id)]}, headers=volunteer)
            assert _ale_conversations(next(events)[1]) == 1


def test_the_stream_needs_a_session_and_a_sane_year(client: TestClient, staff: Person):
    assert client.get("/api/totals/stream", params={"year": 2026}).status_code == 401
    bad = client.get("/api/totals/stream", params={"year": 1800}, headers=staff.headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_error"


def test_a_stream_is_bounded_and_opens_with_retry_and_a_snapshot(
    database_url: str, db: Any, make_user: Any
):
    from api.main import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(database_url))  # streams end after 0.3 s in tests
    staff = make_user("staff")
    with TestClient(app) as client:
        # The stream ends by itself after stream_max_seconds, so reading it whole returns.
        body = client.get("/api/totals/stream", params={"year": 2026}, headers=staff.headers)
    assert body.status_code == 200
    assert body.text.startswith("retry: 3000\n\n")
    assert "event: totals\ndata: " in body.text
    assert body.headers["x-accel-buffering"] == "no"
