"""Election evening: N phones sending doors and M dashboards holding the live totals stream.

The production shape (`scripts/prod.sh`: two API processes behind nginx on one PostgreSQL) is
driven from a separate load process, whose own CPU share is reported. Every phone has its own
volunteer session and source address and sends one door about every 6 s (what it could not send
while a sync was slow goes in its next sync, as the PWA's outbox does); every dashboard has its
own staff session and source address. A probe phone in an AK of its own sends one door a second,
one at a time: the first event on each dashboard whose figures count the probe's k-th door gives
that dashboard's freshness for it (from the sync's answer to the event).

Run: .venv/bin/python -m bench.election_evening [--runs 500x0,500x100] [--seconds 60]
"""

import argparse
import asyncio
import json
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from api.accounts.sessions import create_session
from api.core.db import make_engine, utcnow
from api.core.stockholm import stockholm_today
from api.models.accounts import TotpFactor, User, UserAk
from api.plan import catalogue
from bench.common import SECRET, cpu_seconds, fresh_database, machine
from bench.rawhttp import percentile
from tests.support.servers import VENV, free_port, server_env, stop, wait_healthy

REPO = Path(__file__).resolve().parents[1]
DOOR_EVERY = 6.0  # seconds between a phone's doors, on average
PROBE_EVERY = 1.0


