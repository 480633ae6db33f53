"""Announced changes reach the streams of every API process (PostgreSQL) or of the one (SQLite)."""

import asyncio

from sqlalchemy import Engine, text

from api.live.broker import Live


def test_a_change_reaches_the_followers_of_a_view(engine: Engine, database_url: str):
    def count_ak() -> str:  # a snapshot read from the database, in the broker's thread
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT count(*) FROM ak")).scalar_one())

    async def scenario() -> None:
        # Two Live objects on one database stand for two API processes.
        writer, reader = Live(database_url, 0.1), Live(database_url, 0.1)
        await writer.start()
        await reader.start()
        try:
            await asyncio.wait_for(reader.listening.wait(), 10)
            await asyncio.wait_for(writer.listening.wait(), 10)
            # SQLite has one process: the writer's own broker is the one its streams use.
            broker = (reader if reader.is_postgres else writer).broker
            follower = broker.follow("aks", count_ak)
            first = await follower.first()
            assert await follower.next(timeout=0.3) is None  # nothing changed yet
            await asyncio.to_thread(writer.changed, engine, "totals:2026")
            assert await follower.next(timeout=10) == first
            assert broker.changes >= 1
        finally:
            await writer.stop()
            await reader.stop()

    asyncio.run(scenario())
