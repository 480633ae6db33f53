"""Live change events: what open streams listen to, across API processes.

After a write commits, `Live.changed` announces it. On PostgreSQL that is a NOTIFY, which
PostgreSQL delivers to every API process's listener; on SQLite, where there is one process,
the change is published in-process. A stream that was cut off re-reads a snapshot on
reconnect, so an announcement lost in a crash costs freshness, never correctness.

What an announcement costs does not grow with the rate of changes. It only marks the views
(one per year that streams follow) stale. Each view takes at most one snapshot per interval:
the first change after a quiet spell at once, later ones coalesced into the next interval, the
latest state winning. The snapshot is computed in the broker's own threads, off the event loop
and off the thread pool that serves requests, and shared by every stream of the view; a stream
sends at most one event per interval and, when it fell behind, only the latest snapshot.
"""

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.core.sql import transaction_memo

log = logging.getLogger("knacka.live")

CHANNEL = "knacka_live"
DEFAULT_INTERVAL = 1.0


class View:
    """One view of this process (say the totals of a year): its latest snapshot, taken at most
    once per interval while streams follow it and something changed."""

    def __init__(self, broker: "Broker", key: Hashable, compute: Callable[[], str]) -> None:
        self.broker = broker
        self.key = key
        self.compute = compute
        self.followers = 0
        self.body: str | None = None  # the latest snapshot; None before the first
        self.seq = 0  # snapshots taken so far
        self.snapshots_taken = 0
        self.error: BaseException | None = None  # the last attempt's failure, if it failed
        self._stale = True
        self._started = -math.inf  # when the last snapshot began (monotonic)
        self._worker: asyncio.Task[None] | None = None
        self._landed = asyncio.Event()  # set, and replaced, after every attempt

    def changed(self) -> None:
        """Something this view shows may have changed: a snapshot follows within the interval."""
        self._stale = True
        if self.followers:
            self._ensure_worker()

    def _ensure_worker(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(
                self._run(), name=f"knacka-live-view-{self.key}"
            )

    async def _run(self) -> None:
        interval = self.broker.interval
        loop = asyncio.get_running_loop()
        try:
            while self._stale and self.followers:
                wait = self._started + interval - time.monotonic()
                if wait > 0:  # changes within the interval wait for its end, and merge
                    await asyncio.sleep(wait)
                self._stale = False  # a change from now on needs the next snapshot
                self._started = time.monotonic()
                try:
                    body = await loop.run_in_executor(self.broker.executor, self.compute)
                except Exception as exc:  # the database, mostly: try again next interval
                    log.warning("live snapshot of %s failed: %s", self.key, exc)
                    self._stale = True
                    self.error = exc
                else:
                    self.error = None
                    self.body = body
                    self.seq += 1
                    self.snapshots_taken += 1
                landed, self._landed = self._landed, asyncio.Event()
                landed.set()
        finally:
            self._worker = None


class Follower:
    """One stream's place in a view: which snapshot it sent last, and when."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.seq = 0
        self._sent_at = -math.inf
        view.followers += 1

    async def first(self) -> str:
        """The view's snapshot now: the kept one, or a fresh one if the view had none."""
        view = self.view
        while view.body is None:
            attempt = view._landed
            view._stale = True
            view._ensure_worker()
            await attempt.wait()
            if view.body is None and view.error is not None:
                raise view.error
        return self._take()

    async def next(self, timeout: float) -> str | None:
        """The latest snapshot once there is one newer than the last sent; None on timeout.

        At most one per interval: a stream that could not keep up skips what it missed."""
        view = self.view
        deadline = time.monotonic() + timeout
        while view.seq == self.seq:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                async with asyncio.timeout(left):
                    await view._landed.wait()
            except TimeoutError:
                return None
        wait = min(self._sent_at + view.broker.interval, deadline) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return self._take()

    def _take(self) -> str:
        assert self.view.body is not None
        self.seq = self.view.seq
        self._sent_at = time.monotonic()
        return self.view.body

    def close(self) -> None:
        view = self.view
        view.followers -= 1
        if view.followers == 0:
            # Nobody follows: no snapshots, and the next stream reads afresh.
            view.broker._forget(view)


class Broker:
    """The views of this process, kept current for the streams that follow them."""

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self.interval = interval
        self._views: dict[Hashable, View] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None
        self.changes = 0

    @property
    def executor(self) -> ThreadPoolExecutor:
        # Its own threads: snapshots never queue behind, or hold up, the requests' thread pool.
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="knacka-live")
        return self._executor

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    @property
    def subscriber_count(self) -> int:
        return sum(view.followers for view in self._views.values())

    def follow(self, key: Hashable, compute: Callable[[], str]) -> Follower:
        """Follow the view `key`, whose snapshot `compute` takes (in a thread, not the loop).

        Follow before the first read, so a change in between is not missed."""
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = View(self, key, compute)
        return Follower(view)

    def _forget(self, view: View) -> None:
        if self._views.get(view.key) is view:
            del self._views[view.key]

    def publish(self, payload: str) -> None:
        """A change was announced; call from the broker's event loop. Costs a flag per view.

        Every followed view is marked, not only the year named: a change of districts or goals
        of another year still tells dashboards to re-read their other views (event `changed`)."""
        self.changes += 1
        for view in list(self._views.values()):
            view.changed()

    def publish_threadsafe(self, payload: str) -> None:
        """Deliver from any thread (routes run in a thread pool)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.publish, payload)


class Live:
    """The process's broker plus, on PostgreSQL, the LISTEN connection that feeds it."""

    def __init__(self, database_url: str, interval: float = DEFAULT_INTERVAL) -> None:
        self.broker = Broker(interval)
        self.database_url = database_url
        self.is_postgres = database_url.startswith("postgresql")
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()
        self._notifier: psycopg.Connection[Any] | None = None
        self._notify_lock = threading.Lock()

    async def start(self) -> None:
        self.broker.bind(asyncio.get_running_loop())
        if self.is_postgres:
            self._task = asyncio.create_task(self._listen(), name="knacka-live-listen")
        else:
            self.listening.set()

    async def stop(self) -> None:
        with self._notify_lock:
            self._close_notifier()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.broker.close()

    def changed(self, engine: Engine, payload: str) -> None:
        """Announce a committed change to the streams of every API process.

        PostgreSQL delivers the NOTIFY to each process's listener (this one's too); on SQLite
        there is only this process. Called from the request's worker thread after the commit.
        """
        if not self.is_postgres:
            self.broker.publish_threadsafe(payload)
            return
        # One kept autocommit connection: one round trip per change, where a pooled one cost a
        # checkout, a pre-ping, the statement and a commit (measured in docs/BENCHMARKS.md).
        with self._notify_lock:
            for attempt in (1, 2):
                try:
                    if self._notifier is None or self._notifier.closed:
                        self._notifier = psycopg.connect(self._conninfo(), autocommit=True)
                    self._notifier.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except psycopg.OperationalError as exc:
                    self._close_notifier()
                    if attempt == 2:  # answered as 503 like any other database outage
                        raise OperationalError("SELECT pg_notify", None, exc) from exc

    def changed_within(self, session: Session, payloads: list[str]) -> bool:
        """PostgreSQL: NOTIFY inside the caller's transaction (sent at its commit); else False."""
        if not self.is_postgres:
            return False
        # Once per transaction: a group commit holds many syncs, and one event tells it all.
        sent: set[str] = transaction_memo(session).setdefault("notified", set())
        cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            for payload in payloads:
                if payload not in sent:
                    cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    sent.add(payload)
        finally:
            cursor.close()
        return True

    def _close_notifier(self) -> None:
        if self._notifier is not None:
            with contextlib.suppress(psycopg.Error):
                self._notifier.close()
            self._notifier = None

    def _conninfo(self) -> str:
        url = make_url(self.database_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self._conninfo(), autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    delay = 0.5
                    # Events may have been missed while disconnected: streams re-read.
                    self.broker.publish("resync")
                    async for notify in conn.notifies():
                        self.broker.publish(notify.payload)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as exc:
                self.listening.clear()
                log.warning("live listener lost the database (%s); retrying", exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
