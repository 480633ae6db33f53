"""Campaign insights benchmark: GET /api/campaigns/{id}/insights with 100,000 campaign logs.

Creates one campaign for every AK (five weeks, a question with four options, five topics),
fills door_log through the ingest's own insert and the campaign rollups through the ingest's
own counting (api/door_logs/campaigns.apply_campaign_counts), then times the insights for the
distrikt, for the largest AK and for one of its districts against a real uvicorn server
(p50/p95/p99 over sequential requests on one kept-alive connection).
Run: .venv/bin/python -m bench.campaign_insights [--backend sqlite|postgresql|both] [--logs N]
"""

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from sqlmodel import Session, select

from api.accounts.sessions import create_session
from api.campaigns import service as campaigns
from api.campaigns.insights import insights
from api.core.db import make_engine, utcnow
from api.core.stockholm import STOCKHOLM, stockholm_today
from api.door_logs.campaigns import apply_campaign_counts
from api.door_logs.sql import insert_logs
from api.models.accounts import TotpFactor, User
from api.models.campaigns import CampaignIn, QuestionIn
from api.models.plan import Ak, District
from bench.common import SECRET, fresh_database, machine, uvicorn_server
from bench.rawhttp import Connection
from bench.totals import percentiles

OUTCOMES = ["conversation", "conversation", "not_home", "not_home", "declined", "no_access"]
TOPICS = ["", "skola", "jobb,sjukvard", "", "trygghet", "bostader", "skola,trygghet"]
CHUNK = 2000
WEEKS = 5


def fill(url: str, n_logs: int) -> tuple[int, str, str, int, float]:
    """The campaign and its logs; returns (campaign id, staff token, AK, district, seconds)."""
    engine = make_engine(url)
    rng = random.Random(16)
    today = stockholm_today()
    first = today - timedelta(days=7 * WEEKS - 1)
    started = time.perf_counter()
    with Session(engine) as session:
        staff = User(name="Bench staff", role="staff", email="bench@example.se")
        session.add(staff)
        session.flush()
        assert staff.id is not None
        # Production requires TOTP: a session made after a confirmed factor is not ended.
        session.add(TotpFactor(user_id=staff.id, secret="B" * 32, confirmed_at=utcnow()))
        session.flush()
        token, _ = create_session(
            session=session, user=staff, secret_key=SECRET, ttl=timedelta(hours=2)
        )
        campaign = campaigns.create(
            session=session,
            body=CampaignIn(
                name="Bänkkampanjen",
                starts_on=first,
                ends_on=today + timedelta(days=7),
                topics=["skola", "jobb", "sjukvard", "trygghet", "bostader"],
                goal=150_000,
                question=QuestionIn(text="Vad är viktigast?", options=["A", "B", "C", "D"]),
            ),
            user_id=staff.id,
        )
        session.commit()
        assert campaign.id is not None
        districts = [(d.id, d.ak_id) for d in session.exec(select(District)) if d.id]
        received = datetime.now(UTC)
        per_ak: Counter[int] = Counter()
        for start in range(0, n_logs, CHUNK):
            rows = []
            for _ in range(min(CHUNK, n_logs - start)):
                day = first + timedelta(days=rng.randrange(7 * WEEKS))
                moment = datetime.combine(day, clock(rng.randrange(9, 20)), tzinfo=STOCKHOLM)
                district, ak_id = rng.choice(districts)
                per_ak[ak_id] += 1
                outcome = rng.choice(OUTCOMES)
                talked = outcome == "conversation"
                rows.append(
                    {
                        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "district_id": district,
                        "user_id": staff.id,
                        "occurred_at": moment,
                        "received_at": received,
                        "counted_on": day,
                        "clock_skew": False,
                        "outcome": outcome,
                        "topics": rng.choice(TOPICS) if talked else "",
                        "answer": rng.randrange(4) if talked and rng.random() < 0.6 else None,
                        "new_member": talked and rng.random() < 0.03,
                        "left_material": rng.random() < 0.5,
                        "source": "app",
                        "campaign_id": campaign.id,
                    }
                )
            created, _ = insert_logs(session=session, rows=rows)
            assert len(created) == len(rows)
            apply_campaign_counts(session=session, rows=rows, sign=1)
            session.commit()
        ak_id = per_ak.most_common(1)[0][0]
        ak = session.get(Ak, ak_id)
        assert ak is not None
        district = next(d for d, a in districts if a == ak_id)
        body = insights(session=session, campaign_id=campaign.id)
        doors = body["summary"]["doors"]
        assert doors == n_logs, doors
        campaign_id = campaign.id
        ak_slug = ak.slug
    engine.dispose()
    return campaign_id, token, ak_slug, district, time.perf_counter() - started


async def time_requests(
    base: str, token: str, path: str, requests: int, out: list[float]
) -> dict[str, object]:
    conn = Connection(base, token)
    await conn.open()
    try:
        for _ in range(30):
            await conn.request("GET", path)
        for _ in range(requests):
            t = time.perf_counter()
            status, answer = await conn.request("GET", path)
            out.append((time.perf_counter() - t) * 1000)
            assert status == 200, answer
    finally:
        await conn.close()
    body: dict[str, object] = json.loads(answer)
    return body


def in_process(url: str, campaign: int, ak: str, district: int, requests: int) -> list[str]:
    """insights() itself: wall time and this process's CPU time (on a shared machine the CPU
    time says what the work costs; the wall time adds the wait for a core)."""
    engine = make_engine(url)
    lines = []
    with Session(engine) as session:
        for name, scope in (
            ("distrikt", {}),
            (f"AK {ak}", {"ak": ak}),
            ("district", {"district_id": district}),
        ):
            wall: list[float] = []
            cpu: list[float] = []
            for _ in range(requests):
                w, c = time.perf_counter(), time.process_time()
                insights(session=session, campaign_id=campaign, **scope)  # type: ignore[arg-type]
                wall.append((time.perf_counter() - w) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            lines.append(f"  {name:12s} wall {percentiles(wall)}")
            lines.append(f"  {'':12s} CPU  {percentiles(cpu)}")
    engine.dispose()
    return lines


def run(backend: str, n_logs: int, requests: int) -> None:
    with fresh_database(backend) as url:
        campaign, token, ak, district, seconds = fill(url, n_logs)
        scopes = {
            "distrikt": f"/api/campaigns/{campaign}/insights",
            f"AK {ak}": f"/api/campaigns/{campaign}/insights?ak={ak}",
            "district": f"/api/campaigns/{campaign}/insights?district_id={district}",
        }
        local = in_process(url, campaign, ak, district, requests)
        lines = []
        with uvicorn_server(url) as (base, _pid):
            for name, path in scopes.items():
                samples: list[float] = []
                asyncio.run(time_requests(base, token, path, requests, samples))
                lines.append(f"  {name:12s} {percentiles(samples)}")
    load = os.getloadavg()[0]
    print(
        f"{backend:10s} {n_logs} campaign logs (filled in {seconds:.0f} s), "
        f"{requests} requests per scope, load average {load:.1f}:\n"
        "GET /api/campaigns/{id}/insights over HTTP:\n"
        + "\n".join(lines)
        + "\ninsights() in process:\n"
        + "\n".join(local),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--logs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    print(f"# campaign insights benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.logs, args.requests)


if __name__ == "__main__":
    main()
