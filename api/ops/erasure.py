"""Erasure (GDPR art. 17) and the season's end: a person's traces move to ONE anonymous id.

docs/PRODUCT.md ("Roles and access", "Counting rules"): everything about the person goes (name,
contact, AK links, assignments, sessions, second factor, failed sign-ins, push subscriptions);
their logs and per-volunteer counts move to one shared anonymous account, counts merged into
its own, so every total (and every per-district, per-day figure) stays equal and nothing
points at the person. Afterwards no row anywhere holds the person's id: the account row itself
is deleted.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col

from api.accounts.service import ERASED_NAME, account_key
from api.core.sql import dialect_of
from api.door_logs.rollups import COUNTERS, SHIFT_COUNTERS, door_count_user_day, door_log
from api.door_logs.sql import add_counts
from api.models.accounts import (
    ANONYMOUS_ROLE,
    LoginFailure,
    User,
)

_tables = SQLModel.metadata.tables

_ANONYMOUS = text(f"role = '{ANONYMOUS_ROLE}'")

# Every column that may name a person but is not theirs to lose (the row stays, the link moves).
_MOVED: tuple[tuple[str, str], ...] = (
    ("door_log", "user_id"),
    ("door_log", "voided_by"),
    ("channel_log", "user_id"),
    ("channel_log", "voided_by"),
    ("campaign", "created_by"),
    ("tally", "created_by"),
    ("tally", "voided_by"),
    ("channel_tally", "created_by"),
    ("channel_tally", "voided_by"),
    ("assignment", "created_by"),
    ("invite", "created_by"),
    ("shift", "created_by"),
    ("member_register_change", "recorded_by"),
    ("audit_event", "actor_id"),
    ("audit_event", "target_user_id"),
    ("quality_resolution", "decided_by"),
)


def anonymous_id(*, session: Session, now: datetime) -> int:
    """The one shared anonymous account, made on first need (a unique index keeps it one)."""
    query = select(col(User.id)).where(col(User.role) == ANONYMOUS_ROLE)
    found = session.execute(query).scalar_one_or_none()
    if found is not None:
        return int(found)
    insert = pg_insert if dialect_of(session) == "postgresql" else sqlite_insert
    user_t = _tables["user_account"]
    session.execute(
        insert(user_t)
        .values(name=ERASED_NAME, role=ANONYMOUS_ROLE, disabled=True, erased_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["role"], index_where=_ANONYMOUS)
    )  # another process may have made it first: then nothing happens here
    return int(session.execute(query).scalar_one())


def _merge_user_counts(*, session: Session, anonymous: int, where: Any) -> None:
    """Per-volunteer daily counts matching `where` are added to the anonymous id's, then go."""
    t = door_count_user_day
    moving = (where) & (t.c.user_id != anonymous)
    rows = session.execute(
        select(t.c.district_id, t.c.day, *(func.sum(t.c[c]) for c in COUNTERS))
        .where(moving)
        .group_by(t.c.district_id, t.c.day)
        .order_by(t.c.district_id, t.c.day)
    ).all()
    session.execute(delete(t).where(moving))
    add_counts(
        session=session,
        table=t.name,
        keys=("district_id", "day", "user_id"),
        counters=COUNTERS,
        rows=[(r[0], r[1], anonymous, *(int(v) for v in r[2:])) for r in rows],
    )


def _merge_shift_counts(*, session: Session, anonymous: int, person: int) -> None:
    """A shift's door counts stay whole: the person's move to the anonymous id."""
    t = _tables["shift_count"]
    moving = t.c.user_id == person
    rows = session.execute(
        select(t.c.shift_id, *(t.c[c] for c in SHIFT_COUNTERS)).where(moving).order_by(t.c.shift_id)
    ).all()
    session.execute(delete(t).where(moving))
    add_counts(
        session=session,
        table=t.name,
        keys=("shift_id", "user_id"),
        counters=SHIFT_COUNTERS,
        rows=[(r[0], anonymous, *(int(v) for v in r[1:])) for r in rows],
    )


