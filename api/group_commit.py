"""Group commit: one writer thread per process commits every waiting sync in ONE transaction.

Each sync used to hop into the thread pool, wait for the write lock (SQLite) or a pooled
connection (PostgreSQL), and pay its own durable commit: under a crowd of phones the syncs
queued behind each other's fsyncs (docs/BENCHMARKS.md). Here a request hands its work to the
writer and awaits the answer on the event loop; the writer takes every job waiting, runs them
one after another in one transaction and commits once, so N waiting phones cost one fsync.

The durability promise is unchanged: no job is answered before the commit that holds it.
A job is two steps. `check` only reads (session, body, access) and may refuse its own request
(401, 413, 422): that job alone is answered with the error. `write` must not fail; if it does,
or the commit does, the group is rolled back and every job is run again alone, in its own
transaction, so one bad job can never take another's logs with it.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger("knacka.group_commit")

C = TypeVar("C")
R = TypeVar("R")

MAX_JOBS = 64  # per transaction: bounds how long the first phone of a group waits
MAX_ITEMS = 5_000  # logs per transaction (a job says how many it carries)


@dataclass(eq=False)
class Job(Generic[C, R]):
    """One request's write: `check` reads and may refuse, `write` writes, `after` runs once
    the group is committed (announcements that must not precede the commit)."""

    check: Callable[[Session], C]
    write: Callable[[Session, C], R]
    after: Callable[[R], None] | None = None
    items: int = 1


@dataclass(eq=False)
class _Pending:
    job: Job[Any, Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class GroupCommitter:
    """The writer of one engine: `await committer.run(job)` answers when `job` is committed."""

    def __init__(
        self, engine: Engine, *, max_jobs: int = MAX_JOBS, max_items: int = MAX_ITEMS
    ) -> None:
        self.engine = engine
        self.max_jobs = max_jobs
        self.max_items = max_items
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.groups = 0  # transactions committed, for tests and /metrics
        self.jobs = 0

    async def run(self, job: Job[Any, R]) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._ensure_started()
        self._queue.put(_Pending(job, loop, future))
        # The job goes on if the phone hangs up: the log is committed and its resend is a
        # duplicate. Shielded, so a cancelled request does not leave an orphaned future.
        return await asyncio.shield(future)

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._loop, name="knacka-group-commit")
                thread.daemon = True
                thread.start()
                self._thread = thread

    def stop(self) -> None:
        """Commits what is queued, then ends the writer (the server has stopped taking work)."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=60)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stopping = self._take_waiting(first)
            self._commit_group(group)
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
        written: list[tuple[_Pending, Any]] = []
        refused: set[int] = set()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                for index, pending in enumerate(group):
                    try:
                        checked = pending.job.check(session)
                    except Exception as exc:  # this request is refused; the group goes on
                        refused.add(index)
                        _answer(pending, error=exc)
                        continue
                    written.append((pending, pending.job.write(session, checked)))
                session.commit()
        except Exception as exc:
            alone = [p for i, p in enumerate(group) if i not in refused]
            if len(group) == 1:
                for pending in alone:
                    _answer(pending, error=exc)
                return
            log.warning("a group of %d failed (%s); committing each alone", len(group), exc)
            for pending in alone:
                self._commit_group([pending])
            return
        self.groups += 1
        self.jobs += len(written)
        for pending, result in written:
            try:
                if pending.job.after is not None:
                    pending.job.after(result)
            except Exception as exc:
                _answer(pending, error=exc)
                continue
            _answer(pending, result=result)


def _answer(pending: _Pending, *, result: Any = None, error: BaseException | None = None) -> None:
    def settle() -> None:
        if pending.future.done():
            return
        if error is not None:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(result)

    if pending.loop.is_closed():
        return
    pending.loop.call_soon_threadsafe(settle)
