"""Fan-out: one log reaches 500 open live streams held by two API processes on one PostgreSQL.

Two uvicorn processes; half the streams (GET /api/totals/stream) on each. Each round sends one
log to the first process and measures, for every stream, the time from the sync's answer to
that stream's next `totals` event. Run: .venv/bin/python -m bench.fanout [--streams 500]
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime

from api.core.stockholm import stockholm_today
from bench.common import fresh_database, machine, uvicorn_server, volunteer_token
from bench.concurrent import one_log
from bench.rawhttp import Connection, percentile


async def watch(conn: Connection, arrivals: list[float], seen: asyncio.Condition) -> None:
    while True:
        chunk = await conn.next_chunk()
        if b"event: totals" in chunk:
            arrivals.append(time.perf_counter())
            async with seen:
                seen.notify_all()


async def fanout(bases: list[str], token: str, district: int, streams: int, rounds: int):
    year = stockholm_today().year
    conns = [Connection(bases[i % len(bases)], token) for i in range(streams)]
    await asyncio.gather(*(c.open() for c in conns))
    statuses = await asyncio.gather(
        *(c.open_stream(f"/api/totals/stream?year={year}") for c in conns)
    )
    assert set(statuses) == {200}, statuses
    arrivals: list[list[float]] = [[] for _ in conns]
    seen = asyncio.Condition()
    watchers = [
        asyncio.create_task(watch(c, a, seen)) for c, a in zip(conns, arrivals, strict=True)
    ]

    async def all_have(n: int) -> None:
        async with seen:
            await seen.wait_for(lambda: all(len(a) >= n for a in arrivals))

    await asyncio.wait_for(all_have(1), 60)  # every stream's first snapshot
    sender = Connection(bases[0], token)
    await sender.open()
    latencies: list[float] = []
    for r in range(rounds):
        status, _ = await sender.request("POST", "/api/sync", one_log(district))
        answered = time.perf_counter()
        assert status == 200
        await asyncio.wait_for(all_have(r + 2), 30)
        latencies += [a[r + 1] - answered for a in arrivals]
        await asyncio.sleep(0.2)  # let the processes settle between rounds
    for w in watchers:
        w.cancel()
    await asyncio.gather(*(c.close() for c in conns), sender.close(), return_exceptions=True)
    return latencies


def run(streams: int, rounds: int) -> None:
    with fresh_database("postgresql") as url:
        _, token, districts = volunteer_token(url)
        with uvicorn_server(url) as (first, _), uvicorn_server(url) as (second, _):
            ms = [
                x * 1000
                for x in asyncio.run(fanout([first, second], token, districts[0], streams, rounds))
            ]
    print(
        f"postgresql 2 processes, {streams} streams, {rounds} logs, {len(ms)} deliveries: "
        f"p50 {percentile(ms, 50):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms  "
        f"p99 {percentile(ms, 99):6.1f} ms  max {max(ms):6.1f} ms "
        f"(from the sync's answer to each stream's event)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"# fan-out to live streams, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    run(args.streams, args.rounds)


if __name__ == "__main__":
    main()
