"""Opinions (what a resident said: topics; later a campaign's answer) kept apart from the log.

docs/PRODUCT.md ("A log: privacy by design"): an opinion is never stored on a row beside the
volunteer and an exact time. Until its log is final it lives in door_log_opinion, linked only
by the log's id, so a resend is compared exactly and a void takes exactly its counts away;
when the log is final (FINAL_AFTER after the server received it) gallring deletes the link
and only the counts (topic_count_day) remain. One mechanism for every kind of opinion: a new
kind is a new `kind` value here, nothing else.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, select
from sqlmodel import Session, SQLModel

from api import models  # noqa: F401  (registers every table: the lookups below need them)
from api.core.sql import dialect_of, execute, values_clause

TOPIC = "topic"

ANSWER = "answer"  # a campaign question's answer: the option's index as text

# A log is final this long after the server received it (docs/PRODUCT.md, "Counting rules").
FINAL_AFTER = timedelta(days=30)

opinion_t: Table = SQLModel.metadata.tables["door_log_opinion"]

_door_log: Table = SQLModel.metadata.tables["door_log"]


def is_final(received_at: datetime, now: datetime) -> bool:
    return now - received_at > FINAL_AFTER


def pairs_of(
    rows: Iterable[dict[str, Any]], kinds: tuple[str, ...] = (TOPIC, ANSWER)
) -> list[tuple[uuid.UUID, str, str]]:
    """(log id, kind, value) for the rows' topics (sorted, comma-joined in row["topics"]) and
    campaign answers (row["answer"], an option's index)."""
    pairs: list[tuple[uuid.UUID, str, str]] = []
    for row in rows:
        if TOPIC in kinds and row.get("topics"):
            pairs.extend((row["id"], TOPIC, topic) for topic in row["topics"].split(","))
        if ANSWER in kinds and row.get("answer") is not None:
            pairs.append((row["id"], ANSWER, str(row["answer"])))
    return pairs


def insert(*, session: Session, pairs: Sequence[tuple[uuid.UUID, str, str]]) -> None:
    """One multi-row INSERT for the opinions of logs just created (in the logs' transaction)."""
    if not pairs:
        return
    dialect = dialect_of(session)
    params: list[Any] = []
    for log_id, kind, value in sorted(pairs, key=lambda p: (p[0].int, p[1], p[2])):
        params.extend((log_id if dialect == "postgresql" else log_id.hex, kind, value))
    sql = (
        "INSERT INTO door_log_opinion (log_id, kind, value) "
        f"VALUES {values_clause(dialect, 3, len(pairs))}"
    )
    execute(session, sql, params, fetch=False)


def joined(*, session: Session, log_ids: Sequence[uuid.UUID], kind: str = TOPIC) -> dict[int, str]:
    """Each log's values of one kind, sorted and comma-joined, by the log id as int."""
    if not log_ids:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    for log_id, value in session.execute(
        select(opinion_t.c.log_id, opinion_t.c.value).where(
            opinion_t.c.kind == kind, opinion_t.c.log_id.in_(log_ids)
        )
    ):
        found[log_id.int].append(value)
    return {key: ",".join(sorted(values)) for key, values in found.items()}


def answers_of(*, session: Session, log_ids: Sequence[uuid.UUID]) -> dict[int, int]:
    """Each log's campaign answer (an option's index), by the log id as int."""
    return {k: int(v) for k, v in joined(session=session, log_ids=log_ids, kind=ANSWER).items()}


def with_topics(*, session: Session, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Log rows as dicts carrying their topics and answer again (for voids: the counts to
    take away)."""
    mappings = [dict(r._mapping) if not isinstance(r, dict) else dict(r) for r in rows]
    ids = [m["id"] for m in mappings]
    topics = joined(session=session, log_ids=ids)
    answers = answers_of(session=session, log_ids=ids)
    for m in mappings:
        m["topics"] = topics.get(m["id"].int, "")
        m["answer"] = answers.get(m["id"].int)
    return mappings


def drop_final(*, session: Session, now: datetime) -> int:
    """Gallring: delete the opinions of every log that is final; their counts stay."""
    final_logs = select(_door_log.c.id).where(_door_log.c.received_at < now - FINAL_AFTER)
    done = session.execute(delete(opinion_t).where(opinion_t.c.log_id.in_(final_logs)))
    return int(done.rowcount)  # type: ignore[attr-defined]
