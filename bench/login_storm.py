"""300 parallel anonymous sign-ins (argon2 at 64 MiB each) while one volunteer syncs one log at
a time: the sync's latency (p50/p99/max) and the server's peak RSS.

Before the password lane (issue 18) the same storm made the sync wait 53 s and took the
process from 316 MiB to 1.45 GiB. Run: .venv/bin/python -m bench.login_storm [--backend ...]
"""

import argparse
import asyncio
import contextlib
import itertools
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import fresh_database, machine, uvicorn_server, volunteer_token
from bench.rawhttp import percentile


def rss_mib(pid: int) -> float:
    """Resident memory of the server process and its children (Linux /proc), in MiB."""
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


async def storm(base: str, logins: int, rounds: int) -> tuple[dict[int, int], float]:
    """`rounds` waves of `logins` parallel wrong-password sign-ins from unknown addresses."""
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=logins, max_keepalive_connections=logins)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(n: int) -> None:
            response = await client.post(
                "/api/auth/login",
                json={"email": f"storm{n}@example.se", "password": "fel-losen-123"},
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        for r in range(rounds):
            await asyncio.gather(*(one(r * logins + n) for n in range(logins)))
    return statuses, time.perf_counter() - started


def syncing(base: str, token: str, district: int, stop: threading.Event) -> list[float]:
    """One volunteer, one log a request, back to back: in its own thread (and connection), so
    the storm's client work does not sit in the sync's measured time."""
    back = itertools.count()
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
        while not stop.is_set():
            occurred = datetime.now(UTC) - timedelta(seconds=7 * next(back))
            log = {
                "id": str(uuid.uuid4()),
                "district_id": district,
                "occurred_at": occurred.isoformat(),
                "outcome": "not_home",
            }
            t0 = time.perf_counter()
            response = client.post("/api/sync", json={"logs": [log]})
            latencies.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.text
            assert response.json()["results"][0]["status"] == "created", response.text
    return latencies


def measure(base: str, pid: int, token: str, district: int, logins: int, rounds: int):
    stop = threading.Event()
    idle = rss_mib(pid)
    peak = idle
    latencies: list[float] = []

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_mib(pid))
            time.sleep(0.05)

    def sync_loop() -> None:
        latencies.extend(syncing(base, token, district, stop))

    threads = [threading.Thread(target=watch), threading.Thread(target=sync_loop)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the volunteer is syncing before the storm starts
    statuses, elapsed = asyncio.run(storm(base, logins, rounds))
    stop.set()
    for thread in threads:
        thread.join()
    return latencies, statuses, elapsed, idle, peak


NO_THROTTLE = {"KNACKA_LOGIN_MAX_FAILURES": "1000000", "KNACKA_LOGIN_IP_MAX_FAILURES": "1000000"}


def run(backend: str, logins: int, rounds: int) -> None:
    with fresh_database(backend) as url:
        _, token, districts = volunteer_token(url)
        # Throttling off: every sign-in reaches the password check, as from many addresses.
        with uvicorn_server(url, **NO_THROTTLE) as (base, pid):
            latencies, statuses, elapsed, idle, peak = measure(
                base, pid, token, districts[0], logins, rounds
            )
    ms = [x * 1000 for x in latencies]
    print(
        f"{backend:10s} {rounds}x{logins} parallel sign-ins in {elapsed:5.1f} s "
        f"(answers {dict(sorted(statuses.items()))}) | one-log syncs meanwhile: {len(ms)}, "
        f"p50 {percentile(ms, 50):7.1f} ms  p99 {percentile(ms, 99):7.1f} ms  "
        f"max {max(ms):7.1f} ms | RSS {idle:5.0f} MiB before, peak {peak:5.0f} MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"# login storm, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.logins, args.rounds)


if __name__ == "__main__":
    main()
