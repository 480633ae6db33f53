"""Data-quality review benchmark: GET /api/quality for one AK holding 1,000,000 door logs.

Fills door_log for one AK ("ale") straight through the ingest's own insert, and every rollup
(quality_minute included) through the same apply_to_rollups the ingest and voids use, chunk by
chunk: volunteer-days of 60 doors at a human pace (one every 40 s), plus a known number of odd
ones (bursts, clock skew, days of nearly all samtal) and paper tallies, some far above usual.
It fills door_rate_minute too, as ingest keeps it (bursts over two districts are found by it).
Checks the review finds exactly the planted flags, then times the review in process and over
HTTP against a real uvicorn server (p50/p95/p99 over sequential requests).
Run: .venv/bin/python -m bench.quality [--backend sqlite|postgresql|both] [--logs N] [--days D]
"""

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from api.accounts.sessions import create_session
from api.core.db import make_engine
from api.core.stockholm import stockholm_day
from api.door_logs import plausibility
from api.door_logs.rollups import apply_to_rollups, door_log
from api.door_logs.sql import insert_logs
from api.models.accounts import User, UserAk
from api.models.door_logs import Tally
from api.plan import catalogue
from api.quality.decisions import review
from bench.common import SECRET, cpu_seconds, fresh_database, machine
from bench.rawhttp import Connection
from bench.totals import percentiles
from tests.support import servers

CHUNK = 5000
DOORS_A_DAY = 60
OUTCOMES = ["conversation", "not_home", "not_home", "declined", "no_access"]
PLANTED = {"burst": 20, "clock_skew": 10, "contact_rate": 10, "tally": 2}
SPREAD = 10  # bursts over two districts in one minute (4 + 3 doors): flags of kind "burst"


def people(url: str, volunteers: int) -> tuple[str, list[int], list[int]]:
    """An organiser's token for the AK, its volunteers' ids and its district ids."""
    engine = make_engine(url)
    with Session(engine) as session:
        ak = catalogue.get_ak_by_slug(session=session, slug="ale")
        assert ak.id is not None
        organiser = User(name="Olle Organisatör", role="organiser")
        crowd = [User(name=f"Volontär {k}", role="volunteer") for k in range(volunteers)]
        session.add_all([organiser, *crowd])
        session.flush()
        session.add_all(UserAk(user_id=u.id, ak_id=ak.id) for u in [organiser, *crowd])  # type: ignore[misc]
        token, _ = create_session(
            session=session, user=organiser, secret_key=SECRET, ttl=timedelta(hours=4)
        )
        session.commit()
        districts = [d.id for d in catalogue.list_districts(session=session, ak=ak) if d.id]
        ids = [u.id for u in crowd if u.id is not None]
    engine.dispose()
    return token, ids, districts


def _log(district: int, user: int, at: datetime, outcome: str, now: datetime) -> dict[str, Any]:
    skew = at - now > timedelta(hours=24)
    return {
        "id": uuid.uuid4(),
        "district_id": district,
        "user_id": user,
        "occurred_at": at,
        "received_at": now,
        "counted_on": stockholm_day(now if skew else at),
        "clock_skew": skew,
        "outcome": outcome,
        "topics": "",
        "new_member": False,
        "left_material": False,
        "source": "app",
    }


def history(
    n_logs: int, days: int, users: list[int], districts: list[int], now: datetime
) -> list[dict[str, Any]]:
    """Volunteer-days at a human pace, then the planted odd logs."""
    rng = random.Random(17)
    logs: list[dict[str, Any]] = []
    taken: set[tuple[int, int]] = set()  # (user, day back): one day's knocking each
    normal = (
        n_logs
        - (PLANTED["burst"] + SPREAD) * 7
        - PLANTED["clock_skew"]
        - PLANTED["contact_rate"] * 40
    )
    chatty = users[-PLANTED["contact_rate"] :]  # their only days: the planted ones
    usual = users[: -PLANTED["contact_rate"]]
    while len(logs) < normal:
        user, back = rng.choice(usual), rng.randrange(1, days)
        if (user, back) in taken:
            continue
        taken.add((user, back))
        start = (now - timedelta(days=back)).replace(hour=rng.randrange(8, 16), minute=0)
        district = rng.choice(districts)
        for k in range(min(DOORS_A_DAY, normal - len(logs))):
            outcome = rng.choice(OUTCOMES)
            logs.append(_log(district, user, start + timedelta(seconds=40 * k), outcome, now))
    for k in range(PLANTED["burst"]):  # seven doors eight seconds apart, late in the evening
        at = (now - timedelta(days=k % (days - 1) + 1)).replace(hour=20, minute=k, second=0)
        for j in range(7):
            logs.append(
                _log(
                    districts[0],
                    usual[k],
                    at + timedelta(seconds=8 * j),
                    "not_home",
                    now,
                )
            )
    for k in range(SPREAD):  # seven doors in one minute, on both sides of a border street
        at = (now - timedelta(days=k % (days - 1) + 1)).replace(hour=19, minute=k, second=0)
        for j in range(7):
            district = districts[j % 2]
            logs.append(
                _log(district, usual[100 + k], at + timedelta(seconds=8 * j), "not_home", now)
            )
    for k in range(PLANTED["clock_skew"]):  # a phone two days ahead
        logs.append(
            _log(districts[1], users[k], now + timedelta(days=2, minutes=k), "not_home", now)
        )
    for k in range(PLANTED["contact_rate"]):  # 40 doors, 38 samtal, on a late evening alone
        at = (now - timedelta(days=k + 1)).replace(hour=21, minute=0, second=0)
        for j in range(40):
            outcome = "conversation" if j >= 2 else "declined"
            logs.append(_log(districts[2], chatty[k], at + timedelta(seconds=40 * j), outcome, now))
    return logs


