"""At most as many API requests inside the app at once as the database pool has connections.

FastAPI runs the session dependency, the authentication and a sync route in separate hops
through one thread pool (40 threads). Under a crowd (200 phones at once) every thread could
sit waiting for a pooled connection while the requests holding the connections wait for a
thread: nothing moves until the pool's 30 s timeout answers 503. Letting in only as many
requests as there are connections (the rest wait here, in the event loop, for free) keeps
that from happening and keeps the queue fair (first come, first served).
"""

import asyncio
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.errors import TooManyRequests

THREADPOOL_THREADS = 40  # anyio's default, which Starlette's run_in_threadpool uses


def admission_limit(engine: Engine) -> int:
    """Connections the pool can hand out, keeping two for live snapshots, within the threads."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):  # no fixed number of connections to wait for
        return THREADPOOL_THREADS - 2
    size = pool.size() + max(0, pool._max_overflow)
    return max(1, min(size - 2, THREADPOOL_THREADS - 2))


class Admission:
    """Queues requests beyond `limit`; a stream leaves the queue when its answer starts."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made inside the server's event loop
            self._slots = asyncio.Semaphore(self.limit)
        slots = self._slots
        await slots.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                slots.release()

        async def send_releasing(message: Message) -> None:
            # An event stream holds no connection once it answers: let the next request in.
            if message["type"] == "http.response.start" and _is_event_stream(message):
                release()
            await send(message)

        try:
            await self.app(scope, receive, send_releasing)
        finally:
            release()


def _is_event_stream(message: Message) -> bool:
    for name, value in message.get("headers", []):
        if name.lower() == b"content-type":
            return bool(value.startswith(b"text/event-stream"))
    return False


class StreamCaps:
    """Live streams open at once per session and per client address (settings
    `live_streams_per_session`, `live_streams_per_address`): one token or one address cannot
    hold thousands of streams. Counted on the event loop, so no lock is needed."""

    def __init__(self, *, per_session: int, per_address: int) -> None:
        self.per_session = per_session
        self.per_address = per_address
        self.sessions: dict[int, int] = {}
        self.addresses: dict[str, int] = {}

    def open(self, session_id: int, address: str) -> "StreamTicket":
        if (
            self.sessions.get(session_id, 0) >= self.per_session
            or self.addresses.get(address, 0) >= self.per_address
        ):
            raise TooManyRequests(
                "too_many_streams",
                "För många öppna liveflöden. Stäng en flik och försök igen.",
                headers={"Retry-After": "5"},
            )
        self.sessions[session_id] = self.sessions.get(session_id, 0) + 1
        self.addresses[address] = self.addresses.get(address, 0) + 1
        return StreamTicket(self, session_id, address)


class StreamTicket:
    """One open stream; closing it twice changes nothing."""

    def __init__(self, caps: StreamCaps, session_id: int, address: str) -> None:
        self.caps, self.session_id, self.address = caps, session_id, address
        self.open = True

    def close(self) -> None:
        if not self.open:
            return
        self.open = False
        _leave(self.caps.sessions, self.session_id)
        _leave(self.caps.addresses, self.address)


def _leave(counts: dict[Any, int], key: Any) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]
