"""Announced changes reach the streams of every API process (PostgreSQL) or of the one (SQLite)."""

import asyncio

from sqlalchemy import Engine

from api.live.broker import Live


async def _next(queue: asyncio.Queue[str], timeout: float = 5.0) -> str:
    return await asyncio.wait_for(queue.get(), timeout)


def test_a_change_reaches_the_listeners(engine: Engine, database_url: str):
    async def scenario() -> None:
        # Two Live objects on one database stand for two API processes.
        writer, reader = Live(database_url), Live(database_url)
        await writer.start()
        await reader.start()
        try:
            await asyncio.wait_for(reader.listening.wait(), 10)
            await asyncio.wait_for(writer.listening.wait(), 10)
            # SQLite has one process: the writer's own broker is the one its streams use.
            queue = (reader if reader.is_postgres else writer).broker.subscribe()
            while not queue.empty():  # the "resync" a listener sends when it connects
                queue.get_nowait()
            await asyncio.to_thread(writer.changed, engine, "totals:2026")
            assert await _next(queue) == "totals:2026"
            assert queue.empty()
        finally:
            await writer.stop()
            await reader.stop()

    asyncio.run(scenario())


def test_one_snapshot_per_change_is_shared_by_all_streams():
    async def scenario() -> None:
        live = Live("sqlite://")
        await live.start()
        calls = 0

        async def compute() -> int:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.01)
            return calls

        results = await asyncio.gather(*(live.broker.snapshot("y", compute) for _ in range(50)))
        assert set(results) == {1} and calls == 1
        live.broker.publish("change")
        assert await live.broker.snapshot("y", compute) == 2

    asyncio.run(scenario())