def _merge_quality_minutes(*, session: Session, anonymous: int, person: int) -> None:
    """The flags' minute counts stay exact for later voids: the person's move to the
    anonymous id (whose flags are never shown: they would be about nobody)."""
    t = _tables["quality_minute"]
    moving = t.c.user_id == person
    rows = session.execute(
        select(t.c.district_id, t.c.minute, t.c.n, t.c.skewed)
        .where(moving)
        .order_by(t.c.district_id, t.c.minute)
    ).all()
    session.execute(delete(t).where(moving))
    add_counts(
        session=session,
        table=t.name,
        keys=("user_id", "district_id", "minute"),
        counters=("n", "skewed"),
        rows=[(anonymous, r[0], r[1], int(r[2]), int(r[3])) for r in rows],
    )
    d = _tables["quality_day"]
    days = session.execute(
        select(d.c.day, d.c.doors, d.c.conversation).where(d.c.user_id == person).order_by(d.c.day)
    ).all()
    session.execute(delete(d).where(d.c.user_id == person))
    add_counts(
        session=session,
        table=d.name,
        keys=("user_id", "day"),
        counters=("doors", "conversation"),
        rows=[(anonymous, r[0], int(r[1]), int(r[2])) for r in days],
    )


def erase_person(*, session: Session, user: User, now: datetime, secret_key: str) -> int:
    """Erase one person; returns the anonymous id their logs now carry. The caller commits."""
    assert user.id is not None
    person = user.id
    anonymous = anonymous_id(session=session, now=now)
    _merge_user_counts(
        session=session, anonymous=anonymous, where=door_count_user_day.c.user_id == person
    )
    _merge_shift_counts(session=session, anonymous=anonymous, person=person)
    _merge_quality_minutes(session=session, anonymous=anonymous, person=person)
    resolution_t = _tables["quality_resolution"]
    # A flag was about the person's logs: its decision goes with them (the audit entry stays).
    session.execute(delete(resolution_t).where(resolution_t.c.subject_user_id == person))
    shift_t = _tables["shift"]
    session.execute(update(shift_t).where(shift_t.c.leader_id == person).values(leader_id=None))
    signup_t = _tables["shift_signup"]
    active = select(signup_t.c.shift_id).where(
        signup_t.c.user_id == person, signup_t.c.cancelled_at.is_(None)
    )
    session.execute(
        update(shift_t).where(shift_t.c.id.in_(active)).values(signed_up=shift_t.c.signed_up - 1)
    )
    for table_name, column in _MOVED:
        table: Table = _tables[table_name]
        session.execute(update(table).where(table.c[column] == person).values({column: anonymous}))
    if user.email:
        key = account_key(user.email, secret_key)
        session.execute(delete(LoginFailure).where(col(LoginFailure.account_key) == key))
    assignment = _tables["assignment"]
    session.execute(delete(assignment).where(assignment.c.user_id == person))
    # push_*: the person's browsers and what they were owed (api/push) go with them.
    owned_tables = (
        *("user_ak", "auth_session", "totp_factor", "recovery_code", "shift_signup"),
        *("push_subscription", "push_reminder"),
    )
    # door_rate_minute: the plausibility rule's per-minute counts say when the person knocked.
    for owned in (*owned_tables, "door_rate_minute"):
        owned_t: Table = _tables[owned]
        session.execute(delete(owned_t).where(owned_t.c.user_id == person))
    session.flush()
    session.execute(delete(User).where(col(User.id) == person))
    session.expunge(user)
    return anonymous


def end_season_links(*, session: Session, before: date, now: datetime) -> int:
    """Gallring after the season: logs counted before `before` (and their per-volunteer counts)
    move to the anonymous id. Returns how many logs moved."""
    anonymous = anonymous_id(session=session, now=now)
    moved = session.execute(
        update(door_log)
        .where(door_log.c.counted_on < before, door_log.c.user_id != anonymous)
        .values(user_id=anonymous)
    )
    _merge_user_counts(
        session=session, anonymous=anonymous, where=door_count_user_day.c.day < before
    )
    return int(moved.rowcount)  # type: ignore[attr-defined]
