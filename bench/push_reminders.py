"""Web Push reminders all due at once (issue 15): 10,000 volunteers signed up to 500 shifts, each
with one browser subscribed, their 24-hour reminders due the moment the rows are committed;
two API processes (`knacka serve`, their push loop on its default interval) on PostgreSQL hand
them to a local stand-in push service (tests/support/push_service.py: VAPID checked as a real
push service does; no decryption, which is the phone's work). Measured: from the commit that
makes them due until the stand-in accepted the last one; and every reminder exactly once.
Run: .venv/bin/python -m bench.push_reminders [--shifts 500 --per-shift 20 --processes 2]
"""

import argparse
import time
from collections import Counter

from sqlalchemy import func, select
from sqlmodel import Session

from api.core.db import make_engine
from api.models.push import PushReminder
from bench.common import fresh_database, machine
from tests.support.push_load import seed_due_reminders
from tests.support.push_service import PushService
from tests.support.servers import RestartableServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shifts", type=int, default=500)
    parser.add_argument("--per-shift", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    total = args.shifts * args.per_shift
    print(machine())
    with fresh_database("postgresql") as url, PushService(decrypt=False) as service:
        env = {
            "KNACKA_PUSH_SERVICE_HOSTS": "127.0.0.1",
            "KNACKA_RETENTION_INTERVAL_SECONDS": "0",  # the load's people have no session
            "KNACKA_ENVIRONMENT": "test",
        }
        servers = [RestartableServer(url, **env) for _ in range(args.processes)]
        engine = make_engine(url)
        try:
            for server in servers:
                server.start()
            made = time.monotonic()
            seed_due_reminders(engine, service, shifts=args.shifts, per_shift=args.per_shift)
            due = time.monotonic()
            print(f"{total} volunteers, {args.shifts} shifts: made in {due - made:.1f} s")
            first = None
            while len(service.received()) < total:
                if first is None and service.received():
                    first = time.monotonic()
                assert time.monotonic() - due < 900, f"{len(service.received())} of {total}"
                time.sleep(0.05)
            last = service.last_at
            got = service.received()
            topics = Counter(g.topic for g in got)
            time.sleep(6)  # one more pass of each process: nothing further goes
            with Session(engine) as session:
                by = dict(
                    session.execute(
                        select(PushReminder.claimed_by, func.count()).group_by(
                            PushReminder.claimed_by
                        )
                    ).all()
                )
            assert first is not None
            print(
                f"processes={args.processes}: last handed over {last - due:.1f} s after due "
                f"(first after {first - due:.1f} s: the loop's wake-up); "
                f"{total / (last - first):.0f} reminders/s while sending"
            )
            print(
                f"received {len(service.received())}, distinct {len(topics)}, "
                f"twice {sum(1 for n in topics.values() if n > 1)}, "
                f"refused {len(service.refused())}"
            )
            print("claimed per process:", sorted(by.values(), reverse=True))
        finally:
            for server in servers:
                server.stop()
            engine.dispose()


if __name__ == "__main__":
    main()
