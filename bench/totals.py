"""Totals benchmark: GET /api/totals with 1,000,000 door logs in the database.

Fills door_log straight through the ingest's own insert, rebuilds the rollups from the logs,
then times /api/totals against a real uvicorn server (p50/p95/p99 over sequential requests).
Run: .venv/bin/python -m bench.totals [--backend sqlite|postgresql|both] [--logs N]
"""

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from sqlalchemy import func, select
from sqlmodel import Session

from api.core.db import make_engine
from api.core.stockholm import STOCKHOLM
from api.door_logs.rollups import door_log, rebuild_rollups
from api.door_logs.sql import insert_logs
from api.totals.queries import totals
from bench.common import all_district_ids, fresh_database, machine, uvicorn_server, volunteer_token
from bench.rawhttp import Connection

OUTCOMES = ["conversation", "not_home", "not_home", "declined", "no_access"]
TOPICS = ["", "skola", "jobb,sjukvard", "", "trygghet"]
CHUNK = 2000


def fill(url: str, user_id: int, districts: list[int], n_logs: int, year: int) -> float:
    """Insert n_logs over the year's days and every district; returns seconds taken."""
    engine = make_engine(url)
    rng = random.Random(4)
    received = datetime.now(UTC)
    started = time.perf_counter()
    with Session(engine) as session:
        for start in range(0, n_logs, CHUNK):
            rows = []
            for _ in range(min(CHUNK, n_logs - start)):
                day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
                moment = datetime.combine(day, clock(rng.randrange(9, 20)), tzinfo=STOCKHOLM)
                outcome = rng.choice(OUTCOMES)
                rows.append(
                    {
                        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "district_id": rng.choice(districts),
                        "user_id": user_id,
                        "occurred_at": moment,
                        "received_at": received,
                        "counted_on": day,
                        "clock_skew": False,
                        "outcome": outcome,
                        "topics": rng.choice(TOPICS) if outcome == "conversation" else "",
                        "new_member": outcome == "conversation" and rng.random() < 0.03,
                        "left_material": rng.random() < 0.5,
                        "source": "app",
                    }
                )
            insert_logs(session=session, rows=rows)  # rollups rebuilt below
            session.commit()
        rebuild_rollups(session=session)
        session.commit()
        count = session.execute(select(func.count()).select_from(door_log)).scalar_one()
        assert count == n_logs, count
        # Check the filled rollup once against the logs, the way the API will read it.
        assert sum(r["doors"] for r in totals(session=session, year=year)["aks"]) == n_logs
    engine.dispose()
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, p99 {q[98]:.2f} ms"


async def time_requests(base: str, token: str, year: int, requests: int, out: list[float]) -> int:
    """Sequential GETs on one kept-alive connection (bench.rawhttp: httpx spent more CPU per
    request than the route, on the same two cores); the last answer's total doors."""
    conn = Connection(base, token)
    await conn.open()
    try:
        path = f"/api/totals?year={year}"
        for _ in range(50):
            await conn.request("GET", path)
        for _ in range(requests):
            t = time.perf_counter()
            status, answer = await conn.request("GET", path)
            out.append((time.perf_counter() - t) * 1000)
            assert status == 200, answer
    finally:
        await conn.close()
    doors: int = json.loads(answer)["total"]["doors"]
    return doors


def run(backend: str, n_logs: int, requests: int) -> None:
    year = datetime.now(UTC).year - 1
    with fresh_database(backend) as url:
        user_id, token, _ = volunteer_token(url)
        districts = all_district_ids(url)
        seconds = fill(url, user_id, districts, n_logs, year)
        engine = make_engine(url)
        in_process = []
        with Session(engine) as session:
            for _ in range(requests):
                t = time.perf_counter()
                totals(session=session, year=year)
                in_process.append((time.perf_counter() - t) * 1000)
        engine.dispose()
        over_http: list[float] = []
        with uvicorn_server(url) as (base, _pid):
            doors = asyncio.run(time_requests(base, token, year, requests, over_http))
        assert doors == n_logs
    print(
        f"{backend:10s} {n_logs} logs (filled in {seconds:.0f} s), {requests} requests:\n"
        f"  GET /api/totals over HTTP: {percentiles(over_http)}\n"
        f"  totals() in process:       {percentiles(in_process)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    print(f"# totals benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.logs, args.requests)


if __name__ == "__main__":
    main()
