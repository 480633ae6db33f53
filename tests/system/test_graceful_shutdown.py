"""SIGTERM mid-load: syncs in flight finish and are answered, later ones are refused cleanly.

Also a crowd: more concurrent syncs than the pool has connections all get answers (before the
admission limit, the thread pool and the connection pool could wait on each other for 30 s).
"""

import itertools
import signal
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from api.core.db import make_engine
from api.door_logs.rollups import door_log
from tests.conftest import fresh_database
from tests.support.people import make_person
from tests.support.servers import VENV, free_port, server_env, stop, wait_healthy

pytestmark = pytest.mark.slow
SECRET = "test-secret-key"  # what tests.support.servers.server_env gives the server


# Every log of the module 7 s before the one before: one volunteer's logs stay within what a
# person can knock (api/door_logs/plausibility.py), however many batches are sent.
_back = itertools.count()


def _batch(district: int, n: int) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(minutes=1)
    return [
        {
            "id": str(uuid.uuid4()),
            "district_id": district,
            "occurred_at": (start - timedelta(seconds=7 * next(_back))).isoformat(),
            "outcome": "not_home",
        }
        for _ in range(n)
    ]


def _stored(url: str, ids: set[str]) -> set[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            found = session.execute(select(door_log.c.id)).scalars().all()
    finally:
        engine.dispose()
    return {str(i) for i in found} & ids


def _start(url: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [str(VENV / "bin" / "knacka"), "serve", "--port", str(port)],
        env=server_env(url),
        stdout=(tmp_path / "server.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, process)
    return process, base


def test_sigterm_finishes_in_flight_syncs_and_refuses_new_ones_cleanly(
    backend: str, tmp_path: Path
):
    with fresh_database(backend, tmp_path) as url:
        process, base = _start(url, tmp_path)
        token = make_person(url, SECRET, "volunteer", ["ale"])
        headers = {"Authorization": f"Bearer {token}"}
        district = httpx.get(f"{base}/api/districts", params={"ak": "ale"}, headers=headers)
        district_id = district.json()[0]["id"]
        answered: set[str] = set()  # ids of batches that got 200 with every item created
        unanswered: set[str] = set()  # ids of batches whose request failed at the transport
        other: list[str] = []
        enough = threading.Event()
        lock = threading.Lock()

        def sender() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                while True:
                    batch = _batch(district_id, 200)
                    ids = {item["id"] for item in batch}
                    try:
                        response = http.post("/api/sync", json={"logs": batch})
                    except httpx.TransportError:
                        with lock:
                            unanswered.update(ids)
                        if process.poll() is not None:
                            return
                        continue
                    with lock:
                        statuses = {r["status"] for r in response.json().get("results", [{}])}
                        if response.status_code == 200 and statuses == {"created"}:
                            answered.update(ids)
                            if len(answered) >= 200 * 12:
                                enough.set()
                        else:
                            other.append(f"{response.status_code} {response.text[:200]}")

        with ThreadPoolExecutor(4) as pool:
            senders = [pool.submit(sender) for _ in range(4)]
            assert enough.wait(120), "the server did not take syncs"
            # Requests are in flight now: four senders send back to back.
            code = stop(process, signal.SIGTERM)
            for s in senders:
                s.result(timeout=60)
        log = (tmp_path / "server.log").read_text(errors="replace")
        # uvicorn re-raises the SIGTERM after its graceful shutdown, as the default handler would.
        assert code in (0, -signal.SIGTERM), log
        assert "Finished server process" in log, log
        assert not other, other
        assert unanswered, "no request was refused after SIGTERM"
        # Every answered sync is stored; no refused request was half-done (stored unanswered).
        assert _stored(url, answered) == answered
        assert _stored(url, unanswered) == set()


def test_a_crowd_larger_than_the_pool_gets_answers(backend: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        process, base = _start(url, tmp_path)
        try:
            token = make_person(url, SECRET, "volunteer", ["ale"])
            headers = {"Authorization": f"Bearer {token}"}
            district = httpx.get(f"{base}/api/districts", params={"ak": "ale"}, headers=headers)
            district_id = district.json()[0]["id"]
            barrier = threading.Barrier(120)

            def send(_: int) -> int:
                with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
                    http.get("/api/health")  # connect first, so the syncs start together
                    barrier.wait()
                    return http.post("/api/sync", json={"logs": _batch(district_id, 1)}).status_code

            with ThreadPoolExecutor(120) as pool:
                codes = list(pool.map(send, range(120)))
            assert codes == [200] * 120
        finally:
            stop(process)
