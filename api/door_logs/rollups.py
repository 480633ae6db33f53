"""Rollups: counts per district and Stockholm day (and year, volunteer, topic).

Kept in the same transaction as the logs with INSERT ... ON CONFLICT DO UPDATE SET
n = n + excluded.n, so totals never scan door_log. recount() recomputes them from door_log:
the property tests compare the two, and rebuild_rollups() repairs them if ever needed.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Table, case, func, select
from sqlmodel import Session, SQLModel

from api.door_logs import opinions, plausibility
from api.door_logs.sql import add_counts
from api.models.door_logs import Source

# Counter columns of every rollup, in this order.
COUNTERS = ("conversation", "not_home", "declined", "no_access", "new_member", "left_material")

_OUTCOME_INDEX = {name: i for i, name in enumerate(COUNTERS[:4])}

door_log: Table = SQLModel.metadata.tables["door_log"]

door_count_day: Table = SQLModel.metadata.tables["door_count_day"]

door_count_year: Table = SQLModel.metadata.tables["door_count_year"]

door_count_user_day: Table = SQLModel.metadata.tables["door_count_user_day"]

topic_count_day: Table = SQLModel.metadata.tables["topic_count_day"]

district_t: Table = SQLModel.metadata.tables["district"]

ak_t: Table = SQLModel.metadata.tables["ak"]

topic_t: Table = SQLModel.metadata.tables["topic"]

assignment_t: Table = SQLModel.metadata.tables["assignment"]

shift_count: Table = SQLModel.metadata.tables["shift_count"]

SHIFT_COUNTERS = ("doors", "conversation", "new_member")


def apply_to_rollups(*, session: Session, rows: Iterable[Any], sign: int) -> None:
    """Add (sign=1) or take away (sign=-1) rows' counts, grouped per rollup key."""
    # First count identical shapes (a batch has few), then spread them over the rollups.
    rows_seen = rows if isinstance(rows, list) else list(rows)
    shapes: dict[tuple[Any, ...], int] = defaultdict(int)
    topic_sets: dict[tuple[int, date, str], int] = defaultdict(int)
    per_shift: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows_seen:
        m = row if isinstance(row, dict) else row._mapping
        user = m["user_id"] if m["source"] == Source.app else None
        if (shift_id := m.get("shift_id")) is not None:  # the shift's summary (api/shifts)
            counts = per_shift[(shift_id, m["user_id"])]
            counts[0] += sign
            counts[1] += sign if m["outcome"] == "conversation" else 0
            counts[2] += sign if m["new_member"] else 0
        district_id, day = m["district_id"], m["counted_on"]
        shapes[(district_id, day, user, m["outcome"], m["new_member"], m["left_material"])] += 1
        if topics := m.get("topics"):  # carried beside the row (api/door_logs/opinions.py)
            topic_sets[(district_id, day, topics)] += 1
    per_day: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0] * 6)
    per_year: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * 6)
    per_user: dict[tuple[int, date, int], list[int]] = defaultdict(lambda: [0] * 6)
    for (district_id, day, user, outcome, new_member, left_material), n in shapes.items():
        n *= sign
        targets = [per_day[(district_id, day)], per_year[(district_id, day.year)]]
        if user is not None:
            targets.append(per_user[(district_id, day, user)])
        for target in targets:
            target[_OUTCOME_INDEX[outcome]] += n
            target[4] += n if new_member else 0
            target[5] += n if left_material else 0
    per_topic: dict[tuple[int, date, str], int] = defaultdict(int)
    for (district_id, day, joined), n in topic_sets.items():
        for topic in joined.split(","):
            per_topic[(district_id, day, topic)] += n * sign
    for table, grouped in (
        (door_count_day, per_day),
        (door_count_year, per_year),
        (door_count_user_day, per_user),
    ):
        add_counts(
            session=session,
            table=table.name,
            keys=_KEYS[table.name],
            counters=COUNTERS,
            rows=[(*key, *values) for key, values in sorted(grouped.items())],
        )
    add_counts(
        session=session,
        table=topic_count_day.name,
        keys=_KEYS[topic_count_day.name],
        counters=("n",),
        rows=[(*key, n) for key, n in sorted(per_topic.items())],
    )
    plausibility.record_quality(session=session, rows=rows_seen, sign=sign)
    add_counts(
        session=session,
        table=shift_count.name,
        keys=("shift_id", "user_id"),
        counters=SHIFT_COUNTERS,
        rows=[(*key, *values) for key, values in sorted(per_shift.items())],
    )


