"""Exactly once under faults: 1,000 logs from simulated phones through a fault-injecting proxy,
to a real `knacka serve` that is SIGKILLed and restarted three times, end as exactly 1,000 rows,
each equal to what was sent. Also: an acknowledged write survives a SIGKILL (SQLite WAL).
"""

import random
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from api.accounts.sessions import create_session
from api.core.db import make_engine
from api.door_logs import opinions
from api.models.accounts import AuthSession, User
from api.models.door_logs import DoorLog
from api.models.plan import Ak, District
from tests.conftest import BACKENDS, fresh_database
from tests.support.devices import Device, random_log
from tests.support.faultproxy import FaultPlan, FaultProxy
from tests.support.people import make_person
from tests.support.servers import RestartableServer

SECRET = "test-secret-key"  # what tests.support.servers gives the server


@pytest.fixture(params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[RestartableServer, Engine]]:
    with fresh_database(request.param, tmp_path) as url:
        server = RestartableServer(url)
        server.start()
        engine = make_engine(url)
        try:
            yield server, engine
        finally:
            server.stop()
            engine.dispose()


def stored_logs(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(DoorLog)).scalar_one())


def ale_districts(engine: Engine) -> list[int]:
    with Session(engine) as session:
        rows = session.execute(
            select(District.id).join(Ak, Ak.id == District.ak_id).where(Ak.slug == "ale")
        )
        return [int(r) for r in rows.scalars()]


def user_of(engine: Engine, token_owner_index: int) -> int:
    with Session(engine) as session:
        ids = session.execute(select(User.id).order_by(User.id)).scalars().all()
        return int(ids[token_owner_index])


def assert_stored_as_sent(engine: Engine, sent: dict[str, tuple[int, dict[str, Any]]]) -> None:
    with Session(engine) as session:
        rows = session.execute(select(DoorLog)).scalars().all()
        topics = opinions.joined(session=session, log_ids=[r.id for r in rows])
    assert len(rows) == len(sent)
    for row in rows:
        user_id, log = sent[str(row.id)]
        assert row.user_id == user_id
        assert row.district_id == log["district_id"]
        assert row.occurred_at == datetime.fromisoformat(log["occurred_at"])
        assert row.outcome == log["outcome"]
        assert topics.get(row.id.int, "") == ",".join(sorted(log["topics"]))
        assert row.new_member == log["new_member"]
        assert row.left_material == log["left_material"]
        assert row.voided_at is None


def wait_until(condition, stop: threading.Event, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        if condition():
            return True
        if stop.wait(0.05):
            return bool(condition())
    return bool(condition())


@pytest.mark.slow
def test_a_thousand_logs_arrive_exactly_once_through_faults_and_three_kills(served):
    server, engine = served
    total, phones = 1000, 5
    districts = ale_districts(engine)
    rng = random.Random(7)
    plan = FaultPlan(drop=0.1, cut_response=0.15, latency=(0.0, 0.02), seed=11)
    with FaultProxy(server.port, plan=plan) as proxy:
        proxy_url = f"http://127.0.0.1:{proxy.port}"
        devices: list[Device] = []
        sent: dict[str, tuple[int, dict[str, Any]]] = {}
        for n in range(phones):
            token = make_person(server.database_url, SECRET, "volunteer", ["ale"])
            devices.append(Device(proxy_url, token, batch_size=rng.choice([5, 10, 20]), seed=n))
        owner_ids = {n: user_of(engine, -phones + n) for n in range(phones)}
        for i in range(total):
            n = i % phones
            log = random_log(rng, districts)
            # A phone whose send was cut repeats the same body: the same log, not a copy.
            devices[n].queue(log)
            sent[log["id"]] = (owner_ids[n], log)

        stop = threading.Event()
        threads = [threading.Thread(target=d.run, args=(stop,)) for d in devices]
        for t in threads:
            t.start()
        try:
            # Chaos, each step waiting for progress rather than for a time.
            for step, at in enumerate((200, 450, 700)):
                assert wait_until(lambda at=at: stored_logs(engine) >= at, stop, 120), step
                server.kill()
                if step == 1:
                    proxy.down()  # the phones lose the network while the server is down
                    server.start()
                    proxy.up()
                else:
                    server.start()
                if step == 0:
                    # A session ends mid-run: that phone pauses and keeps its queue.
                    with Session(engine) as session:
                        session.execute(
                            update(AuthSession)
                            .where(AuthSession.user_id == owner_ids[0])
                            .values(revoked_at=datetime.now().astimezone())
                        )
                        session.commit()
                    assert wait_until(lambda: devices[0].paused, stop, 60)
                    assert devices[0].outbox, "a paused phone keeps its logs"
                    with Session(engine) as session:
                        user = session.get(User, owner_ids[0])
                        assert user is not None
                        token, _ = create_session(
                            session=session, user=user, secret_key=SECRET, ttl=timedelta(hours=1)
                        )
                        session.commit()
                    devices[0].sign_in_again(token)
            for t in threads:
                t.join(timeout=300)
                assert not t.is_alive()
        finally:
            stop.set()
        counts = dict(proxy.counts)

    assert server.kills == 3
    assert counts["drop"] > 0 and counts["cut_response"] > 0, counts
    assert all(not d.outbox and not d.refused for d in devices), [d.refused for d in devices]
    assert any(d.answers.get("transport_error") for d in devices)
    assert devices[0].answers.get("401", 0) >= 1
    assert_stored_as_sent(engine, sent)
    assert stored_logs(engine) == total


@pytest.mark.slow
def test_an_acknowledged_log_survives_a_sigkill_of_the_sqlite_server(tmp_path: Path):
    with fresh_database("sqlite", tmp_path) as url:
        server = RestartableServer(url)
        server.start()
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                # FULL (2): a commit is synced to disk before the server acknowledges it.
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            token = make_person(url, SECRET, "volunteer", ["ale"])
            phone = Device(server.base, token, batch_size=50)
            rng = random.Random(3)
            districts = ale_districts(engine)
            sent = {}
            owner = user_of(engine, -1)
            for _ in range(200):
                log = random_log(rng, districts)
                phone.queue(log)
                sent[log["id"]] = (owner, log)
            phone.run(threading.Event())
            assert not phone.outbox and phone.answers == {"200": 4}
            engine.dispose()
            # Killed at once after the last acknowledgement: no clean shutdown, no checkpoint.
            server.kill()
            assert_stored_as_sent(engine, sent)
            server.start()
            assert_stored_as_sent(engine, sent)
        finally:
            server.stop()
            engine.dispose()
