"""Live change events: what open streams listen to, across API processes.

After a write commits, `Live.changed` announces it. On PostgreSQL that is a NOTIFY, which
PostgreSQL delivers to every API process's listener; on SQLite, where there is one process,
the change is published in-process. A stream that was cut off re-reads a snapshot on
reconnect, so an announcement lost in a crash costs freshness, never correctness.
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.core.sql import transaction_memo

log = logging.getLogger("knacka.live")

CHANNEL = "knacka_live"


class Broker:
    """Fans events out to the subscribers (open streams) of this process."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[str]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.version = 0
        self._snapshots: dict[Any, tuple[int, asyncio.Future[Any]]] = {}

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribe(self) -> asyncio.Queue[str]:
        # Small queues: a stream only needs to know that something changed, not how often.
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=8)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        self._subscribers.discard(queue)

    def publish(self, payload: str) -> None:
        """Deliver now; call from the broker's event loop."""
        self.version += 1
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(payload)

    def publish_threadsafe(self, payload: str) -> None:
        """Deliver from any thread (routes run in a thread pool)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.publish, payload)

    async def snapshot(self, key: Any, compute: Callable[[], Awaitable[Any]]) -> Any:
        """One computation per change and key, shared by every stream of this process."""
        version = self.version
        cached = self._snapshots.get(key)
        if cached is not None and cached[0] == version:
            return await asyncio.shield(cached[1])
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._snapshots[key] = (version, future)
        try:
            future.set_result(await compute())
        except BaseException as exc:
            future.set_exception(exc)
            self._snapshots.pop(key, None)
            raise
        return future.result()


class Live:
    """The process's broker plus, on PostgreSQL, the LISTEN connection that feeds it."""

    def __init__(self, database_url: str) -> None:
        self.broker = Broker()
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
