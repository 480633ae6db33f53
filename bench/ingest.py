"""Ingest benchmark: POST /api/sync in batches of 100 against a real uvicorn server.

Compares it with the floor: inserting the same rows straight into door_log (one commit per
100). Run: .venv/bin/python -m bench.ingest [--backend sqlite|postgresql|both] [--logs N]
"""

import argparse
import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from api.core.db import make_engine
from api.core.stockholm import stockholm_day
from api.door_logs.rollups import door_log
from bench.common import cpu_seconds, fresh_database, machine, uvicorn_server, volunteer_token
from bench.rawhttp import Connection

BATCH = 100
OUTCOMES = ["conversation", "not_home", "not_home", "declined", "no_access"]


def make_batches(districts: list[int], n_logs: int) -> list[bytes]:
    """Pre-serialised bodies, so the client spends its CPU on sending, not on JSON."""
    now = datetime.now(UTC) - timedelta(hours=1)
    bodies = []
    for b in range(n_logs // BATCH):
        logs = []
        for i in range(BATCH):
            k = b * BATCH + i
            outcome = OUTCOMES[k % len(OUTCOMES)]
            logs.append(
                {
                    "id": str(uuid.uuid4()),
                    "district_id": districts[k % len(districts)],
                    # 7 s apart: one volunteer within what a person can knock (plausibility)
                    "occurred_at": (now - timedelta(seconds=7 * k)).isoformat(),
                    "outcome": outcome,
                    "topics": ["skola", "jobb"][: k % 3] if outcome == "conversation" else [],
                    "new_member": outcome == "conversation" and k % 17 == 0,
                    "left_material": k % 2 == 0,
                }
            )
        bodies.append(json.dumps({"logs": logs}).encode())
    return bodies


def through_api(
    base: str, pid: int, token: str, bodies: list[bytes], clients: int
) -> tuple[float, float]:
    """Logs per second of wall time and per CPU second of the server, with concurrent senders.

    The senders are bench.rawhttp connections on one event loop: httpx in threads spent more
    CPU per batch than the server, on the same two cores.
    """
    queue = list(reversed(bodies))
    failures: list[str] = []

    async def sender() -> None:
        conn = Connection(base, token)
        await conn.open()
        try:
            while queue:
                status, answer = await conn.request("POST", "/api/sync", queue.pop())
                results = json.loads(answer).get("results", []) if status == 200 else []
                if len(results) != BATCH or any(r["status"] != "created" for r in results):
                    failures.append(f"{status} {answer[:200]!r}")
        finally:
            await conn.close()

    async def send_all() -> None:
        await asyncio.gather(*(sender() for _ in range(clients)))

    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    asyncio.run(send_all())
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu_before
    if failures:
        raise SystemExit(f"{len(failures)} batches failed, e.g. {failures[0]}")
    n = len(bodies) * BATCH
    return n / elapsed, n / cpu


def floor(url: str, user_id: int, bodies: list[bytes]) -> tuple[float, float]:
    """The same rows inserted straight into door_log, 100 per transaction, one connection."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    rows_per_batch = []
    for body in bodies:
        rows = []
        for log in json.loads(body)["logs"]:
            occurred_at = datetime.fromisoformat(log["occurred_at"])
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "district_id": log["district_id"],
                    "user_id": user_id,
                    "occurred_at": occurred_at,
                    "received_at": now,
                    "counted_on": stockholm_day(occurred_at),
                    "clock_skew": False,
                    "outcome": log["outcome"],
                    "topics": ",".join(sorted(log["topics"])),
                    "new_member": log["new_member"],
                    "left_material": log["left_material"],
                    "source": "app",
                }
            )
        rows_per_batch.append(rows)
    started, cpu_before = time.perf_counter(), time.process_time()
    with Session(engine) as session:
        for rows in rows_per_batch:
            session.execute(door_log.insert(), rows)
            session.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_before
    engine.dispose()
    n = len(bodies) * BATCH
    return n / elapsed, n / cpu


def run(backend: str, n_logs: int, clients: int, workers: int) -> None:
    with fresh_database(backend) as url:
        user_id, token, districts = volunteer_token(url)
        bodies = make_batches(districts, n_logs)
        warmup = make_batches(districts, 20 * BATCH)
        with uvicorn_server(url, workers=workers) as (base, pid):
            through_api(base, pid, token, warmup, clients)
            api_rate, api_cpu = through_api(base, pid, token, bodies, clients)
        floor_rate, floor_cpu = floor(url, user_id, make_batches(districts, n_logs))
    print(
        f"{backend:10s} workers={workers} clients={clients} logs={n_logs}: "
        f"API {api_rate:7.0f} logs/s ({api_cpu:7.0f} per server CPU-s) | "
        f"floor {floor_rate:7.0f} logs/s ({floor_cpu:7.0f} per CPU-s) | "
        f"API/floor {api_rate / floor_rate:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--logs", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes")
    args = parser.parse_args()
    print(f"# ingest benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.logs, args.clients, args.workers)


if __name__ == "__main__":
    main()