def fill(url: str, logs: list[dict[str, Any]], districts: list[int], now: datetime) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        for start in range(0, len(logs), CHUNK):
            rows = sorted(logs[start : start + CHUNK], key=lambda r: r["id"].int)
            insert_logs(session=session, rows=rows)
            apply_to_rollups(session=session, rows=rows, sign=1)
            plausibility.record_rates(session=session, rows=rows)  # as ingest keeps them
            session.commit()
        organiser = session.execute(select(User.id).where(User.role == "organiser")).scalar_one()
        # Ten tallies of the usual 30 doors, and the planted two of 200.
        for k, doors in enumerate([30] * 10 + [200] * PLANTED["tally"]):
            session.add(
                Tally(
                    district_id=districts[k % len(districts)],
                    day=stockholm_day(now - timedelta(days=k + 1)),
                    not_home=doors,
                    created_by=organiser,
                    created_at=now - timedelta(days=1),
                )
            )
        session.commit()
        count = session.execute(select(func.count()).select_from(door_log)).scalar_one()
        assert count == len(logs), count
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))  # autovacuum's work after a bulk load, done now
            session.commit()
    engine.dispose()
    return time.perf_counter() - started


async def time_requests(base: str, token: str, requests: int, out: list[float]) -> dict[str, Any]:
    conn = Connection(base, token)
    await conn.open()
    try:
        path = "/api/quality?ak=ale"
        for _ in range(20):
            await conn.request("GET", path)
        for _ in range(requests):
            t = time.perf_counter()
            status, answer = await conn.request("GET", path)
            out.append((time.perf_counter() - t) * 1000)
            assert status == 200, answer
    finally:
        await conn.close()
    body: dict[str, Any] = json.loads(answer)
    return body


def run(backend: str, n_logs: int, days: int, volunteers: int, requests: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with fresh_database(backend) as url:
        token, users, districts = people(url, volunteers)
        logs = history(n_logs, days, users, districts, now)
        seconds = fill(url, logs, districts, now)
        engine = make_engine(url)
        in_process = []
        with Session(engine) as session:
            ak = catalogue.get_ak_by_slug(session=session, slug="ale")
            for _ in range(requests):
                t = time.perf_counter()
                found = review(session=session, ak=ak, now=datetime.now(UTC))
                in_process.append((time.perf_counter() - t) * 1000)
        engine.dispose()
        kinds: dict[str, int] = {}
        for flag in found.open:
            kinds[flag.kind] = kinds.get(flag.kind, 0) + 1
        assert kinds == PLANTED | {"burst": PLANTED["burst"] + SPREAD}, kinds
        over_http: list[float] = []
        # Production settings require TOTP for organisers; the bench's organiser has none.
        with servers.uvicorn_server(url, KNACKA_SECRET_KEY=SECRET) as (base, pid):
            cpu = cpu_seconds(pid)
            body = asyncio.run(time_requests(base, token, requests, over_http))
            # The server's own CPU per request: the figure a shared machine's load cannot inflate.
            cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / (requests + 20)
        assert len(body["flags"]) == sum(PLANTED.values()) + SPREAD
    print(
        f"{backend:10s} {n_logs} logs of one AK over {days} days, {volunteers} volunteers "
        f"(filled in {seconds:.0f} s), {len(found.open)} flags, {requests} requests:\n"
        f"  GET /api/quality over HTTP: {percentiles(over_http)}; "
        f"server CPU {cpu_ms:.2f} ms a request\n"
        f"  review() in process:        {percentiles(in_process)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--volunteers", type=int, default=600)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    print(f"# quality review benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.logs, args.days, args.volunteers, args.requests)


if __name__ == "__main__":
    main()
