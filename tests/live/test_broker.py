"""The broker's views: a snapshot per interval whatever the rate of changes, shared by every
stream of the view, taken off the event loop; a stream gets the latest, never a backlog."""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

import pytest

from api.live.broker import Broker, Follower


class Figures:
    """What a view shows: a counter the test changes, read the way a snapshot reads it."""

    def __init__(self) -> None:
        self.value = 0
        self.reads = 0
        self.threads: set[str] = set()

    def read(self) -> str:
        self.reads += 1
        self.threads.add(threading.current_thread().name)
        return str(self.value)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


async def drain(follower: Follower, quiet: float) -> list[str]:
    """Every event until none comes for `quiet` seconds."""
    events = []
    while (body := await follower.next(quiet)) is not None:
        events.append(body)
    return events


def test_a_burst_of_changes_reaches_a_stream_as_one_event_with_the_final_figures():
    async def scenario() -> None:
        broker, figures = Broker(interval=0.3), Figures()
        follower = broker.follow("totals", figures.read)
        assert await follower.first() == "0"
        for _ in range(1000):
            figures.value += 1
            broker.publish("totals:2026")
        assert await drain(follower, quiet=1.0) == ["1000"]
        assert figures.reads == 2  # the first read and one for the whole burst

    run(scenario)


def test_changes_that_keep_coming_give_at_most_one_snapshot_and_event_per_interval():
    async def scenario() -> None:
        interval = 0.2
        broker, figures = Broker(interval=interval), Figures()
        follower = broker.follow("totals", figures.read)
        await follower.first()
        received: list[str] = []

        async def listen() -> None:
            received.extend(await drain(follower, quiet=3 * interval))

        listening = asyncio.create_task(listen())
        began = time.monotonic()
        for _ in range(150):  # a change every few milliseconds for several intervals
            figures.value += 1
            broker.publish("totals:2026")
            await asyncio.sleep(0.005)
        elapsed = time.monotonic() - began
        await listening
        assert received[-1] == "150"  # the latest wins
        assert received == sorted(received, key=int)
        # The contract: one snapshot, and one event, per interval (plus the one at the start).
        assert len(received) <= elapsed / interval + 2
        assert figures.reads <= elapsed / interval + 3
        assert len(received) < 150 / 5

    run(scenario)


def test_the_first_change_after_a_quiet_spell_goes_out_at_once():
    async def scenario() -> None:
        interval = 1.0
        broker, figures = Broker(interval=interval), Figures()
        follower = broker.follow("totals", figures.read)
        await follower.first()
        opened = time.monotonic()
        while time.monotonic() - opened <= interval:  # a quiet spell: an interval with nothing
            await asyncio.sleep(0.05)
        figures.value = 7
        changed = time.monotonic()
        broker.publish("totals:2026")
        assert await follower.next(timeout=10) == "7"
        assert time.monotonic() - changed < interval  # not held back to the interval's end

    run(scenario)


def test_a_change_inside_the_interval_goes_out_at_its_end():
    async def scenario() -> None:
        interval = 0.5
        broker, figures = Broker(interval=interval), Figures()
        follower = broker.follow("totals", figures.read)
        await follower.first()
        figures.value = 1
        broker.publish("totals:2026")
        assert await follower.next(timeout=10) == "1"
        figures.value = 2
        changed = time.monotonic()
        broker.publish("totals:2026")  # right after a snapshot: waits for the interval's end
        assert await follower.next(timeout=10) == "2"
        assert time.monotonic() - changed <= 2 * interval  # never more than that behind

    run(scenario)


def test_a_stream_that_fell_behind_gets_the_latest_snapshot_not_a_backlog():
    async def scenario() -> None:
        broker, figures = Broker(interval=0.05), Figures()
        keeping_up = broker.follow("totals", figures.read)
        behind = broker.follow("totals", figures.read)
        await keeping_up.first()
        assert await behind.first() == "0"
        for value in range(1, 11):  # ten snapshots that `behind` does not read
            figures.value = value
            broker.publish("totals:2026")
            assert await keeping_up.next(timeout=10) == str(value)
        assert await behind.next(timeout=10) == "10"
        assert await behind.next(timeout=0.3) is None  # nothing more: no backlog

    run(scenario)


def test_every_stream_of_a_view_shares_one_snapshot_taken_off_the_event_loop():
    async def scenario() -> None:
        broker, figures = Broker(interval=0.1), Figures()
        followers = [broker.follow("totals", figures.read) for _ in range(200)]
        assert broker.subscriber_count == 200
        assert set(await asyncio.gather(*(f.first() for f in followers))) == {"0"}
        figures.value = 3
        broker.publish("totals:2026")
        bodies = await asyncio.gather(*(f.next(timeout=10) for f in followers))
        assert set(bodies) == {"3"}
        assert figures.reads == 2
        assert threading.current_thread().name not in figures.threads
        assert all(name.startswith("knacka-live") for name in figures.threads)
        for follower in followers:
            follower.close()
        assert broker.subscriber_count == 0
        broker.close()

    run(scenario)


def test_a_change_costs_the_announcer_nothing_while_a_snapshot_is_stuck():
    async def scenario() -> None:
        broker = Broker(interval=0.05)
        broker.bind(asyncio.get_running_loop())
        release = threading.Event()
        value = 0

        def slow_read() -> str:
            release.wait(10)  # a snapshot held up (a slow database, say)
            return str(value)

        follower = broker.follow("totals", slow_read)
        first = asyncio.create_task(follower.first())
        await asyncio.sleep(0.05)
        # The writers' side: announcing from their threads returns at once, and the loop runs.
        for _ in range(100):
            value += 1
            await asyncio.to_thread(broker.publish_threadsafe, "totals:2026")
        assert not first.done()
        release.set()
        assert await first == "100"  # read once released: the latest figures
        assert await drain(follower, quiet=0.5) in ([], ["100"])  # at most one more, the same
        broker.close()

    run(scenario)


def test_a_failed_first_snapshot_is_raised_and_a_later_one_succeeds():
    async def scenario() -> None:
        broker = Broker(interval=0.05)
        down = True

        def read() -> str:
            if down:
                raise OSError("database gone")
            return "ok"

        follower = broker.follow("totals", read)
        with pytest.raises(OSError, match="database gone"):
            await follower.first()
        follower.close()
        down = False
        assert await broker.follow("totals", read).first() == "ok"
        broker.close()

    run(scenario)


def test_a_change_of_another_year_still_wakes_every_view():
    async def scenario() -> None:
        broker, figures = Broker(interval=0.05), Figures()
        follower = broker.follow(("totals", 2026), figures.read)
        await follower.first()
        broker.publish("totals:2025")  # districts renamed: dashboards re-read their views
        assert await follower.next(timeout=10) == "0"  # same figures: the stream says `changed`

    run(scenario)
