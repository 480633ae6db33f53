"""Web Push reminders across two API processes on PostgreSQL (issue 15): every reminder due is
handed to the push service once, whichever process claims it; and when a process is killed in
the middle of a pass (it claimed a batch and is sending it) none is lost: the other process
takes the stale claim over. Only what the killed process had already sent and not yet marked
goes again, under the same push Topic, so the push service replaces the first copy.
"""

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.core.db import make_engine
from api.models.push import PushReminder
from tests.conftest import fresh_database
from tests.support.push_load import seed_due_reminders
from tests.support.push_service import PushService
from tests.support.servers import RestartableServer

CLAIM_SECONDS = 8


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Engine, list[RestartableServer]]]:
    env = {
        "KNACKA_PUSH_INTERVAL_SECONDS": "0.5",
        "KNACKA_PUSH_CLAIM_SECONDS": str(CLAIM_SECONDS),
        "KNACKA_PUSH_SERVICE_HOSTS": "127.0.0.1",
        "KNACKA_RETENTION_INTERVAL_SECONDS": "0",  # the load's people have no session
    }
    with fresh_database("postgresql", tmp_path) as url:
        servers = [RestartableServer(url, **env), RestartableServer(url, **env)]
        engine = make_engine(url)
        try:
            for server in servers:
                server.start()
            yield engine, servers
        finally:
            for server in servers:
                server.stop()
            engine.dispose()


def reminder_of(topic: str | None) -> int:
    assert topic is not None
    match = re.fullmatch(r"knackpass-(\d+)", topic)
    assert match, topic
    return int(match.group(1))


def wait_all_marked(engine: Engine, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            rows = session.execute(select(PushReminder.sent_at)).scalars().all()
        if len(rows) == count and all(r is not None for r in rows):
            return
        time.sleep(0.2)
    raise AssertionError("not every reminder was marked sent")


def claimers(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(session.execute(select(PushReminder.claimed_by)).scalars())


def test_reminders_due_across_two_processes_are_each_sent_once(
    two_servers: tuple[Engine, list[RestartableServer]], push_service: PushService
):
    engine, _ = two_servers
    seed_due_reminders(engine, push_service, shifts=40, per_shift=25)

    push_service.wait_for(1000)
    wait_all_marked(engine, 1000)
    time.sleep(1.5)  # three more passes of each process: nothing more goes

    got = push_service.received()
    assert push_service.refused() == []
    assert len(got) == 1000
    assert len({reminder_of(g.topic) for g in got}) == 1000
    assert {g.payload["body"].split(" kl.")[0] for g in got} <= {
        "Du har ett knackpass i dag",
        "Du har ett knackpass i morgon",
    }


def test_a_process_killed_mid_pass_loses_nothing(
    two_servers: tuple[Engine, list[RestartableServer]], push_service: PushService
):
    engine, servers = two_servers
    push_service.hold(1)  # the first message is received and never answered: its sender hangs
    seed_due_reminders(engine, push_service, shifts=20, per_shift=25)
    deadline = time.monotonic() + 60
    while not push_service.held():
        assert time.monotonic() < deadline, "no message arrived"
        time.sleep(0.05)
    [held] = push_service.held()
    stuck_id = reminder_of(held.topic)
    with Session(engine) as session:
        stuck_claimer = session.execute(
            select(PushReminder.claimed_by).where(PushReminder.id == stuck_id)
        ).scalar_one()
        assert stuck_claimer is not None
        # What the stuck process claimed and has not marked: its batch in the middle of a pass.
        unmarked = set(
            session.execute(
                select(PushReminder.id).where(
                    PushReminder.claimed_by == stuck_claimer,
                    PushReminder.sent_at.is_(None),  # type: ignore[union-attr]
                )
            ).scalars()
        )
    pid = int(stuck_claimer.split(":")[1])
    [victim] = [s for s in servers if s.process is not None and s.process.pid == pid]
    victim.kill()
    push_service.release()

    wait_all_marked(engine, 500, timeout=CLAIM_SECONDS * 10 + 60)
    got = push_service.received()
    sent = Counter(reminder_of(g.topic) for g in got)
    everything = set(sent) | {stuck_id}
    assert len(everything) == 500  # none lost
    twice = {rid for rid, n in sent.items() if n > 1} | ({stuck_id} & set(sent))
    # Only what the killed process had claimed went twice: sent, then killed before marking.
    assert twice <= unmarked
    assert stuck_id in sent  # the hung one was sent again by the surviving process
    assert max(sent.values()) <= 2
    survivor = next(s for s in servers if s is not victim)
    assert survivor.process is not None and survivor.process.poll() is None
