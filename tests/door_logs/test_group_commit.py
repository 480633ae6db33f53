"""Group commit: waiting jobs share one transaction, yet each is answered as if it ran alone.

A real GroupCommitter runs on the test database (SQLite and PostgreSQL). Its jobs write audit
events whose `detail` names the job, so what is stored can be counted per job. To make jobs
wait together, a first job holds the writer busy until every other job has been handed over.
"""

import asyncio
import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.core.db import make_engine, utcnow
from api.core.errors import KnackaError
from api.core.stockholm import stockholm_day, stockholm_today
from api.door_logs.group_commit import GroupCommitter, Job
from api.door_logs.ingest import Caller, parse_batch
from api.door_logs.rollups import door_log
from api.models.accounts import AuditEvent
from api.routes.sync import CheckedSync, sync_job, write_syncs
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, ak_totals, district_ids

ACTION = "group_commit_test"
WAIT = 10  # seconds: only reached when something is broken


@pytest.fixture
def committer(db: Engine) -> Iterator[GroupCommitter]:
    committer = GroupCommitter(db)
    committer.start()
    yield committer
    committer.stop()


def writing(label: str, *, rows: int = 1, then: Callable[[], None] | None = None) -> Job[Any, Any]:
    """A job that stores `rows` audit events named `label` and answers the last one's id;
    `then` runs after the rows are written, inside the transaction."""

    def write(session: Session, checked: list[None]) -> list[int]:
        for _ in range(rows):
            event = AuditEvent(action=ACTION, detail=label)
            session.add(event)
            session.flush()
        if then is not None:
            then()
        assert event.id is not None
        return [event.id for _ in checked]

    return Job(check=lambda session: None, write=write)


def stored(engine: Engine) -> dict[int, str]:
    """The test's audit events as a separate connection sees them: id -> job label."""
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == ACTION)).all()
    return {event.id: event.detail for event in events if event.id and event.detail}


class BusyWriter:
    """A job that keeps the writer busy until released, so jobs sent meanwhile queue up."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.thread: threading.Thread | None = None

    def job(self) -> Job[Any, Any]:
        def check(session: Session) -> None:
            self.thread = threading.current_thread()
            self.entered.set()
            assert self.release.wait(WAIT), "the busy job was never released"

        return Job(check=check, write=lambda session, checked: ["busy"])

    async def hold(self, committer: GroupCommitter) -> "asyncio.Future[Any]":
        """Hands the busy job to the writer and returns once the writer is inside it."""
        running = asyncio.ensure_future(answer(committer, self.job()))
        assert await asyncio.to_thread(self.entered.wait, WAIT), "the writer never started"
        return running


async def answer(committer: GroupCommitter, job: Job[Any, Any]) -> Any:
    """The job's answer; a writer that never answers fails the test instead of hanging it."""
    return await asyncio.wait_for(committer.run(job), WAIT)


def send_all(committer: GroupCommitter, jobs: list[Job[Any, Any]]) -> "asyncio.Future[list[Any]]":
    """Hands every job to the committer: each run() queues its job in its task's first step,
    so anything scheduled on the loop after this call runs once all of them are queued."""
    return asyncio.gather(*(committer.run(job) for job in jobs), return_exceptions=True)


async def crowd(committer: GroupCommitter, jobs: list[Job[Any, Any]]) -> list[Any]:
    """Sends `jobs` all at once while the writer is busy; each job's answer, or its error."""
    busy = BusyWriter()
    first = await busy.hold(committer)
    answers = send_all(committer, jobs)
    asyncio.get_running_loop().call_soon(busy.release.set)  # after every job is queued
    assert await first == "busy"
    return await asyncio.wait_for(answers, WAIT)


def test_jobs_sent_together_share_one_commit_and_each_gets_its_own_answer(
    committer: GroupCommitter, db: Engine
):
    labels = [f"job {n}" for n in range(20)]
    answers = asyncio.run(crowd(committer, [writing(label) for label in labels]))

    rows = stored(db)
    assert sorted(rows.values()) == sorted(labels)
    assert [rows[row_id] for row_id in answers] == labels  # each got the id of its own row
    assert committer.groups == 2  # the busy job's commit, then one for all twenty
    assert committer.jobs == 21


