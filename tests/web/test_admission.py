"""The admission limit keeps requests in the app below the pool's connections."""

import asyncio

from sqlalchemy import Engine

from api.web.admission import THREADPOOL_THREADS, Admission, admission_limit


def test_the_limit_stays_below_the_pool_and_the_thread_pool(engine: Engine):
    limit = admission_limit(engine)
    pool = engine.pool
    assert 1 <= limit <= pool.size() + pool._max_overflow - 2  # type: ignore[attr-defined]
    assert limit < THREADPOOL_THREADS


def test_requests_beyond_the_limit_wait_and_a_stream_frees_its_slot_when_it_answers():
    inside = 0
    most = 0
    release_all = asyncio.Event()

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        nonlocal inside, most
        if scope["path"] == "/api/totals/stream":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
        inside += 1
        most = max(most, inside)
        await release_all.wait()
        inside -= 1

    async def sink(_message):  # type: ignore[no-untyped-def]
        return None

    async def main() -> None:
        admission = Admission(app, limit=2)

        def call(path: str) -> asyncio.Task[None]:
            scope = {"type": "http", "path": path}
            return asyncio.ensure_future(admission(scope, None, sink))  # type: ignore[arg-type]

        streams = [call("/api/totals/stream") for _ in range(3)]
        syncs = [call("/api/sync") for _ in range(5)]
        for _ in range(20):
            await asyncio.sleep(0)
        # All three streams answered and left their slots; only two syncs are inside.
        assert inside == 3 + 2
        release_all.set()
        await asyncio.gather(*streams, *syncs)
        assert inside == 0

    asyncio.run(main())
    assert most == 5
