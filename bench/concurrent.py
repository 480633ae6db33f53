"""200 volunteers at once, each sending one log per request: latency p50/p95/p99.

Each client keeps its connection, sends one new log, waits a random pause (exponential) and
sends the next, so together they offer `--rate` logs/s (the product's peak is ~170 logs/s for
10,000 volunteers); `--rate 0` sends back to back (saturation). Against a real uvicorn server.
Run: .venv/bin/python -m bench.concurrent [--backend sqlite|postgresql|both] [--rate 400]
"""

import argparse
import asyncio
import itertools
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.common import cpu_seconds, fresh_database, machine, uvicorn_server, volunteer_token
from bench.rawhttp import Connection, percentile

FAILURES: list[str] = []  # answers other than 200 created (e.g. 503 when the pool ran dry)


def one_log(district_id: int) -> bytes:
    log = {
        "id": str(uuid.uuid4()),
        "district_id": district_id,
        # One volunteer for every client: 7 s apart keeps them plausible (plausibility.py)
        "occurred_at": (datetime.now(UTC) - timedelta(seconds=5 + 7 * next(_back))).isoformat(),
        "outcome": "conversation",
        "topics": ["skola"],
        "new_member": False,
        "left_material": True,
    }
    return json.dumps({"logs": [log]}).encode()


_back = itertools.count()


async def volunteer(
    base: str, token: str, districts: list[int], sends: int, pause: float, out: list[float]
) -> None:
    conn = Connection(base, token)
    await conn.open()
    try:
        # Spread the first sends so the clients do not start in lockstep.
        await asyncio.sleep(random.uniform(0, pause or 0.01))
        for _ in range(sends):
            body = one_log(random.choice(districts))
            started = time.perf_counter()
            try:
                status, answer = await conn.request("POST", "/api/sync", body)
            except (asyncio.IncompleteReadError, ConnectionError):
                # The server closed the idle kept-alive connection (after 5 s): reconnect.
                await conn.close()
                await conn.open()
                status, answer = await conn.request("POST", "/api/sync", body)
            out.append(time.perf_counter() - started)
            if status != 200 or b'"created"' not in answer:
                FAILURES.append(f"{status} {answer[:120]!r}")
            if pause:
                await asyncio.sleep(random.expovariate(1 / pause))
    finally:
        await conn.close()


async def load(base: str, token: str, districts: list[int], clients: int, sends: int, rate: float):
    pause = clients / rate if rate else 0.0
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(volunteer(base, token, districts, sends, pause, latencies) for _ in range(clients))
    )
    return latencies, time.perf_counter() - started


def run(backend: str, clients: int, sends: int, rate: float, workers: int) -> None:
    with fresh_database(backend) as url:
        _, token, districts = volunteer_token(url)
        with uvicorn_server(url, workers=workers) as (base, pid):
            asyncio.run(load(base, token, districts, clients, 2, 0))  # warm up connections
            FAILURES.clear()
            cpu_before = cpu_seconds(pid)
            latencies, elapsed = asyncio.run(load(base, token, districts, clients, sends, rate))
            cpu = cpu_seconds(pid) - cpu_before
    ms = [x * 1000 for x in latencies]
    print(
        f"{backend:10s} workers={workers} clients={clients} offered="
        f"{'max' if not rate else f'{rate:.0f}/s'} sends={len(ms)}: "
        f"achieved {len(ms) / elapsed:6.0f} logs/s | p50 {percentile(ms, 50):6.1f} ms  "
        f"p95 {percentile(ms, 95):6.1f} ms  p99 {percentile(ms, 99):6.1f} ms  "
        f"max {max(ms):6.1f} ms | server CPU {cpu / len(ms) * 1000:.2f} ms per request | "
        f"failed {len(FAILURES)}{' e.g. ' + FAILURES[0] if FAILURES else ''}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sends", type=int, default=20, help="logs per client")
    parser.add_argument("--rate", type=float, default=400, help="offered logs/s; 0 = no pause")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes")
    args = parser.parse_args()
    print(f"# concurrent single-log sends, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.clients, args.sends, args.rate, args.workers)


if __name__ == "__main__":
    main()
