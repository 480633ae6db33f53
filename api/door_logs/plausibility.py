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
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from api.core.sql import dialect_of, execute
from api.door_logs.sql import add_counts, stored_log_ids

# A phone offline for days still syncs; older work is entered as a paper tally.
MAX_AGE = timedelta(days=30)
# More doors than this in one minute of the phone's clock is more than a person can knock.
MAX_DOORS_PER_MINUTE = 10

# --- Possible but odd: the data-quality flags (api/quality) --------------------------------
# What lies beyond the limits above is refused at ingest; what lies between these and them is
# kept, counted and flagged for a person to look at. A flag is about logs, never a verdict.

# Six doors in one minute of the phone's clock: a fast stairwell of "ej hemma" takes 15-20 s a
# door, so six is already a burst, and ten (the limit above) is refused.
BURST_DOORS_PER_MINUTE = 6
# Someone answers at most doors most days, rarely nine in ten; only a day with many doors says
# anything (a short day of five samtal is luck, not a pattern).
CONTACT_RATE_MIN_DOORS = 30
CONTACT_RATE_PERCENT = 90
# Any log whose phone clock ran more than 24 h ahead (ingest.SKEW_LIMIT): counted by when the
# server got it, so its day is the server's guess and worth a look.
SKEWED_LOGS_PER_DAY = 1
# A paper tally this many times the AK's usual (its median tally of the last year) ...
TALLY_TIMES_USUAL = 3
# ... once the AK has that many tallies to know its usual, and the tally is not small anyway.
TALLY_BASELINE_MIN = 5
TALLY_MIN_DOORS = 50
TALLY_BASELINE_DAYS = 365
# A flag is about logs that can still be voided: after 30 days they are final and it expires.
FLAG_DAYS = MAX_AGE

QUALITY_TABLE = "quality_minute"
QUALITY_DAY_TABLE = "quality_day"
# The contact-rate rule as SQL on quality_day: the partial index ix_quality_day_contact holds
# exactly these volunteer-days (SQLite uses it only when a query repeats its terms as written).
CONTACT_RATE_WHERE = (
    f"doors >= {CONTACT_RATE_MIN_DOORS} AND conversation * 100 >= {CONTACT_RATE_PERCENT} * doors"
)

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


def quality_counts(rows: Iterable[Any], sign: int) -> list[tuple[int, int, int, int, int]]:
    """The app logs' (user, district, minute, n, skewed) for quality_minute, `sign` each.

    A log counts at the minute of the phone's clock; one whose clock ran ahead counts as
    skewed at the minute the server got it (its phone time says nothing), never as a burst.
    """
    counts: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        m = row if isinstance(row, dict) else row._mapping
        if m["source"] != "app" or m["district_id"] is None:
            continue
        if m["clock_skew"]:
            counts[(m["user_id"], m["district_id"], minute_of(m["received_at"]))][1] += sign
        else:
            counts[(m["user_id"], m["district_id"], minute_of(m["occurred_at"]))][0] += sign
    return [(*key, n, skewed) for key, (n, skewed) in sorted(counts.items())]


def quality_day_counts(rows: Iterable[Any], sign: int) -> list[tuple[int, Any, int, int]]:
    """The app logs' (user, Stockholm day they count on, doors, conversations), `sign` each."""
    counts: dict[tuple[int, Any], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        m = row if isinstance(row, dict) else row._mapping
        if m["source"] != "app" or m["district_id"] is None:
            continue
        target = counts[(m["user_id"], m["counted_on"])]
        target[0] += sign
        target[1] += sign if m["outcome"] == "conversation" else 0
    return [(*key, doors, talks) for key, (doors, talks) in sorted(counts.items())]


def record_quality(*, session: Session, rows: Iterable[Any], sign: int) -> None:
    """Add (or, for voids, take away) app logs in the flags' rollups, in the logs' transaction."""
    rows = rows if isinstance(rows, list) else list(rows)
    add_counts(
        session=session,
        table=QUALITY_DAY_TABLE,
        keys=("user_id", "day"),
        counters=("doors", "conversation"),
        rows=quality_day_counts(rows, sign),
    )
    add_counts(
        session=session,
        table=QUALITY_TABLE,
        keys=("user_id", "district_id", "minute"),
        counters=("n", "skewed"),
        rows=quality_counts(rows, sign),
    )


def recount_quality(*, session: Session) -> dict[tuple[int, int, int], tuple[int, int]]:
    """quality_minute recomputed from door_log's live rows (non-zero only): checks and repair."""
    sql = (
        "SELECT user_id, district_id, occurred_at, received_at, clock_skew, source "
        "FROM door_log WHERE voided_at IS NULL AND source = 'app'"
    )
    rows = [
        {
            "user_id": r[0],
            "district_id": r[1],
            "occurred_at": _aware(r[2]),
            "received_at": _aware(r[3]),
            "clock_skew": bool(r[4]),
            "source": r[5],
        }
        for r in execute(session, sql, (), fetch=True)
    ]
    return {(u, d, m): (n, s) for u, d, m, n, s in quality_counts(rows, 1) if n or s}


def recount_quality_days(*, session: Session) -> dict[tuple[int, str], tuple[int, int]]:
    """quality_day recomputed from door_log's live rows (non-zero only)."""
    sql = (
        "SELECT user_id, counted_on, count(*), "
        "sum(CASE WHEN outcome = 'conversation' THEN 1 ELSE 0 END) FROM door_log "
        "WHERE voided_at IS NULL AND source = 'app' GROUP BY user_id, counted_on"
    )
    return {(u, str(d)): (int(n), int(c)) for u, d, n, c in execute(session, sql, (), fetch=True)}


def stored_quality_days(*, session: Session) -> dict[tuple[int, str], tuple[int, int]]:
    sql = f"SELECT user_id, day, doors, conversation FROM {QUALITY_DAY_TABLE}"
    return {
        (u, str(d)): (int(n), int(c))
        for u, d, n, c in execute(session, sql, (), fetch=True)
        if n or c
    }


def stored_quality(*, session: Session) -> dict[tuple[int, int, int], tuple[int, int]]:
    sql = f"SELECT user_id, district_id, minute, n, skewed FROM {QUALITY_TABLE}"
    return {
        (u, d, m): (int(n), int(s))
        for u, d, m, n, s in execute(session, sql, (), fetch=True)
        if n or s
    }


def _aware(value: Any) -> datetime:
    """A raw cursor's time (SQLite: naive UTC text; PostgreSQL: aware) as an aware UTC time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
