"""Changes reach listeners only when committed, and across processes on PostgreSQL."""

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session

from api.live import Live, announce, attach


async def _next(queue: asyncio.Queue[str], timeout: float = 5.0) -> str:
    return await asyncio.wait_for(queue.get(), timeout)


def _write(engine: Engine, live: Live, payload: str, *, commit: bool) -> None:
    with Session(engine) as session:
        attach(session, live)
        announce(session, payload)
        if commit:
            session.commit()
        else:
            session.rollback()


def test_a_committed_change_reaches_every_listener_and_a_rollback_none(
    engine: Engine, database_url: str
):
    async def scenario() -> None:
        # Two Live objects on one database stand for two API processes.
        writer, reader = Live(database_url), Live(database_url)
        await writer.start()
        await reader.start()
        try:
            await asyncio.wait_for(reader.listening.wait(), 10)
            await asyncio.wait_for(writer.listening.wait(), 10)
            if reader.is_postgres:
                queue = reader.broker.subscribe()
                # Drain the "resync" the listener sends when it (re)connects.
                while not queue.empty():
                    queue.get_nowait()
            else:
                # SQLite has one process: the writer's own broker is the one streams use.
                queue = writer.broker.subscribe()
            await asyncio.to_thread(_write, engine, writer, "rolled-back", commit=False)
            await asyncio.to_thread(_write, engine, writer, "totals:2026", commit=True)
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
