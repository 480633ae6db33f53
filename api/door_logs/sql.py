"""The ingest hot path's statements, sent straight to the DB driver.

One multi-row INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id for the logs, and one
multi-row INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n per rollup. Both run on
the session's own connection and transaction. Values are bound in the exact formats
SQLAlchemy's column types store (SQLite: UUID as 32 hex digits, UTC datetimes as naive
'YYYY-MM-DD HH:MM:SS.ffffff', dates ISO, booleans 0/1), so ORM and Core reads agree; the
tests read every row back through SQLAlchemy. This skips SQLAlchemy's per-row processing,
which costs more than the database's own work for a batch of 100.
"""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from api.core.db import hold_write_lock
from api.core.sql import dialect_of, execute, pg_array, sqlite_time, transaction_memo, values_clause
from api.door_logs import opinions

LOG_COLUMNS = (
    "id",
    "district_id",
    "user_id",
    "occurred_at",
    "received_at",
    "counted_on",
    "clock_skew",
    "outcome",
    "new_member",
    "left_material",
    "source",
    "tally_id",
    "campaign_id",
    "shift_id",
)


# PostgreSQL types of the columns bound as arrays (unnest keeps the rows' order);
# rollup counters are all integer.
_PG_TYPES = {
    "id": "uuid",
    "district_id": "integer",
    "user_id": "integer",
    "occurred_at": "timestamptz",
    "received_at": "timestamptz",
    "counted_on": "date",
    "clock_skew": "boolean",
    "outcome": "varchar",
    "topics": "varchar",
    "new_member": "boolean",
    "left_material": "boolean",
    "source": "varchar",
    "tally_id": "integer",
    "campaign_id": "integer",
    "shift_id": "integer",
    "day": "date",
    "year": "integer",
    "topic": "varchar",
    "ak_id": "integer",
    "channel": "varchar",
    "week": "date",
    "kind": "varchar",
    "value": "varchar",
    "minute": "integer",
}

_PG_INSERT_LOGS = (
    f"INSERT INTO door_log ({', '.join(LOG_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"%s::{_PG_TYPES[c]}[]" for c in LOG_COLUMNS)
    + ") ON CONFLICT (id) DO NOTHING RETURNING id"
)


# PostgreSQL: the logs and every rollup in ONE statement (one round trip instead of five).
# Only the rows the INSERT returned (the new ones) are counted; the rollup CTEs are not
# referenced by the final SELECT, so PostgreSQL runs them in this order after it: every
# batch takes the rollups' row locks table by table, in key order.
_COUNTER_SUMS = (
    "sum((outcome = 'conversation')::int), sum((outcome = 'not_home')::int), "
    "sum((outcome = 'declined')::int), sum((outcome = 'no_access')::int), "
    "sum(new_member::int), sum(left_material::int)"
)

_COUNTER_NAMES = (
    "conversation",
    "not_home",
    "declined",
    "no_access",
    "new_member",
    "left_material",
)


