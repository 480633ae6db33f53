"""PostgreSQL stopped and started while phones write through the API: during the outage the API
answers 503 with Retry-After and a generic body (never a 500), then it recovers, the live
listener reconnects, and nothing is lost or doubled.

This stops the machine's own PostgreSQL server for a few seconds (CI owns its server).
"""

import random
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from api.core.db import make_engine
from api.core.errors import DATABASE_RETRY_AFTER_SECONDS
from tests.conftest import fresh_database
from tests.support.devices import Device, random_log
from tests.support.people import make_person
from tests.support.servers import RestartableServer
from tests.support.sse import iter_events
from tests.system.test_exactly_once_chaos import (
    SECRET,
    ale_districts,
    assert_stored_as_sent,
    stored_logs,
    user_of,
    wait_until,
)

GENERIC_503 = {
    "detail": "The database is unavailable, try again shortly",
    "code": "database_unavailable",
}


def pg_ctl(action: str) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if action == "stop":
        command += ["-m", "fast"]  # disconnect the clients, as a crash or failover would
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def postgres_up() -> bool:
    done = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[RestartableServer, Engine]]:
    with fresh_database("postgresql", tmp_path) as url:
        server = RestartableServer(url, KNACKA_STREAM_MAX_SECONDS="20")
        server.start()
        engine = make_engine(url)
        try:
            yield server, engine
        finally:
            server.stop()
            engine.dispose()


def totals_doors(event: dict[str, Any]) -> int:
    return int(event["total"]["doors"])


@pytest.mark.slow
def test_postgres_restarted_during_writes_gives_503_then_recovers_with_nothing_lost(served):
    server, engine = served
    rng = random.Random(5)
    districts = ale_districts(engine)
    phones, per_phone = 3, 300
    devices, sent = [], {}
    for n in range(phones):
        token = make_person(server.database_url, SECRET, "volunteer", ["ale"])
        owner = user_of(engine, -1)
        device = Device(server.base, token, batch_size=10, seed=n, max_delay=0.3)
        for _ in range(per_phone):
            log = random_log(rng, districts)
            device.queue(log)
            sent[log["id"]] = (owner, log)
        devices.append(device)
    probe_token = devices[0].token

    stop = threading.Event()
    threads = [threading.Thread(target=d.run, args=(stop,)) for d in devices]
    for t in threads:
        t.start()
    outage: list[httpx.Response] = []
    try:
        assert wait_until(lambda: stored_logs(engine) >= 150, stop, 120)
        engine.dispose()
        pg_ctl("stop")
        try:
            with httpx.Client(base_url=server.base, timeout=30) as http:
                outage.append(http.get("/api/health"))
                outage.append(
                    http.post(
                        "/api/sync",
                        json={"logs": [random_log(rng, districts)]},
                        headers={"Authorization": f"Bearer {probe_token}"},
                    )
                )
                outage.append(
                    http.get("/api/me", headers={"Authorization": f"Bearer {probe_token}"})
                )
            # The phones keep trying through the outage; wait until each has heard a 503.
            assert wait_until(lambda: all(d.answers.get("503") for d in devices), stop, 30)
        finally:
            pg_ctl("start")
        assert wait_until(postgres_up, stop, 60)
        for t in threads:
            t.join(timeout=300)
            assert not t.is_alive()
    finally:
        stop.set()

    for response in outage:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == str(DATABASE_RETRY_AFTER_SECONDS)
        assert response.json() == GENERIC_503
    for device in devices:
        assert "500" not in device.answers, device.answers
        assert not device.outbox and not device.refused
    assert_stored_as_sent(engine, sent)

    # The live listener found its way back: a new log reaches an open stream.
    year = datetime.now(UTC).year
    headers = {"Authorization": f"Bearer {probe_token}"}
    with (
        httpx.Client(base_url=server.base, timeout=30) as http,
        http.stream("GET", "/api/totals/stream", params={"year": year}, headers=headers) as stream,
    ):
        events = iter_events(stream)
        name, first = next(events)
        assert name == "totals" and totals_doors(first) == len(sent)
        late = random_log(rng, districts)
        late["occurred_at"] = datetime.now(UTC).isoformat()
        synced = http.post("/api/sync", json={"logs": [late]}, headers=headers)
        assert synced.json()["results"][0]["status"] == "created"
        for _name, body in events:
            if totals_doors(body) == len(sent) + 1:
                break
        else:
            raise AssertionError("the stream ended without the new log")