def test_a_refused_job_gets_its_error_and_the_rest_of_its_group_is_committed(
    committer: GroupCommitter, db: Engine
):
    def refuse(session: Session) -> None:
        raise KnackaError(401, "not_authenticated", "Not signed in")

    refused = Job(check=refuse, write=writing("refused").write)
    jobs = [writing("before"), refused, writing("after")]
    answers = asyncio.run(crowd(committer, jobs))

    assert isinstance(answers[1], KnackaError)
    assert (answers[1].status_code, answers[1].code) == (401, "not_authenticated")
    assert sorted(stored(db).values()) == ["after", "before"]
    assert committer.groups == 2  # the refusal did not break the group apart


def test_a_job_failing_halfway_stores_nothing_and_the_others_are_committed_alone(
    committer: GroupCommitter, db: Engine
):
    def fail() -> None:
        raise RuntimeError("the write broke after two rows")

    jobs = [writing("first"), writing("broken", rows=2, then=fail), writing("last")]
    answers = asyncio.run(crowd(committer, jobs))

    assert isinstance(answers[0], int) and isinstance(answers[2], int)
    assert isinstance(answers[1], RuntimeError)
    assert str(answers[1]) == "the write broke after two rows"
    rows = stored(db)
    assert sorted(rows.values()) == ["first", "last"]  # nothing of "broken"
    assert (rows[answers[0]], rows[answers[2]]) == ("first", "last")
    assert committer.groups == 3  # the busy job's commit, then "first" and "last" alone


def test_after_runs_only_once_the_row_is_visible_to_everyone(committer: GroupCommitter, db: Engine):
    seen: dict[str, list[str]] = {}

    def look_before_the_commit() -> None:
        seen["before the commit"] = list(stored(db).values())

    def look_in_after(row_id: int) -> None:
        seen["in after"] = [stored(db)[row_id]]

    job = writing("announced", then=look_before_the_commit)
    job.after = look_in_after
    row_id = asyncio.run(answer(committer, job))

    assert seen == {"before the commit": [], "in after": ["announced"]}
    assert stored(db) == {row_id: "announced"}


def test_stop_commits_the_jobs_still_waiting_before_the_writer_ends(
    committer: GroupCommitter, db: Engine
):
    labels = [f"queued {n}" for n in range(5)]

    async def stop_while_jobs_wait() -> list[Any]:
        busy = BusyWriter()
        first = await busy.hold(committer)
        answers = send_all(committer, [writing(label) for label in labels])

        def let_the_writer_go_and_stop_it() -> None:
            busy.release.set()
            committer.stop()  # asked at once: the writer is still finishing the busy job

        # Scheduled after every job above is queued: stop is asked while they all wait.
        stopping = asyncio.ensure_future(asyncio.to_thread(let_the_writer_go_and_stop_it))
        await asyncio.wait_for(stopping, WAIT)
        assert busy.thread is not None and not busy.thread.is_alive()  # the writer has ended
        assert sorted(stored(db).values()) == labels  # ... and everything was committed first
        assert await first == "busy"
        return await asyncio.wait_for(answers, WAIT)

    answers = asyncio.run(stop_while_jobs_wait())

    rows = stored(db)
    assert [rows[row_id] for row_id in answers] == labels
    assert committer.groups == 2


def test_a_job_handed_over_after_stop_is_committed_alone(committer: GroupCommitter, db: Engine):
    committer.stop()
    row_id = asyncio.run(answer(committer, writing("after stop")))

    assert stored(db) == {row_id: "after stop"}
    assert committer.groups == 1


def test_the_writer_outlives_a_job_that_raises_more_than_an_exception(
    committer: GroupCommitter, db: Engine
):
    class Interrupted(BaseException):
        pass

    def interrupt() -> None:
        raise Interrupted

    async def one_after_the_other() -> tuple[Any, Any]:
        broken = await asyncio.gather(
            answer(committer, writing("broken", then=interrupt)), return_exceptions=True
        )
        return broken[0], await answer(committer, writing("next"))

    broken, next_id = asyncio.run(one_after_the_other())

    assert isinstance(broken, Interrupted)
    assert stored(db) == {next_id: "next"}


