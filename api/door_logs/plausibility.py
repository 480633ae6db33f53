"""Plausibility: THE rules for what a person can have logged, measured on the phone's times.

One place, named thresholds, one-line reasons: ingest refuses what lies beyond them, and the
data-quality flags reuse the same thresholds for "possible but odd". A resend of a stored log
is recognised as a duplicate before any of these rules (ingest looks refused ids up), so a
resend is never refused.

The rate rule counts a volunteer's app logs per minute of `occurred_at` (the phone's clock), so
a day's outbox arriving at once is fine: its logs are spread over the day's minutes. The
counts live in `door_rate_minute` (user, epoch minute, n), kept in the logs' transaction; a
batch costs one read of the counts for its own (user, minute) keys, and only a key that would
go over the limit costs one more look-up (which of its ids are stored already).
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from api.core.sql import dialect_of, execute
from api.door_logs.sql import add_counts, stored_log_ids

# A phone offline for days still syncs; older work is entered as a paper tally.
MAX_AGE = timedelta(days=30)
# More doors than this in one minute of the phone's clock is more than a person can knock.
MAX_DOORS_PER_MINUTE = 10

REASONS = {
    "too_old": "Loggen är äldre än 30 dagar: för in gammalt arbete som en papperssammanställning.",
    "implausible_rate": "Fler dörrar på en minut än en person hinner knacka.",
}

RATE_TABLE = "door_rate_minute"


def is_too_old(occurred_at: datetime, now: datetime) -> bool:
    return now - occurred_at > MAX_AGE


def minute_of(occurred_at: datetime) -> int:
    """The minute (since the epoch, UTC) a log counts in for the rate rule."""
    return int(occurred_at.timestamp()) // 60


def _stored_rates(session: Session, keys: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Stored counts for the given (user, minute) keys: one query per user range."""
    mark = "%s" if dialect_of(session) == "postgresql" else "?"
    minutes: dict[int, list[int]] = defaultdict(list)
    for user, minute in keys:
        minutes[user].append(minute)
    clauses, params = [], []
    for user, user_minutes in sorted(minutes.items()):
        clauses.append(f"(user_id = {mark} AND minute BETWEEN {mark} AND {mark})")
        params += [user, min(user_minutes), max(user_minutes)]
    sql = f"SELECT user_id, minute, n FROM {RATE_TABLE} WHERE " + " OR ".join(clauses)
    return {
        (user, minute): n
        for user, minute, n in execute(session, sql, params, fetch=True)
        if (user, minute) in keys
    }


def over_rate(*, session: Session, rows: Sequence[dict[str, Any]]) -> set[int]:
    """Ids (as ints) of the app logs that would take their volunteer's minute over the limit.

    Rows are in the order they were sent; the first logs of a minute are kept. Ids already
    stored are never refused (they are resends, answered as duplicates) and do not count twice.
    """
    by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
    seen: set[int] = set()
    for row in rows:
        key_id = row["id"].int
        if key_id in seen:
            continue
        seen.add(key_id)
        by_key[(row["user_id"], minute_of(row["occurred_at"]))].append(key_id)
    if not by_key:
        return set()
    stored = _stored_rates(session, set(by_key))
    # Most batches stop here: no minute goes over the limit even counting resends twice.
    full = {k for k in by_key if stored.get(k, 0) + len(by_key[k]) > MAX_DOORS_PER_MINUTE}
    if not full:
        return set()
    ids_in_full = [i for k in full for i in by_key[k]]
    already = stored_log_ids(session=session, ids=ids_in_full)
    refused: set[int] = set()
    for key in full:
        new = [i for i in by_key[key] if i not in already]
        room = max(0, MAX_DOORS_PER_MINUTE - stored.get(key, 0))
        refused.update(new[room:])
    return refused


def record_rates(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add new app logs to the per-minute counts (PostgreSQL's ingest does it in its CTE)."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        if row["source"] == "app":
            counts[(row["user_id"], minute_of(row["occurred_at"]))] += 1
    add_counts(
        session=session,
        table=RATE_TABLE,
        keys=("user_id", "minute"),
        counters=("n",),
        rows=[(*key, n) for key, n in sorted(counts.items())],
    )
