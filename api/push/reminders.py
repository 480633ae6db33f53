"""Reminders and notices, claimed in the database before they are sent and marked after.

A pass (every few seconds in each API process, api/main.py; or `knacka push-pass`):

1. owes: for each lead time, one `push_reminder` row per person signed up to a shift that
   starts within it (and who signed up before the lead time began and has a subscription);
   INSERT … ON CONFLICT DO NOTHING, so two processes owe it once;
2. claims a batch: one UPDATE that sets `claimed_by`/`claimed_at` on open rows (PostgreSQL:
   `FOR UPDATE SKIP LOCKED`, so two processes never take the same row; SQLite: one process,
   its write lock), committed before anything is sent;
3. sends each claimed row to each of the person's browsers, then marks it `sent_at`.

A process that dies after claiming leaves its rows claimed; after `push_claim_seconds` another
process takes them over: none is lost. One that dies between sending and marking has its rows
sent again: the push `Topic` header lets the push service replace the undelivered first copy,
and the notification's tag replaces a delivered one on the phone. A push service's 404 or 410
deletes that subscription. Anything else (5xx, network) leaves the claim to time out: retried.
A process sends only in the first half of its claim's life (a request lasts at most a quarter),
so it has stopped before another may take the claim over; what it did not reach is released.
"""

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, exists, func, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from api.core.config import Settings
from api.core.db import hold_write_lock, utcnow
from api.core.sql import dialect_of
from api.models.push import PushReminder, PushSubscription
from api.models.shifts import Shift, ShiftSignup
from api.push import messages
from api.push.sender import Delivery, Sender
from api.push.subscriptions import lead_minutes, push_config, subscriptions_of

logger = logging.getLogger("knacka.push")

KINDS = ("reminder", "cancelled", "moved")
BATCH = 100
# Not sent: the claim was too old to send it (it is released for the next pass).
LATE = -1
_MAX_TTL = 28 * 24 * 3600

reminder_t = PushReminder.__table__  # type: ignore[attr-defined]
subscription_t = PushSubscription.__table__  # type: ignore[attr-defined]
shift_t = Shift.__table__  # type: ignore[attr-defined]
signup_t = ShiftSignup.__table__  # type: ignore[attr-defined]


def _insert(session: Session) -> Any:
    return pg_insert if dialect_of(session) == "postgresql" else sqlite_insert


def _subscribed(user_id: Any) -> Any:
    return exists().where(subscription_t.c.user_id == user_id)


def _signed_up_before_lead(session: Session, lead: int) -> Any:
    """The person signed up before the lead time began: signing up 3 hours before a shift
    brings the 1-hour reminder, not a '24 hours' one at once."""
    if dialect_of(session) == "postgresql":
        return signup_t.c.signed_up_at <= shift_t.c.starts_at - literal_column(
            f"interval '{int(lead)} minutes'"
        )
    return func.julianday(signup_t.c.signed_up_at) <= func.julianday(shift_t.c.starts_at) - literal(
        int(lead) / 1440.0
    )


def owe_due_reminders(*, session: Session, now: datetime, leads: list[int]) -> int:
    """Step 1: one row per due reminder, in the caller's transaction. A lead time is due from
    its moment until the next shorter one's, so a late pass sends the nearest, not both."""
    owed = 0
    ordered = sorted(set(leads), reverse=True)
    for i, lead in enumerate(ordered):
        shorter = ordered[i + 1] if i + 1 < len(ordered) else 0
        already = exists().where(
            reminder_t.c.shift_id == signup_t.c.shift_id,
            reminder_t.c.user_id == signup_t.c.user_id,
            reminder_t.c.kind == "reminder",
            reminder_t.c.lead_minutes == lead,
            reminder_t.c.starts_at == shift_t.c.starts_at,
        )
        due = (
            select(
                signup_t.c.shift_id,
                signup_t.c.user_id,
                literal("reminder"),
                literal(lead),
                shift_t.c.starts_at,
            )
            .join(shift_t, shift_t.c.id == signup_t.c.shift_id)
            .where(
                signup_t.c.cancelled_at.is_(None),
                shift_t.c.cancelled_at.is_(None),
                shift_t.c.starts_at <= now + timedelta(minutes=lead),
                shift_t.c.starts_at > now + timedelta(minutes=shorter),
                _signed_up_before_lead(session, lead),
                _subscribed(signup_t.c.user_id),
                ~already,
            )
        )
        done = session.execute(
            _insert(session)(reminder_t)
            .from_select(["shift_id", "user_id", "kind", "lead_minutes", "starts_at"], due)
            .on_conflict_do_nothing()
        )
        owed += max(int(done.rowcount or 0), 0)  # type: ignore[attr-defined]
    return owed


