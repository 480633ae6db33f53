"""The production shape runs here: two API processes on one PostgreSQL behind nginx."""

import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from api.core.config import REPO_ROOT
from api.core.stockholm import stockholm_today
from tests.conftest import fresh_database
from tests.support.people import make_person
from tests.support.servers import VENV, free_port, server_env, stop, wait_healthy
from tests.support.sse import iter_events
from tests.support.sync import a_log

pytestmark = pytest.mark.slow


def _ports() -> tuple[int, int]:
    """nginx's port and the first of two consecutive free ports for the API processes."""
    port = free_port()
    while True:
        first = free_port()
        if port not in (first, first + 1) and _is_free(first + 1):
            return port, first


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_nginx_spreads_requests_over_two_api_processes_and_stops_cleanly(tmp_path: Path):
    with fresh_database("postgresql", tmp_path) as url:
        port, first_api_port = _ports()
        log = (tmp_path / "prod.log").open("wb")
        process = subprocess.Popen(
            ["bash", "scripts/prod.sh", str(port), "2"],
            cwd=REPO_ROOT,
            env=server_env(url, KNACKA_VENV=str(VENV), KNACKA_FIRST_API_PORT=str(first_api_port)),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            # Both processes first: a request nginx sends to a process still starting marks
            # that upstream failed for 10 s, and then every request goes to the other one.
            for api_port in (first_api_port, first_api_port + 1):
                wait_healthy(f"http://127.0.0.1:{api_port}", process)
            wait_healthy(base, process)
            upstreams = set()
            with httpx.Client() as client:
                for _ in range(20):
                    response = client.get(f"{base}/api/health")
                    assert response.json() == {"status": "ok", "database": "postgresql"}
                    upstreams.add(response.headers["x-upstream"])
                shell = client.get(f"{base}/", headers={"Accept-Encoding": "gzip"})
            assert upstreams == {f"127.0.0.1:{first_api_port}", f"127.0.0.1:{first_api_port + 1}"}
            assert shell.status_code == 200
            assert "content-security-policy" in shell.headers
            _stream_through_nginx_hears_a_sync_through_the_other_process(url, base, first_api_port)
            _a_spoofed_forwarded_for_is_not_the_clients_address(url, base)
            assert httpx.get(f"{base}/metrics").status_code == 404
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{(tmp_path / 'prod.log').read_text()}") from None
        finally:
            code = stop(process, signal.SIGTERM)
            log.close()
        assert code == 0, (tmp_path / "prod.log").read_text()


def _a_spoofed_forwarded_for_is_not_the_clients_address(url: str, base: str) -> None:
    # Failed before the fix: nginx appended to the client's own header and uvicorn trusted any
    # hop, so each attempt below counted for another address (and escaped the per-IP limit).
    from sqlalchemy import text

    from api.core.db import make_engine

    with httpx.Client(timeout=30) as client:
        for n in range(6):
            response = client.post(
                f"{base}/api/auth/login",
                json={"email": f"spoof{n}@example.se", "password": "fel-losen"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            assert response.status_code in (401, 429), response.text
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            addresses = set(connection.execute(text("SELECT ip FROM login_failure")).scalars())
    finally:
        engine.dispose()
    assert addresses == {"127.0.0.1"}


def _stream_through_nginx_hears_a_sync_through_the_other_process(
    url: str, base: str, first_api_port: int
) -> None:
    headers = {"Authorization": f"Bearer {make_person(url, 'test-secret-key', 'staff')}"}
    year = stockholm_today().year
    with httpx.Client(headers=headers, timeout=httpx.Timeout(30)) as client:
        district = client.get(f"{base}/api/districts", params={"ak": "ale"}).json()[0]["id"]
        with client.stream("GET", f"{base}/api/totals/stream", params={"year": year}) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            holder = stream.headers["x-upstream"]
            other = {f"127.0.0.1:{first_api_port}", f"127.0.0.1:{first_api_port + 1}"} - {holder}
            events = iter_events(stream)
            name, first = next(events)
            assert name == "totals"
            # The sync goes straight to the process that does NOT hold the stream.
            sent = client.post(f"http://{other.pop()}/api/sync", json={"logs": [a_log(district)]})
            assert sent.status_code == 200, sent.text
            # Unbuffered: the event arrives while the stream stays open (no proxy buffering).
            name, second = next(events)
            assert name == "totals"
            assert second != first