def test_syncs_of_one_group_share_one_insert_and_see_each_others_logs(
    client: TestClient, make_user: MakeUser, app: Any
):
    """Two volunteers' syncs written together: each is answered as if it ran alone."""
    anna = make_user("volunteer", aks=["ale"])
    bo = make_user("volunteer", aks=["ale"])
    ale = district_ids(client, anna, "ale")[0]
    shared = a_log(ale)
    own = a_log(ale)

    def checked(person: Person, logs: list[dict[str, Any]]) -> CheckedSync:
        caller = Caller(user_id=person.id, role="volunteer", aks=["ale"])
        return CheckedSync(app.state, caller, parse_batch(logs, utcnow()))

    syncs = [checked(anna, [shared, own]), checked(bo, [shared]), checked(anna, [own])]
    with Session(app.state.engine) as session:
        outcomes = write_syncs(session, syncs)
        session.commit()

    statuses = [[r["status"] for r in outcome.results] for outcome in outcomes]
    # Bo's copy of Anna's log names another volunteer: a conflict; Anna's resend: a duplicate.
    assert statuses == [["created", "created"], ["conflict"], ["duplicate"]]
    year = stockholm_day(datetime.fromisoformat(shared["occurred_at"])).year
    assert [outcome.years for outcome in outcomes] == [{year}, set(), set()]
    assert ak_totals(client, anna, year, "ale")["doors"] == 2


def test_concurrent_syncs_through_the_api_store_every_distinct_log_exactly_once(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    distinct = [a_log(district, outcome="conversation") for _ in range(10)]
    sends = [log for log in distinct for _ in range(3)]  # every log sent by three threads
    start = threading.Barrier(len(sends))

    def send(log: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        start.wait(WAIT)
        response = client.post("/api/sync", json={"logs": [log]}, headers=volunteer.headers)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        answers = list(pool.map(send, sends))

    assert [status for status, _ in answers] == [200] * len(sends)
    statuses: dict[str, list[str]] = {log["id"]: [] for log in distinct}
    for log, (_, body) in zip(sends, answers, strict=True):
        [result] = body["results"]
        assert result["id"] == log["id"]
        statuses[log["id"]].append(result["status"])
    assert all(sorted(s) == ["created", "duplicate", "duplicate"] for s in statuses.values())

    ids = [uuid.UUID(log["id"]) for log in distinct]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        count = select(func.count()).select_from(door_log).where(door_log.c.id.in_(ids))
        assert session.execute(count).scalar_one() == len(distinct)
    ale = ak_totals(client, staff, stockholm_today().year, "ale")
    assert (ale["doors"], ale["conversations"]) == (len(distinct), len(distinct))


def test_two_processes_groups_over_the_same_districts_never_deadlock(
    database_url: str, db: Engine, app: Any, client: TestClient, make_user: MakeUser
):
    """Two API processes' writers (here: two engines, two committers) commit groups over the
    same districts in opposite orders at the same moment. Each group is one insert with its
    rows and rollup keys sorted, so no lock-order deadlock makes a group fail and fall apart."""
    volunteer = make_user("volunteer", aks=["ale"])
    first, second = district_ids(client, volunteer, "ale")[:2]
    token = volunteer.headers["Authorization"].split(" ", 1)[1]
    engines = [make_engine(database_url), make_engine(database_url)]
    committers = [GroupCommitter(engine) for engine in engines]
    rounds = 8
    # 640 logs of one volunteer: 7 s apart, within what a person can knock (plausibility).
    moments = (datetime.now(UTC) - timedelta(seconds=7 * k) for k in itertools.count())

    def logs(district: int) -> list[dict[str, Any]]:
        return [a_log(district, occurred_at=next(moments).isoformat()) for _ in range(20)]

    def syncs(order: list[int]) -> list[Job[Any, Any]]:
        return [sync_job(app.state, token, json.dumps({"logs": logs(d)}).encode()) for d in order]

    async def both_at_once() -> list[Any]:
        held = [BusyWriter(), BusyWriter()]
        firsts = [await busy.hold(c) for busy, c in zip(held, committers, strict=True)]
        answers = [
            send_all(committers[0], syncs([first, second])),
            send_all(committers[1], syncs([second, first])),
        ]
        for busy in held:  # both writers let go together, once every sync is queued
            asyncio.get_running_loop().call_soon(busy.release.set)
        await asyncio.gather(*firsts)
        return await asyncio.wait_for(asyncio.gather(*answers), WAIT)

    try:
        for committer in committers:
            committer.start()
        for _ in range(rounds):
            for outcome in (o for answers in asyncio.run(both_at_once()) for o in answers):
                assert [r["status"] for r in outcome.results] == ["created"] * 20
    finally:
        for committer, engine in zip(committers, engines, strict=True):
            committer.stop()
            engine.dispose()

    # Per round and writer: the busy job's commit and ONE for both syncs; a deadlock would
    # have failed a group and committed its syncs alone.
    assert [c.groups for c in committers] == [2 * rounds, 2 * rounds]
    ale = ak_totals(client, volunteer, stockholm_today().year, "ale")
    assert ale["doors"] == rounds * 2 * 2 * 20
