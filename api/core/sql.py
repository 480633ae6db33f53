from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session


def pg_quoted(value: Any) -> str:
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pg_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()  # no character an array literal would need quoted
    return str(value)


# Per column type: how one value is written in an array literal. UUIDs, numbers, times and
# booleans never hold a character that needs quoting; text always gets quoted.
PG_ELEMENT = {"varchar": lambda v: "NULL" if v is None else pg_quoted(v)}


def pg_array(values: Sequence[Any], pg_type: str) -> str:
    """A PostgreSQL array literal: psycopg's own list dumper cost a tenth of a sync's CPU,
    most of it finding each list's element type."""
    return "{" + ",".join(map(PG_ELEMENT.get(pg_type, pg_text), values)) + "}"


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


@lru_cache(maxsize=256)
def values_clause(dialect: str, width: int, rows: int) -> str:
    mark = "%s" if dialect == "postgresql" else "?"
    one = "(" + ", ".join([mark] * width) + ")"
    return ", ".join([one] * rows)


def sqlite_time(moment: datetime) -> str:
    if moment.tzinfo is not UTC:  # phones send UTC: most need no conversion
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def raw_cursor(session: Session) -> Any:
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def execute(session: Session, sql: str, params: Sequence[Any], *, fetch: bool) -> list[Any]:
    cursor = raw_cursor(session)
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if fetch else []
    finally:
        cursor.close()


def transaction_memo(session: Session) -> dict[str, Any]:
    """A dict that lives as long as the session's current transaction.

    The group committer runs many syncs in one transaction: what they all look up (the
    active topics, a district's AK) is read once per transaction, as one sync read it before.
    """
    session.connection()  # begins the transaction if none has begun yet
    transaction = session.get_transaction()
    held = session.info.get("knacka_memo")
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        session.info["knacka_memo"] = held
    memo: dict[str, Any] = held[1]
    return memo
