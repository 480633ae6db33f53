"""Group commit: one writer thread per process commits every waiting sync in ONE transaction.

Each sync used to hop into the thread pool, wait for the write lock (SQLite) or a pooled
connection (PostgreSQL), and pay its own durable commit: under a crowd of phones the syncs
queued behind each other's fsyncs (docs/BENCHMARKS.md). Here a request hands its work to the
writer and awaits the answer on the event loop; the writer takes every job waiting, writes
them together and commits once, so N waiting phones cost one fsync and one insert.

The durability promise is unchanged: no job is answered before the commit that holds it.
A job is two steps. `check` only reads (session, access) and may refuse its own request
(401, 403, 422): that job alone is answered with the error. `write` gets the checked values of
every job of the group that shares it and answers each; if it fails, or the commit does, the
group is rolled back and each job is run again alone, in its own transaction, so one bad job
can never take another's logs with it.
"""

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.web.observability import SYNC_GROUP_SIZE

log = logging.getLogger("knacka.group_commit")

C = TypeVar("C")

R = TypeVar("R")

MAX_JOBS = 64  # per transaction: bounds how long the first phone of a group waits

MAX_ITEMS = 5_000  # logs per transaction (a job says how many it carries)


@dataclass(eq=False)
class Job(Generic[C, R]):
    """One request's write. `check(session)` reads and may refuse; `write(session, checked)`
    writes the checked values of every job of the group with the same `write`, and answers
    each in order; `after(answer)` runs once the group is committed."""

    check: Callable[[Session], C]
    write: Callable[[Session, list[C]], list[R]]
    after: Callable[[R], None] | None = None
    items: int = 1


@dataclass(eq=False)
class _Pending:
    job: Job[Any, Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class GroupCommitter:
    """The writer of one engine: `await committer.run(job)` answers when `job` is committed.

    Between `start()` and `stop()` (the app's lifespan) one writer thread commits in groups;
    outside them, as in a test without a lifespan, a job is committed alone in the thread pool.
    """

    def __init__(
        self, engine: Engine, *, max_jobs: int = MAX_JOBS, max_items: int = MAX_ITEMS
    ) -> None:
        self.engine = engine
        self.max_jobs = max_jobs
        self.max_items = max_items
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.groups = 0  # transactions committed, for tests and the benchmarks
        self.jobs = 0

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="knacka-group-commit")
                self._thread.daemon = True
                self._thread.start()

    def stop(self) -> None:
        """Commits what is queued, then ends the writer (the server has stopped taking work)."""
        with self._lock:  # a job handed over from now on is committed alone
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout=60)

    async def run(self, job: Job[Any, R]) -> R:
        loop = asyncio.get_running_loop()
        pending = _Pending(job, loop, loop.create_future())
        with self._lock:
            running = self._thread is not None
            if running:
                self._queue.put(pending)
        if not running:
            await run_in_threadpool(self._commit_group, [pending])
        # The job goes on if the phone hangs up: the log is committed and its resend is a
        # duplicate. Shielded, so a cancelled request does not cancel the shared future.
        result: R = await asyncio.shield(pending.future)
        return result

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stopping = self._take_waiting(first)
            try:
                self._commit_group(group)
            except BaseException as exc:  # the writer must outlive any job: answer, go on
                log.exception("group commit failed unexpectedly")
                for pending in group:
                    _answer(pending, error=exc)
            if stopping:
                return

    def _take_waiting(self, first: _Pending) -> tuple[list[_Pending], bool]:
        group, items = [first], first.job.items
        while len(group) < self.max_jobs and items < self.max_items:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            if pending is None:
                return group, True
            group.append(pending)
            items += pending.job.items
        return group, False

    def _commit_group(self, group: list[_Pending]) -> None:
        checked: list[tuple[_Pending, Any]] = []
        answered: list[tuple[_Pending, Any]] = []
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                for pending in group:
                    try:
                        checked.append((pending, pending.job.check(session)))
                    except Exception as exc:  # this request is refused; the group goes on
                        _answer(pending, error=exc)
                for write, together in _by_writer(checked).items():
                    results = write(session, [value for _, value in together])
                    answered.extend(zip((p for p, _ in together), results, strict=True))
                session.commit()
        except Exception as exc:
            if len(checked) <= 1:
                for pending, _ in checked:
                    _answer(pending, error=exc)
                return
            log.warning("a group of %d failed (%s); committing each alone", len(checked), exc)
            for pending, _ in checked:
                self._commit_group([pending])
            return
        if answered:
            self.groups += 1
            self.jobs += len(answered)
            SYNC_GROUP_SIZE.observe(len(answered))
        for pending, result in answered:
            try:
                if pending.job.after is not None:
                    pending.job.after(result)
            except Exception as exc:
                _answer(pending, error=exc)
                continue
            _answer(pending, result=result)


def _by_writer(checked: list[tuple[_Pending, Any]]) -> dict[Any, list[tuple[_Pending, Any]]]:
    """The checked jobs per `write`, in the order they came (dicts keep insertion order)."""
    groups: dict[Any, list[tuple[_Pending, Any]]] = {}
    for pending, value in checked:
        groups.setdefault(pending.job.write, []).append((pending, value))
    return groups


def _answer(pending: _Pending, *, result: Any = None, error: BaseException | None = None) -> None:
    def settle() -> None:
        if pending.future.done():
            return
        if error is not None:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
        pending.loop.call_soon_threadsafe(settle)
