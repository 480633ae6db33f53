"""GET /api/totals/stream: totals on connect and after every change, across API processes."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import MakeUser, Person
from tests.support.people import make_person
from tests.support.servers import knacka_server
from tests.support.sse import iter_events
from tests.support.sync import a_log, district_ids, sync

SECRET = "test-secret-key"


def _log(district_id: int) -> dict[str, Any]:
    # a_log spreads its logs within what a person can knock (the rate rule refuses more).
    return a_log(district_id)


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


def _burst(sync_base: str, stream_base: str, url: str, logs: int) -> None:
    """`logs` syncs at once through `sync_base` reach a stream on `stream_base` as few events,
    the last carrying the final figures: at most one per interval (1 s) of the burst."""
    staff = {"Authorization": f"Bearer {make_person(url, SECRET, 'staff')}"}
    volunteer = {"Authorization": f"Bearer {make_person(url, SECRET, 'volunteer', ['ale'])}"}
    district_id = httpx.get(
        f"{sync_base}/api/districts", params={"ak": "ale"}, headers=volunteer
    ).json()[0]["id"]

    def send(_: int) -> str:
        body = {"logs": [_log(district_id)]}
        answer = httpx.post(f"{sync_base}/api/sync", json=body, headers=volunteer, timeout=30)
        return str(answer.json()["results"][0]["status"])

    with httpx.stream(
        "GET", f"{stream_base}/api/totals/stream", params={"year": 2026}, headers=staff, timeout=30
    ) as stream:
        events = iter_events(stream)
        name, opening = next(events)
        assert name == "totals"
        before = _ale_conversations(opening)  # the module's other tests may have synced
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(send, range(logs))) == ["created"] * logs
        sent_for = time.monotonic() - began
        updates = []
        for name, update in events:
            assert name == "totals"
            updates.append(_ale_conversations(update) - before)
            if updates[-1] == logs:
                break
        received_for = time.monotonic() - began
    assert updates == sorted(updates) and updates[-1] == logs
    assert len(updates) <= received_for / 1.0 + 1  # one event per interval at most
    assert len(updates) < logs / 2 or sent_for > logs / 4  # few, unless the syncs crawled


@pytest.mark.slow
def test_a_burst_through_one_process_reaches_a_stream_on_the_other_as_few_events(
    two_processes: tuple[str, str, str],
):
    url, first, second = two_processes
    _burst(first, second, url, logs=40)


@pytest.mark.slow
def test_on_sqlite_a_burst_reaches_a_stream_as_few_events(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    with knacka_server(url) as base:
        _burst(base, base, url, logs=40)


def test_syncs_do_not_wait_for_the_streams_snapshots(
    app: FastAPI, client: TestClient, make_user: MakeUser
):
    release = threading.Event()

    def stuck() -> str:  # a stream's snapshot held up, say by a slow query
        release.wait(30)
        return "{}"

    broker = app.state.live.broker
    followers = [broker.follow(("stuck", n), stuck) for n in range(2)]  # every snapshot thread
    assert client.portal is not None
    firsts = [client.portal.start_task_soon(f.first) for f in followers]
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    try:
        for _ in range(5):
            assert [r["status"] for r in sync(client, volunteer, [a_log(district)])] == ["created"]
        assert not any(first.done() for first in firsts)  # the snapshots were stuck throughout
    finally:
        release.set()
    assert [first.result(30) for first in firsts] == ["{}", "{}"]
    for follower in followers:
        client.portal.call(follower.close)