def notify_shift_changed(*, session: Session, shift_id: int, kind: str, now: datetime) -> int:
    """A shift was cancelled or moved: a notice is owed to everyone signed up (and its leader)
    who subscribed, in the caller's transaction, so it is sent exactly as a reminder is.

    Call it after the change is applied (for "moved": with the new `starts_at` on the shift).
    A shift already started gets no notice. Returns how many notices are owed.
    """
    assert kind in ("cancelled", "moved"), kind
    shift = session.get(Shift, shift_id)
    if shift is None or shift.starts_at <= now:
        return 0
    session.flush()
    people = set(
        session.execute(
            select(signup_t.c.user_id).where(
                signup_t.c.shift_id == shift_id,
                signup_t.c.cancelled_at.is_(None),
                _subscribed(signup_t.c.user_id),
            )
        ).scalars()
    )
    if (
        shift.leader_id is not None
        and session.execute(select(_subscribed(literal(shift.leader_id)))).scalar()
    ):
        people.add(shift.leader_id)
    if not people:
        return 0
    rows = [
        {
            "shift_id": shift_id,
            "user_id": user_id,
            "kind": kind,
            "lead_minutes": 0,
            "starts_at": shift.starts_at,
        }
        for user_id in sorted(people)
    ]
    session.execute(_insert(session)(reminder_t).values(rows).on_conflict_do_nothing())
    return len(rows)


@dataclass(frozen=True)
class Claimed:
    id: int
    shift_id: int
    user_id: int
    kind: str
    lead_minutes: int
    starts_at: datetime


def claim(
    *, session: Session, claimer: str, now: datetime, stale_before: datetime, limit: int
) -> list[Claimed]:
    """Step 2: take up to `limit` open rows (never claimed, or claimed before `stale_before`)."""
    r = reminder_t
    open_ = r.c.sent_at.is_(None) & (r.c.claimed_at.is_(None) | (r.c.claimed_at < stale_before))
    if dialect_of(session) != "postgresql":
        hold_write_lock(session.connection())
    chosen = (
        select(r.c.id).where(open_).order_by(r.c.id).limit(limit).with_for_update(skip_locked=True)
    )
    rows = session.execute(
        update(r)
        .where(r.c.id.in_(chosen.scalar_subquery()), open_)
        .values(claimed_by=claimer, claimed_at=now)
        .returning(r.c.id, r.c.shift_id, r.c.user_id, r.c.kind, r.c.lead_minutes, r.c.starts_at)
    ).all()
    return [Claimed(*row) for row in rows]


@dataclass
class PassReport:
    owed: int = 0
    sent: int = 0  # messages the push service accepted
    dropped: int = 0  # rows no longer worth sending (cancelled, moved, started, no browser)
    gone: int = 0  # subscriptions the push service called gone (404/410): deleted
    failed: int = 0  # left claimed: retried once the claim is stale
    handed: list[int] = field(default_factory=list)  # reminder ids handed to a push service


def _subject(settings: Settings) -> str:
    if settings.push_subject:
        return settings.push_subject
    if "@" in settings.privacy_contact:  # the operator's own address beats a placeholder
        return f"mailto:{settings.privacy_contact}"
    if settings.public_url.startswith("https://"):
        return settings.public_url.rstrip("/")
    return "mailto:drift@knacka.invalid"