def recount_shifts(*, session: Session) -> dict[tuple[int, int], tuple[int, ...]]:
    """Shift counts recomputed from door_log (non-zero only): for checks against the rollup."""
    c = door_log.c
    rows = session.execute(
        select(
            c.shift_id,
            c.user_id,
            func.count(),
            func.sum(case((c.outcome == "conversation", 1), else_=0)),
            func.sum(case((c.new_member.is_(True), 1), else_=0)),
        )
        .where(c.voided_at.is_(None), c.shift_id.is_not(None))
        .group_by(c.shift_id, c.user_id)
    ).all()
    return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def stored_shift_counts(*, session: Session) -> dict[tuple[int, int], tuple[int, ...]]:
    out = {}
    for r in session.execute(shift_count.select()).mappings():
        values = tuple(int(r[k]) for k in SHIFT_COUNTERS)
        if any(values):
            out[(r["shift_id"], r["user_id"])] = values
    return out


_KEYS = {
    "door_count_day": ("district_id", "day"),
    "door_count_year": ("district_id", "year"),
    "door_count_user_day": ("district_id", "day", "user_id"),
    "topic_count_day": ("district_id", "day", "topic"),
}


def recount(*, session: Session) -> dict[str, dict[tuple[Any, ...], tuple[int, ...]]]:
    """Every rollup recomputed from door_log (non-zero entries only): for checks and repair."""
    live = door_log.c.voided_at.is_(None)
    c = door_log.c

    def sums() -> list[Any]:
        flags = [c.outcome == o for o in COUNTERS[:4]]
        flags += [c.new_member.is_(True), c.left_material.is_(True)]
        return [func.sum(case((flag, 1), else_=0)) for flag in flags]

    out: dict[str, dict[tuple[Any, ...], tuple[int, ...]]] = {}
    day_rows = session.execute(
        select(c.district_id, c.counted_on, *sums())
        .where(live)
        .group_by(c.district_id, c.counted_on)
    ).all()
    out["day"] = {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in day_rows}
    years: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 6)
    for (d, day), values in out["day"].items():
        for i, v in enumerate(values):
            years[(d, day.year)][i] += v
    out["year"] = {k: tuple(v) for k, v in years.items()}
    user_rows = session.execute(
        select(c.district_id, c.counted_on, c.user_id, *sums())
        .where(live, c.source == Source.app)
        .group_by(c.district_id, c.counted_on, c.user_id)
    ).all()
    out["user_day"] = {(r[0], r[1], r[2]): tuple(int(v) for v in r[3:]) for r in user_rows}
    # Topics of logs not yet final, from their opinions; a final log's live only in the counts.
    o = opinions.opinion_t.c
    topic_rows = session.execute(
        select(c.district_id, c.counted_on, o.value, func.count())
        .join(opinions.opinion_t, o.log_id == c.id)
        .where(live, o.kind == opinions.TOPIC)
        .group_by(c.district_id, c.counted_on, o.value)
    ).all()
    out["topic_day"] = {(d, day, t): (int(n),) for d, day, t, n in topic_rows}
    return out


def stored_rollups(*, session: Session) -> dict[str, dict[tuple[Any, ...], tuple[int, ...]]]:
    """The rollups as stored, without all-zero entries, in recount()'s shape."""
    out: dict[str, dict[tuple[Any, ...], tuple[int, ...]]] = {}
    for name, table, keys in (
        ("day", door_count_day, ("district_id", "day")),
        ("year", door_count_year, ("district_id", "year")),
        ("user_day", door_count_user_day, ("district_id", "day", "user_id")),
        ("topic_day", topic_count_day, ("district_id", "day", "topic")),
    ):
        counters = ("n",) if name == "topic_day" else COUNTERS
        out[name] = {}
        for row in session.execute(table.select()).mappings():
            values = tuple(int(row[k]) for k in counters)
            if any(values):
                out[name][tuple(row[k] for k in keys)] = values
    return out


def rebuild_rollups(*, session: Session) -> None:
    """Replace every rollup with a recount from door_log (repair tool and benchmarks).

    Topic counts are rebuilt only where no log is final yet: a final log's topics exist only
    in topic_count_day, so that table is replaced only when every opinion is still at hand.
    """
    counts = recount(session=session)
    any_final = session.execute(select(door_log.c.id).where(door_log.c.final).limit(1)).first()
    if any_final is not None:
        counts["topic_day"] = {}
    rebuilt = [door_count_day, door_count_year, door_count_user_day]
    if any_final is None:
        rebuilt.append(topic_count_day)
    for table in rebuilt:
        session.execute(table.delete())
    for name, table, keys in (
        ("day", door_count_day, ("district_id", "day")),
        ("year", door_count_year, ("district_id", "year")),
        ("user_day", door_count_user_day, ("district_id", "day", "user_id")),
    ):
        if counts[name]:
            session.execute(
                table.insert(),
                [
                    dict(zip(keys, k, strict=True)) | dict(zip(COUNTERS, v, strict=True))
                    for k, v in counts[name].items()
                ],
            )
    if counts["topic_day"]:
        session.execute(
            topic_count_day.insert(),
            [
                {"district_id": d, "day": day, "topic": t, "n": v[0]}
                for (d, day, t), v in counts["topic_day"].items()
            ],
        )
