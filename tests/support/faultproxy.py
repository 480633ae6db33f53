"""A fault-injecting TCP proxy for tests: drops, cut responses, latency, down and up.

It runs its own asyncio loop in a background thread, so plain synchronous tests can use it:

    with FaultProxy(upstream_port=8000, plan=FaultPlan(drop=0.1, cut_response=0.1)) as proxy:
        httpx.post(f"http://127.0.0.1:{proxy.port}/api/sync", ...)

Faults are decided per client connection, so clients under test should not reuse connections.
`cut_response` forwards the request, waits until the server has begun to answer (it has
committed), then closes the client's connection without passing the answer on: the hardest case
for exactly-once delivery.
"""

import asyncio
import contextlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FaultPlan:
    drop: float = 0.0  # close the connection before the request reaches the server
    cut_response: float = 0.0  # the server answers, the client never hears it
    latency: tuple[float, float] = (0.0, 0.0)  # extra delay before forwarding, seconds
    seed: int = 1
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def choose(self) -> str:
        roll = self.rng.random()
        if roll < self.drop:
            return "drop"
        if roll < self.drop + self.cut_response:
            return "cut_response"
        return "pass"


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        *,
        upstream_host: str = "127.0.0.1",
        plan: FaultPlan | None = None,
        port: int = 0,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.plan = plan or FaultPlan()
        self.port = port
        self.counts: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # --- control from the test's thread -------------------------------------------------

    def start(self) -> "FaultProxy":
        self._thread.start()
        self.up()
        return self

    def stop(self) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def up(self) -> None:
        """Start accepting connections (on the same port as before)."""
        self._call(self._listen())

    def down(self) -> None:
        """Refuse new connections and cut the open ones, as a network outage would."""
        self._call(self._close())

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    # --- inside the proxy's loop ---------------------------------------------------------

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        open_connections = list(self._connections)
        for task in open_connections:
            task.cancel()
        # Let the cancelled connections finish, so none is left pending when the loop stops.
        await asyncio.gather(*open_connections, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        fault = self.plan.choose()
        self.counts[fault] += 1
        try:
            if fault == "drop":
                return
            low, high = self.plan.latency
            if high > 0:
                await asyncio.sleep(self.plan.rng.uniform(low, high))
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                self.counts["upstream_refused"] += 1
                return
            try:
                await self._pipe(reader, writer, up_reader, up_writer, cut=fault == "cut_response")
            finally:
                up_writer.close()
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        *,
        cut: bool,
    ) -> None:
        async def client_to_server() -> None:
            while data := await reader.read(65536):
                up_writer.write(data)
                await up_writer.drain()
            with contextlib.suppress(OSError):
                up_writer.write_eof()

        forward = asyncio.create_task(client_to_server())
        try:
            while data := await up_reader.read(65536):
                if cut:
                    # The server has answered, so it has committed: the client hears nothing.
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            forward.cancel()