# --- the load process ---------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection from its own loopback source address."""

    def __init__(self, port: int, token: str, source: str) -> None:
        self.port, self.token, self.source = port, token, source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(self.source, 0)
        )

    def _head(self, method: str, path: str, length: int | None) -> bytes:
        lines = [
            f"{method} {path} HTTP/1.1",
            "Host: 127.0.0.1",
            f"Authorization: Bearer {self.token}",
        ]
        if length is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {length}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def _head_in(self) -> tuple[int, dict[str, str]]:
        assert self.reader is not None
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {}
        for line in head[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return int(head[0].split(" ", 2)[1]), headers

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(self._head("POST", path, len(body)) + body)
        status, headers = await self._head_in()
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        else:
            data = b"".join([chunk async for chunk in self._chunks()])
        if headers.get("connection") == "close":
            await self.close()
        return status, data

    async def stream(self, path: str) -> int:
        await self.open()
        assert self.writer is not None
        self.writer.write(self._head("GET", path, None))
        status, _ = await self._head_in()
        return status

    async def _chunks(self):  # type: ignore[no-untyped-def]
        assert self.reader is not None
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            data = await self.reader.readexactly(size + 2)
            if size == 0:
                return
            yield data[:-2]

    async def events(self):  # type: ignore[no-untyped-def]
        """(name, data) of each server-sent event, however the chunks cut them."""
        buffer = b""
        async for chunk in self._chunks():
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                name, data = "", ""
                for line in block.decode().split("\n"):
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        data = line[6:]
                if name:
                    yield name, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def source(group: int, n: int) -> str:
    return f"127.{group}.{n // 250}.{n % 250 + 2}"


# A person's doors 7 s apart on the phone's clock (at most 9 in a minute): the server refuses
# more than 10 in a minute of one person's logs (api/door_logs/plausibility.py), so each
# simulated phone (and the probe) dates its k-th door 7·k s before its own start.
SPACING = timedelta(seconds=7)


def a_door(district: int, occurred_at: datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "district_id": district,
        "occurred_at": occurred_at.isoformat(),
        "outcome": "conversation",
        "topics": ["skola"],
        "new_member": False,
        "left_material": True,
    }


@dataclass
class Tally:
    offered: int = 0
    stored: int = 0
    syncs: list[float] = field(default_factory=list)
    failures: int = 0
    refused: int = 0  # items the server refused for good (it answers 200 with a status each)
    failed: dict[int, int] = field(default_factory=dict)  # status (0: no answer) → syncs
    probe_acks: list[float] = field(default_factory=list)
    events: list[int] = field(default_factory=list)  # per dashboard
    seen: list[list[tuple[float, int]]] = field(default_factory=list)  # (time, probe count)
    dashboards_open: int = 0


async def phone(spec: dict[str, Any], n: int, tally: Tally, start: float, end: float) -> None:
    me = spec["phones"][n]
    client = Client(spec["port"], me["token"], source(10, n))
    outbox: list[dict[str, Any]] = []
    anchor, k = datetime.now(UTC) - timedelta(seconds=5), 0
    next_door = start + random.uniform(0, DOOR_EVERY)
    while True:
        now = time.monotonic()
        while next_door <= min(now, end):  # the doors knocked while the last sync ran
            outbox.append(a_door(random.choice(me["districts"]), anchor - k * SPACING))
            k += 1
            tally.offered += 1
            next_door += random.uniform(DOOR_EVERY - 1, DOOR_EVERY + 1)
        if outbox:
            batch = outbox[:50]
            sent = time.monotonic()
            try:
                status, answer = await client.post(
                    "/api/sync", json.dumps({"logs": batch}).encode()
                )
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
                await client.close()
            answered = time.monotonic()
            if answered <= end:
                tally.syncs.append(answered - sent)
            if status == 200:
                del outbox[: len(batch)]
                results = json.loads(answer)["results"]
                tally.refused += sum(r["status"] == "rejected" for r in results)
                if answered <= end:
                    tally.stored += sum(r["status"] != "rejected" for r in results)
            else:
                tally.failures += 1
                tally.failed[status] = tally.failed.get(status, 0) + 1
                await asyncio.sleep(1)
            continue
        if next_door > end:
            await client.close()
            return
        await asyncio.sleep(next_door - time.monotonic())


async def probe(spec: dict[str, Any], tally: Tally, start: float, end: float) -> None:
    client = Client(spec["port"], spec["probe"]["token"], source(11, 0))
    at = start
    anchor, k = datetime.now(UTC) - timedelta(seconds=5), 0
    while at < end:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        door = a_door(spec["probe"]["districts"][0], anchor - k * SPACING)
        k += 1
        status, answer = await client.post("/api/sync", json.dumps({"logs": [door]}).encode())
        if status == 200 and json.loads(answer)["results"][0]["status"] == "created":
            tally.probe_acks.append(time.monotonic())
        at += PROBE_EVERY
    await client.close()


async def dashboard(spec: dict[str, Any], n: int, tally: Tally, opened: asyncio.Event) -> None:
    client = Client(spec["port"], spec["dashboards"][n], source(20, n))
    status = await client.stream(f"/api/totals/stream?year={spec['year']}")
    assert status == 200, status
    seen = tally.seen[n]
    first = True
    async for name, data in client.events():
        now = time.monotonic()
        if name == "totals":
            figures = json.loads(data)
            count = next(a["conversations"] for a in figures["aks"] if a["ak"] == spec["probe_ak"])
            seen.append((now, count))
        if first:
            first = False
            tally.dashboards_open += 1
            if tally.dashboards_open == len(spec["dashboards"]):
                opened.set()
            continue
        tally.events[n] += 1


async def evening(spec: dict[str, Any]) -> dict[str, Any]:
    seconds = spec["seconds"]
    tally = Tally()
    tally.events = [0] * len(spec["dashboards"])
    tally.seen = [[] for _ in spec["dashboards"]]
    opened = asyncio.Event()
    if not spec["dashboards"]:
        opened.set()
    watchers = [
        asyncio.create_task(dashboard(spec, n, tally, opened))
        for n in range(len(spec["dashboards"]))
    ]
    await asyncio.wait_for(opened.wait(), 120)
    base_counts = [s[-1][1] for s in tally.seen]
    for n in range(len(watchers)):
        tally.events[n] = 0
    cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    start = time.monotonic() + 0.5
    end = start + seconds
    phones = [phone(spec, n, tally, start, end) for n in range(len(spec["phones"]))]
    await asyncio.gather(probe(spec, tally, start, end), *phones)
    cpu1, wall1 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    dashboard_events = list(tally.events)
    await asyncio.sleep(3)  # the last probes reach the dashboards
    for w in watchers:
        w.cancel()
    freshness = []
    for n, seen in enumerate(tally.seen):
        for k, acked in enumerate(tally.probe_acks, start=1):
            arrival = next((t for t, c in seen if c - base_counts[n] >= k), None)
            if arrival is not None:
                freshness.append(max(0.0, arrival - acked))
    missed = len(tally.probe_acks) * len(tally.seen) - len(freshness)
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    syncs = tally.syncs or [0.0]
    return {
        "offered_per_s": tally.offered / seconds,
        "stored_per_s": tally.stored / seconds,
        "sync_ms": [percentile(syncs, p) * 1000 for p in (50, 95, 99)],
        "syncs": len(tally.syncs),
        "failures": tally.failures,
        "refused": tally.refused,
        "failed_by_status": tally.failed,
        "events_per_dashboard_s": (sum(dashboard_events) / len(dashboard_events) / (wall1 - wall0))
        if dashboard_events
        else None,
        "max_events_per_dashboard_s": max(dashboard_events) / (wall1 - wall0)
        if dashboard_events
        else None,
        "freshness_ms": [percentile(freshness, p) * 1000 for p in (50, 95, 99)]
        + [max(freshness) * 1000]
        if freshness
        else None,
        "freshness_missed": missed,
        "load_cpu_share_of_one_core": cpu / (wall1 - wall0),
    }


def load_main(spec_path: str) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    spec = json.loads(Path(spec_path).read_text())
    print(json.dumps(asyncio.run(evening(spec))), flush=True)


# --- the conductor: database, people, the production shape, the load process ---------------


def people(url: str, phones: int, dashboards: int) -> dict[str, Any]:
    engine = make_engine(url)
    ttl = timedelta(hours=2)
    with Session(engine) as session:
        aks = catalogue.list_aks(session=session)
        probe_ak, phone_aks = aks[-1], aks[:-1]
        districts = {
            ak.id: [d.id for d in catalogue.list_districts(session=session, ak=ak)] for ak in aks
        }

        def person(role: str, ak: Any = None) -> str:
            user = User(name=f"Bench {role}", role=role)
            session.add(user)
            session.flush()
            assert user.id is not None
            if ak is not None:
                session.add(UserAk(user_id=user.id, ak_id=ak.id))
            if role == "staff":  # production requires TOTP: staff sessions come after a factor
                session.add(TotpFactor(user_id=user.id, secret="B" * 32, confirmed_at=utcnow()))
                session.flush()
            token, _ = create_session(session=session, user=user, secret_key=SECRET, ttl=ttl)
            return token

        spec = {
            "phones": [
                {"token": person("volunteer", ak), "districts": districts[ak.id]}
                for ak in (phone_aks[n % len(phone_aks)] for n in range(phones))
            ],
            "dashboards": [person("staff") for _ in range(dashboards)],
            "probe": {"token": person("volunteer", probe_ak), "districts": districts[probe_ak.id]},
            "probe_ak": probe_ak.slug,
        }
        session.commit()
    engine.dispose()
    return spec


def stored_logs(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(text("SELECT count(*) FROM door_log")).scalar_one())
    engine.dispose()
    return count


def run(phones: int, dashboards: int, seconds: float) -> dict[str, Any]:
    with fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as tmp:
        spec = people(url, phones, dashboards)
        port, api_port = free_port(), free_port()
        while api_port + 1 == port:
            api_port = free_port()
        spec |= {"port": port, "seconds": seconds, "year": stockholm_today().year}
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        log = (Path(tmp) / "prod.log").open("wb")
        env = server_env(
            url,
            KNACKA_VENV=str(VENV),
            KNACKA_FIRST_API_PORT=str(api_port),
            KNACKA_SECRET_KEY=SECRET,
            KNACKA_ENVIRONMENT="production",
            KNACKA_REQUIRE_TOTP="true",
        )
        prod = subprocess.Popen(
            ["bash", "scripts/prod.sh", str(port), "2"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            try:
                for p in (api_port, api_port + 1):
                    wait_healthy(f"http://127.0.0.1:{p}", prod)
                wait_healthy(f"http://127.0.0.1:{port}", prod)
            except AssertionError as exc:
                log.flush()
                raise RuntimeError((Path(tmp) / "prod.log").read_text()[-3000:]) from exc
            before = stored_logs(url)
            server_cpu0, wall0 = cpu_seconds(prod.pid), time.monotonic()
            load = subprocess.run(
                [sys.executable, "-m", "bench.election_evening", "--load", str(spec_path)],
                cwd=REPO,
                capture_output=True,
                text=True,
            )
            server_cpu = (cpu_seconds(prod.pid) - server_cpu0) / (time.monotonic() - wall0)
            if load.returncode != 0:
                raise RuntimeError(load.stderr[-3000:])
            result: dict[str, Any] = json.loads(load.stdout.strip().splitlines()[-1])
            result["in_database"] = stored_logs(url) - before
            result["servers_cpu_share_of_one_core"] = server_cpu
        finally:
            stop(prod, signal.SIGTERM)
            log.close()
    return result


def report(phones: int, dashboards: int, r: dict[str, Any]) -> str:
    p50, p95, p99 = r["sync_ms"]
    fresh = r["freshness_ms"]
    events = r["events_per_dashboard_s"]
    return (
        f"| {phones} | {dashboards} | {r['stored_per_s']:.0f} / {r['offered_per_s']:.0f} "
        f"({100 * r['stored_per_s'] / r['offered_per_s']:.0f} %) "
        f"| {p50:.0f} | {p95:.0f} | {p99:.0f} | "
        + (
            f"{events:.2f} (max {r['max_events_per_dashboard_s']:.2f})"
            if events is not None
            else "—"
        )
        + " | "
        + (f"{fresh[0]:.0f} / {fresh[1]:.0f} / {fresh[3]:.0f}" if fresh else "—")
        + f" | {r['failures']} | {100 * r['load_cpu_share_of_one_core']:.0f} % "
        f"| {100 * r['servers_cpu_share_of_one_core']:.0f} % |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", default="500x0,500x100,1000x100,1000x500")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(args.load)
        return
    print(f"# election evening, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}", flush=True)
    print(
        "| phones | dashboards | stored / offered logs/s | sync p50 ms | p95 | p99 | "
        "events per dashboard per s | freshness p50 / p95 / max ms | failed syncs | "
        "load CPU (of one core) | API+nginx CPU |",
        flush=True,
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    for item in args.runs.split(","):
        phones, dashboards = (int(x) for x in item.split("x"))
        result = run(phones, dashboards, args.seconds)
        print(report(phones, dashboards, result), flush=True)
        print(f"<!-- {json.dumps(result)} -->", flush=True)


if __name__ == "__main__":
    main()