def _upsert_counts(table: str, keys: str, select_keys: str, where: str = "") -> str:
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _COUNTER_NAMES)
    return (
        f"INSERT INTO {table} ({keys}, {', '.join(_COUNTER_NAMES)}) "
        f"SELECT {select_keys}, {_COUNTER_SUMS} FROM ins {where} "
        f"GROUP BY {select_keys} ORDER BY {select_keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    )


# The topics travel beside the log's columns (never into door_log): one more array, joined
# back to the inserted rows by id for door_log_opinion and topic_count_day.
_SOURCE_COLUMNS = (*LOG_COLUMNS, "topics")

_PG_INGEST = (
    "WITH src AS (SELECT * FROM unnest("
    + ", ".join(f"%s::{_PG_TYPES[c]}[]" for c in _SOURCE_COLUMNS)
    + f") AS src({', '.join(_SOURCE_COLUMNS)})), "
    f"ins AS (INSERT INTO door_log ({', '.join(LOG_COLUMNS)}) "
    f"SELECT {', '.join(LOG_COLUMNS)} FROM src ON CONFLICT (id) DO NOTHING "
    "RETURNING id, district_id, user_id, occurred_at, received_at, counted_on, clock_skew, "
    "outcome, new_member, left_material, source, shift_id"
    "), new AS (SELECT ins.*, src.topics FROM ins JOIN src ON src.id = ins.id"
    "), opinions AS ("
    "INSERT INTO door_log_opinion (log_id, kind, value) "
    "SELECT id, 'topic', topic FROM new, unnest(string_to_array(topics, ',')) AS topic "
    "WHERE topics <> '' ORDER BY id, topic"
    "), day_counts AS ("
    + _upsert_counts("door_count_day", "district_id, day", "district_id, counted_on")
    + "), year_counts AS ("
    + _upsert_counts(
        "door_count_year", "district_id, year", "district_id, extract(year FROM counted_on)::int"
    )
    + "), user_counts AS ("
    + _upsert_counts(
        "door_count_user_day",
        "district_id, day, user_id",
        "district_id, counted_on, user_id",
        "WHERE source = 'app'",
    )
    + "), topic_counts AS ("
    "INSERT INTO topic_count_day (district_id, day, topic, n) "
    "SELECT district_id, counted_on, topic, count(*) "
    "FROM new, unnest(string_to_array(topics, ',')) AS topic WHERE topics <> '' "
    "GROUP BY district_id, counted_on, topic ORDER BY district_id, counted_on, topic "
    "ON CONFLICT (district_id, day, topic) DO UPDATE SET n = topic_count_day.n + excluded.n"
    "), rate_counts AS ("
    # plausibility's per-volunteer minute counts (api/door_logs/plausibility.py)
    "INSERT INTO door_rate_minute (user_id, minute, n) "
    "SELECT user_id, floor(extract(epoch FROM occurred_at) / 60)::int, count(*) "
    "FROM ins WHERE source = 'app' GROUP BY 1, 2 ORDER BY 1, 2 "
    "ON CONFLICT (user_id, minute) DO UPDATE SET n = door_rate_minute.n + excluded.n"
    "), quality_counts AS ("
    # the data-quality flags' minutes (plausibility.quality_counts says the same in Python)
    "INSERT INTO quality_minute (user_id, district_id, minute, n, skewed) "
    "SELECT user_id, district_id, floor(extract(epoch FROM "
    "CASE WHEN clock_skew THEN received_at ELSE occurred_at END) / 60)::int, "
    "sum((NOT clock_skew)::int), sum(clock_skew::int) "
    "FROM ins WHERE source = 'app' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 "
    "ON CONFLICT (user_id, district_id, minute) DO UPDATE SET "
    "n = quality_minute.n + excluded.n, skewed = quality_minute.skewed + excluded.skewed"
    "), quality_days AS ("
    "INSERT INTO quality_day (user_id, day, doors, conversation) "
    "SELECT user_id, counted_on, count(*), sum((outcome = 'conversation')::int) "
    "FROM ins WHERE source = 'app' GROUP BY 1, 2 ORDER BY 1, 2 "
    "ON CONFLICT (user_id, day) DO UPDATE SET doors = quality_day.doors + excluded.doors, "
    "conversation = quality_day.conversation + excluded.conversation"
    "), shift_counts AS ("
    "INSERT INTO shift_count (shift_id, user_id, doors, conversation, new_member) "
    "SELECT shift_id, user_id, count(*), sum((outcome = 'conversation')::int), "
    "sum(new_member::int) FROM ins WHERE shift_id IS NOT NULL "
    "GROUP BY shift_id, user_id ORDER BY shift_id, user_id "
    "ON CONFLICT (shift_id, user_id) DO UPDATE SET doors = shift_count.doors + excluded.doors, "
    "conversation = shift_count.conversation + excluded.conversation, "
    "new_member = shift_count.new_member + excluded.new_member"
    ") SELECT id FROM ins"
)


def insert_logs(
    *, session: Session, rows: Sequence[dict[str, Any]], count: bool = False
) -> tuple[set[int], bool]:
    """Insert the rows that are new; returns their ids as ints (the others exist already).

    The new rows' topics go to door_log_opinion (api/door_logs/opinions.py), never on the
    row. With `count`, PostgreSQL also adds the new rows to the rollups and stores their
    opinions in the same statement; the second value says whether the rollups were done
    (False: the caller applies them).
    """
    if not rows:
        return set(), count
    dialect = dialect_of(session)
    hold_write_lock(session.connection())
    if dialect == "postgresql":
        # One array per column: a short, constant statement the server can prepare once.
        if count:
            columns = [
                pg_array([r.get(c, "") if c == "topics" else r.get(c) for r in rows], _PG_TYPES[c])
                for c in _SOURCE_COLUMNS
            ]
            returned = execute(session, _PG_INGEST, columns, fetch=True)
            created = {r[0].int for r in returned}
            # The statement stored the topics; a campaign answer goes beside them here.
            opinions.insert(
                session=session,
                pairs=opinions.pairs_of(
                    (r for r in rows if r["id"].int in created), kinds=(opinions.ANSWER,)
                ),
            )
            return created, count
        columns = [pg_array([r.get(c) for r in rows], _PG_TYPES[c]) for c in LOG_COLUMNS]
        created = {r[0].int for r in execute(session, _PG_INSERT_LOGS, columns, fetch=True)}
        _store_opinions(session, rows, created)
        return created, count
    params: list[Any] = []
    received = {r["received_at"] for r in rows}  # one moment per batch: format it once
    received_text = {moment: sqlite_time(moment) for moment in received}
    for r in rows:
        params.extend(
            (
                r["id"].hex,
                r["district_id"],
                r["user_id"],
                sqlite_time(r["occurred_at"]),
                received_text[r["received_at"]],
                r["counted_on"].isoformat(),
                int(r["clock_skew"]),
                r["outcome"],
                int(r["new_member"]),
                int(r["left_material"]),
                r["source"],
                r.get("tally_id"),
                r.get("campaign_id"),
                r.get("shift_id"),
            )
        )
    sql = (
        f"INSERT INTO door_log ({', '.join(LOG_COLUMNS)}) "
        f"VALUES {values_clause(dialect, len(LOG_COLUMNS), len(rows))} "
        "ON CONFLICT (id) DO NOTHING RETURNING id"
    )
    returned = execute(session, sql, params, fetch=True)
    created = {int(r[0], 16) for r in returned}
    _store_opinions(session, rows, created)
    return created, False


def _store_opinions(session: Session, rows: Sequence[dict[str, Any]], created: set[int]) -> None:
    opinions.insert(
        session=session, pairs=opinions.pairs_of(r for r in rows if r["id"].int in created)
    )


def add_counts(
    *,
    session: Session,
    table: str,
    keys: Sequence[str],
    counters: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Add each row's counters to its key's totals (rows are key values then counters)."""
    if not rows:
        return
    dialect = dialect_of(session)
    columns = (*keys, *counters)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    if dialect == "postgresql":
        # One array per column: a short, constant statement the server can prepare once.
        types = [_PG_TYPES[k] for k in keys] + ["integer"] * len(counters)
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) {conflict}"
        )
        columns_in = [
            pg_array(list(values), pg_type)
            for values, pg_type in zip(zip(*rows, strict=True), types, strict=True)
        ]
        execute(session, sql, columns_in, fetch=False)
        return
    params: list[Any] = []
    for row in rows:
        params.extend(v.isoformat() if isinstance(v, date) else v for v in row)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES {values_clause(dialect, len(columns), len(rows))} {conflict}"
    )
    execute(session, sql, params, fetch=False)


def stored_log_ids(*, session: Session, ids: Sequence[int]) -> set[int]:
    """Which of the given log ids (as ints) are stored already."""
    if not ids:
        return set()
    if dialect_of(session) == "postgresql":
        sql = "SELECT id FROM door_log WHERE id = ANY(%s::uuid[])"
        found = execute(
            session, sql, [pg_array([uuid.UUID(int=i) for i in ids], "uuid")], fetch=True
        )
        return {r[0].int for r in found}
    sql = f"SELECT id FROM door_log WHERE id IN ({', '.join(['?'] * len(ids))})"
    found = execute(session, sql, [f"{i:032x}" for i in ids], fetch=True)
    return {int(r[0], 16) for r in found}


def district_ak_slugs(*, session: Session, district_ids: Sequence[int]) -> dict[int, str]:
    """Each given district's AK slug (unknown ids are left out)."""
    known: dict[int, str | None] = transaction_memo(session).setdefault("district_ak", {})
    missing = [d for d in district_ids if d not in known]
    if missing:
        mark = "%s" if dialect_of(session) == "postgresql" else "?"
        sql = (
            "SELECT district.id, ak.slug FROM district JOIN ak ON district.ak_id = ak.id "
            f"WHERE district.id IN ({', '.join([mark] * len(missing))})"
        )
        found = dict(execute(session, sql, missing, fetch=True))
        known.update((d, found.get(d)) for d in missing)
    return {d: slug for d in district_ids if (slug := known[d]) is not None}


def active_topic_slugs(*, session: Session) -> frozenset[str]:
    memo = transaction_memo(session)
    if "topics" not in memo:
        rows = execute(session, "SELECT slug FROM topic WHERE retired_at IS NULL", (), fetch=True)
        memo["topics"] = frozenset(slug for (slug,) in rows)
    topics: frozenset[str] = memo["topics"]
    return topics
