"""At most as many API requests inside the app at once as the database pool has connections.

FastAPI runs the session dependency, the authentication and a sync route in separate hops
through one thread pool (40 threads). Under a crowd (200 phones at once) every thread could
sit waiting for a pooled connection while the requests holding the connections wait for a
thread: nothing moves until the pool's 30 s timeout answers 503. Letting in only as many
requests as there are connections (the rest wait here, in the event loop, for free) keeps
that from happening and keeps the queue fair (first come, first served).
"""

import asyncio

from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