class PushWorker:
    """One per process: who it is (for claims), its sender, its sending threads."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.claimer = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._sender: Sender | None = None
        self._pool = ThreadPoolExecutor(settings.push_send_workers, thread_name_prefix="push")

    def sender(self) -> Sender:
        if self._sender is None:
            with Session(self.engine) as session:
                key = push_config(session=session).vapid_private_key
            # A request never outlives a quarter of a claim (see _send_and_mark).
            timeout = min(10.0, self.settings.push_claim_seconds / 4)
            self._sender = Sender(private_key=key, subject=_subject(self.settings), timeout=timeout)
        return self._sender

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run_pass(
        self, now: Callable[[], datetime] = utcnow, *, after_claim: Callable[[], None] | None = None
    ) -> PassReport:
        report = PassReport()
        with Session(self.engine) as session:
            leads = lead_minutes(session=session)
            if dialect_of(session) != "postgresql":
                hold_write_lock(session.connection())
            report.owed = owe_due_reminders(session=session, now=now(), leads=leads)
            session.commit()
        stale = timedelta(seconds=self.settings.push_claim_seconds)
        while True:
            with Session(self.engine) as session:
                moment = now()
                rows = claim(
                    session=session,
                    claimer=self.claimer,
                    now=moment,
                    stale_before=moment - stale,
                    limit=BATCH,
                )
                session.commit()
                # Sending starts only in the claim's first half, so it is over (a request
                # lasts at most a quarter) before another process may take the claim over.
                deadline = time.monotonic() + self.settings.push_claim_seconds / 2
                if not rows:
                    return report
                if after_claim is not None:
                    after_claim()
                plan = self._plan(session, rows, moment, report)
            self._send_and_mark(plan, report, deadline)

    def _plan(
        self, session: Session, rows: list[Claimed], now: datetime, report: PassReport
    ) -> dict[int, list[tuple[int, Delivery]]]:
        """Each claimed row's deliveries (one per browser of the person); none: drop it."""
        shifts = {
            s.id: s
            for s in session.execute(
                select(shift_t.c.id, shift_t.c.starts_at, shift_t.c.cancelled_at).where(
                    shift_t.c.id.in_({r.shift_id for r in rows})
                )
            )
        }
        browsers = subscriptions_of(session=session, user_ids=sorted({r.user_id for r in rows}))
        plan: dict[int, list[tuple[int, Delivery]]] = {}
        for row in rows:
            plan[row.id] = []
            shift = shifts.get(row.shift_id)
            if shift is None or row.starts_at <= now:
                continue
            if row.kind != "cancelled" and (
                shift.cancelled_at is not None or shift.starts_at != row.starts_at
            ):
                continue  # cancelled or moved since: its own notice says so
            payload = messages.payload(
                shift_id=row.shift_id, kind=row.kind, starts_at=row.starts_at, now=now
            )
            ttl = max(60, min(_MAX_TTL, int((row.starts_at - now).total_seconds())))
            for browser in browsers[row.user_id]:
                assert browser.id is not None
                delivery = Delivery(
                    endpoint=browser.endpoint,
                    p256dh=browser.p256dh,
                    auth=browser.auth,
                    payload=payload,
                    topic=f"knackpass-{row.id}",
                    ttl=ttl,
                )
                plan[row.id].append((browser.id, delivery))
        return plan

    def _send_and_mark(
        self, plan: dict[int, list[tuple[int, Delivery]]], report: PassReport, deadline: float
    ) -> None:
        sender = self.sender()
        jobs = [(rid, sid, d) for rid, items in plan.items() for sid, d in items]

        def send(delivery: Delivery) -> int:
            if time.monotonic() > deadline:
                return LATE
            try:
                return sender.send(delivery)
            except Exception:  # network: retried when the claim is stale
                logger.warning("push to %s failed", delivery.endpoint.split("/")[2], exc_info=True)
                return 0

        statuses = list(self._pool.map(lambda job: send(job[2]), jobs))
        failed_rows: set[int] = set()
        late_rows: set[int] = set()
        gone: set[int] = set()
        for (rid, sid, _), status in zip(jobs, statuses, strict=True):
            if 200 <= status < 300:
                report.sent += 1
                report.handed.append(rid)
            elif status in (404, 410):
                gone.add(sid)
            elif status == LATE:
                late_rows.add(rid)
            else:
                failed_rows.add(rid)
        report.gone += len(gone)
        report.failed += len(failed_rows)
        report.dropped += sum(1 for items in plan.values() if not items)
        done = [rid for rid in plan if rid not in failed_rows and rid not in late_rows]
        with Session(self.engine) as session:
            if dialect_of(session) != "postgresql":
                hold_write_lock(session.connection())
            if gone:
                session.execute(delete(subscription_t).where(subscription_t.c.id.in_(gone)))
            if done:
                session.execute(
                    update(reminder_t)
                    .where(reminder_t.c.id.in_(done), reminder_t.c.sent_at.is_(None))
                    .values(sent_at=utcnow())
                )
            if late_rows:  # the next pass (of any process) claims them afresh
                session.execute(
                    update(reminder_t)
                    .where(
                        reminder_t.c.id.in_(late_rows),
                        reminder_t.c.claimed_by == self.claimer,
                        reminder_t.c.sent_at.is_(None),
                    )
                    .values(claimed_by=None, claimed_at=None)
                )
            session.commit()
