"""Data-quality flags: what is possible but odd, computed from the rollups, never door_log.

The thresholds are plausibility's (api/door_logs/plausibility.py), the one place that also
holds what ingest refuses. A flag is about logs, not a verdict on a person: it is computed
from the phone's log times, needs a minimum number of doors before a rate counts, is seen only
by the organisers of the AK whose districts the logs are in, the volunteer's own AK's
organisers and staff, and expires after 30 days (when its logs become final).

Kinds and what each rests on (every read is an index range of a few rows):
- burst: minutes of one volunteer's day in one district holding BURST_DOORS_PER_MINUTE or
  more logs (quality_minute, its partial index on n); and minutes that reach it only over
  several districts (a border street): the rate rule's door_rate_minute, its partial index on
  n, names the candidate minutes and quality_minute's live counts decide;
- contact_rate: a volunteer-day of at least CONTACT_RATE_MIN_DOORS doors with samtal at
  CONTACT_RATE_PERCENT or more (quality_day, its partial index);
- clock_skew: logs whose phone clock ran over 24 h ahead (quality_minute, partial index);
- tally: a paper tally TALLY_TIMES_USUAL times the AK's median tally (the tally table).

A person decides (api/quality/decisions.py): "stämmer" keeps the logs, or they are voided.
A flag's key ends with how many logs it rests on, so a decision covers exactly those: when more
come the same day (a second burst after "stämmer"), the flag opens again with them all.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, and_, bindparam, or_, select, text
from sqlmodel import Session, SQLModel

from api.core.stockholm import STOCKHOLM, stockholm_day
from api.door_logs import plausibility as p
from api.door_logs.plausibility import minute_of
from api.models.accounts import ANONYMOUS_ROLE
from api.models.plan import Ak

_t = SQLModel.metadata.tables
door_log = _t["door_log"]
district_t = _t["district"]

KINDS = ("burst", "contact_rate", "clock_skew", "tally")


@dataclass
class Flag:
    key: str
    kind: str
    day: date
    rests_on: str  # in Swedish, for the reviewer: the figures the flag rests on
    facts: dict[str, Any]
    user_id: int | None = None
    user_name: str | None = None
    district_id: int | None = None
    district_name: str | None = None
    # For a void: the logs behind the flag (a condition on door_log), or the tally.
    minutes: list[int] = field(default_factory=list)
    district_ids: list[int] = field(default_factory=list)
    tally_id: int | None = None


def _moment(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def _clock(minute: int) -> str:
    return _moment(minute).astimezone(STOCKHOLM).strftime("%H:%M")


def _ak_scope(session: Session, ak: Ak) -> tuple[list[int], str]:
    """The AK's districts (retired ones too), and a SQL condition for the AK's members."""
    ids = [
        int(i)
        for i in session.execute(select(district_t.c.id).where(district_t.c.ak_id == ak.id))
        .scalars()
        .all()
    ]
    members = f"user_id IN (SELECT user_id FROM user_ak WHERE ak_id = {int(ak.id or 0)})"
    return ids, members


def _in_scope(column: str, ids: list[int], members: str) -> str:
    districts = f"{column} IN ({', '.join(str(i) for i in ids)})" if ids else "1 = 0"
    return f"({districts} OR {members})"


def compute_flags(*, session: Session, ak: Ak, now: datetime) -> list[Flag]:
    """Every flag the AK's organisers see now, oldest day first; reads only rollups."""
    ids, members = _ak_scope(session, ak)
    cutoff = minute_of(now - p.FLAG_DAYS)
    flags: list[Flag] = []
    bursts, skews, spread = _minutes(session, ids, members, cutoff)
    flags += _bursts(bursts)
    flags += _spread_bursts(spread)
    flags += _skews(skews)
    flags += _contact_rates(session, ids, members, stockholm_day(now - p.FLAG_DAYS))
    flags += _tallies(session, ids, now)
    _name(session, flags)
    # An erased person's logs belong to nobody: a flag about them would be about no one.
    flags = [f for f in flags if f.user_name is not None or f.kind == "tally"]
    flags.sort(key=lambda f: (f.day, f.kind, f.key))
    return flags


def _minutes(
    session: Session, ids: list[int], members: str, cutoff: int
) -> tuple[list[Any], list[Any], list[Any]]:
    """The burst minutes, the clock-skewed minutes and the minutes whose doors reach the burst
    threshold only over several districts, in one round trip (three index ranges)."""
    # The literal thresholds (not bound values) let SQLite use the partial indexes.
    threshold = int(p.BURST_DOORS_PER_MINUTE)
    scope = _in_scope("district_id", ids, members)
    sql = (
        "SELECT 'burst', user_id, district_id, minute, n FROM quality_minute "
        f"WHERE n >= {threshold} AND minute >= :cutoff AND {scope} "
        "UNION ALL SELECT 'skew', user_id, district_id, minute, skewed FROM quality_minute "
        f"WHERE skewed > 0 AND minute >= :cutoff AND {scope} "
        # door_rate_minute counts a person's minute over every district (and is never taken
        # down): it only names candidates; quality_minute's live counts decide.
        "UNION ALL SELECT 'spread', user_id, district_id, minute, n FROM ("
        "SELECT q.user_id, q.district_id, q.minute, q.n FROM door_rate_minute r "
        "JOIN quality_minute q ON q.user_id = r.user_id AND q.minute = r.minute "
        f"WHERE r.n >= {threshold} AND r.minute >= :cutoff AND q.n > 0 AND q.n < {threshold}"
        f") spread WHERE {scope} ORDER BY 4"
    )
    rows = session.execute(text(sql), {"cutoff": cutoff}).all()
    return (
        [r[1:] for r in rows if r[0] == "burst"],
        [r[1:] for r in rows if r[0] == "skew"],
        [r[1:] for r in rows if r[0] == "spread"],
    )


def _bursts(rows: list[Any]) -> list[Flag]:
    days: dict[tuple[int, int, date], list[tuple[int, int]]] = defaultdict(list)
    for user, district, minute, n in rows:
        days[(user, district, stockholm_day(_moment(minute)))].append((minute, int(n)))
    flags = []
    for (user, district, day), minutes in days.items():
        doors = sum(n for _, n in minutes)
        listed = ", ".join(f"{n} kl. {_clock(m)}" for m, n in minutes[:6])
        more = f" och {len(minutes) - 6} minuter till" if len(minutes) > 6 else ""
        flags.append(
            Flag(
                key=f"burst-{user}-{district}-{day:%Y%m%d}-{doors}",
                kind="burst",
                day=day,
                user_id=user,
                district_id=district,
                rests_on=(
                    f"Dörrar inom samma minut enligt telefonens klocka: {listed}{more}. "
                    f"Flaggas från {p.BURST_DOORS_PER_MINUTE} i minuten; fler än "
                    f"{p.MAX_DOORS_PER_MINUTE} tas inte emot alls."
                ),
                facts={
                    "minutes": [{"at": _moment(m).isoformat(), "doors": n} for m, n in minutes],
                    "doors": doors,
                    "threshold": p.BURST_DOORS_PER_MINUTE,
                },
                minutes=[m for m, _ in minutes],
                district_ids=[district],
            )
        )
    return flags


def _spread_bursts(rows: list[Any]) -> list[Flag]:
    """Minutes where no single district reached the burst threshold but the volunteer's doors
    over several districts did: one flag per volunteer and day, naming the districts."""
    by_minute: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for user, district, minute, n in rows:
        by_minute[(user, minute)].append((district, int(n)))
    days: dict[tuple[int, date], list[tuple[int, list[tuple[int, int]]]]] = defaultdict(list)
    for (user, minute), parts in sorted(by_minute.items(), key=lambda kv: kv[0][1]):
        if len(parts) > 1 and sum(n for _, n in parts) >= p.BURST_DOORS_PER_MINUTE:
            days[(user, stockholm_day(_moment(minute)))].append((minute, parts))
    flags = []
    for (user, day), minutes in days.items():
        doors = sum(n for _, parts in minutes for _, n in parts)
        listed = ", ".join(
            f"{sum(n for _, n in parts)} kl. {_clock(m)}" for m, parts in minutes[:6]
        )
        more = f" och {len(minutes) - 6} minuter till" if len(minutes) > 6 else ""
        districts = sorted({d for _, parts in minutes for d, _ in parts})
        flags.append(
            Flag(
                key=f"burst-{user}-0-{day:%Y%m%d}-{doors}",
                kind="burst",
                day=day,
                user_id=user,
                rests_on=(
                    f"Dörrar inom samma minut enligt telefonens klocka, i {len(districts)} "
                    f"valdistrikt: {listed}{more}. Flaggas från {p.BURST_DOORS_PER_MINUTE} i "
                    f"minuten; fler än {p.MAX_DOORS_PER_MINUTE} tas inte emot alls."
                ),
                facts={
                    "minutes": [
                        {
                            "at": _moment(m).isoformat(),
                            "doors": sum(n for _, n in parts),
                            "districts": {str(d): n for d, n in parts},
                        }
                        for m, parts in minutes
                    ],
                    "doors": doors,
                    "threshold": p.BURST_DOORS_PER_MINUTE,
                },
                minutes=[m for m, _ in minutes],
                district_ids=districts,
            )
        )
    return flags


def _skews(rows: list[Any]) -> list[Flag]:
    days: dict[tuple[int, int, date], int] = defaultdict(int)
    for user, district, minute, skewed in rows:
        days[(user, district, stockholm_day(_moment(minute)))] += int(skewed)
    return [
        Flag(
            key=f"skew-{user}-{district}-{day:%Y%m%d}-{n}",
            kind="clock_skew",
            day=day,
            user_id=user,
            district_id=district,
            rests_on=(
                f"{n} {'logg' if n == 1 else 'loggar'} från en telefon vars klocka gick mer än "
                "ett dygn före. De räknas den dag servern fick dem."
            ),
            facts={"logs": n},
            district_ids=[district],
        )
        for (user, district, day), n in days.items()
        if n >= p.SKEWED_LOGS_PER_DAY
    ]


def _contact_rates(session: Session, ids: list[int], members: str, since: date) -> list[Flag]:
    # The partial index holds only the flagged volunteer-days; then: the AK's member, or the
    # volunteer knocked in one of its districts that day (door_count_user_day by user and day).
    in_districts = f"u.district_id IN ({', '.join(str(i) for i in ids)})" if ids else "1 = 0"
    sql = (
        "SELECT user_id, day, doors, conversation FROM quality_day "
        f"WHERE {p.CONTACT_RATE_WHERE} AND day >= :since AND ({members} OR EXISTS ("
        "SELECT 1 FROM door_count_user_day u WHERE u.user_id = quality_day.user_id "
        f"AND u.day = quality_day.day AND {in_districts}))"
    )
    flags = []
    for user, day, total, talks in session.execute(
        text(sql).bindparams(bindparam("since", type_=Date)), {"since": since}
    ):
        day = day if isinstance(day, date) else date.fromisoformat(day)
        talks, total = int(talks), int(total)
        flags.append(
            Flag(
                key=f"contact-{user}-{day:%Y%m%d}-{total}",
                kind="contact_rate",
                day=day,
                user_id=user,
                rests_on=(
                    f"Samtal vid {talks} av {total} dörrar ({round(100 * talks / total)} %) "
                    f"samma dag. Flaggas från {p.CONTACT_RATE_PERCENT} % när dagen har minst "
                    f"{p.CONTACT_RATE_MIN_DOORS} dörrar."
                ),
                facts={"conversations": talks, "doors": total},
            )
        )
    return flags


def _tallies(session: Session, ids: list[int], now: datetime) -> list[Flag]:
    if not ids:
        return []
    tally = _t["tally"]
    doors = tally.c.conversation + tally.c.not_home + tally.c.declined + tally.c.no_access
    rows = session.execute(
        select(tally.c.id, tally.c.district_id, tally.c.day, tally.c.created_at, doors)
        .where(
            tally.c.district_id.in_(ids),
            tally.c.voided_at.is_(None),
            tally.c.created_at >= now - timedelta(days=p.TALLY_BASELINE_DAYS),
        )
        .order_by(tally.c.id)
    ).all()
    flags = []
    for row in rows:
        if row.created_at < now - p.FLAG_DAYS or row[4] < p.TALLY_MIN_DOORS:
            continue
        others = [int(r[4]) for r in rows if r.id != row.id]
        if len(others) < p.TALLY_BASELINE_MIN:
            continue
        usual = statistics.median(others)
        if row[4] <= p.TALLY_TIMES_USUAL * usual:
            continue
        flags.append(
            Flag(
                key=f"tally-{row.id}",
                kind="tally",
                day=row.day,
                district_id=row.district_id,
                rests_on=(
                    f"Papperssammanställning med {row[4]} dörrar; arbetarekommunens vanliga är "
                    f"{usual:g} (medianen av {len(others)} sammanställningar senaste året). "
                    f"Flaggas över {p.TALLY_TIMES_USUAL} gånger det vanliga."
                ),
                facts={"doors": int(row[4]), "usual": usual, "tallies": len(others)},
                district_ids=[row.district_id],
                tally_id=row.id,
            )
        )
    return flags


def _name(session: Session, flags: list[Flag]) -> None:
    """Volunteers' and districts' names, in one round trip."""
    users = sorted({f.user_id for f in flags if f.user_id is not None})
    districts = sorted(
        {f.district_id for f in flags if f.district_id is not None}
        | {d for f in flags if f.kind == "burst" and f.district_id is None for d in f.district_ids}
    )
    if not users and not districts:
        return
    user_ids = ", ".join(str(int(u)) for u in users) or "NULL"
    district_ids = ", ".join(str(int(d)) for d in districts) or "NULL"
    sql = (
        f"SELECT 'user', id, name FROM user_account WHERE id IN ({user_ids}) "
        f"AND role <> '{ANONYMOUS_ROLE}' "
        f"UNION ALL SELECT 'district', id, name FROM district WHERE id IN ({district_ids})"
    )
    names: dict[tuple[str, int], str] = {(k, i): n for k, i, n in session.execute(text(sql))}
    for f in flags:
        f.user_name = names.get(("user", f.user_id)) if f.user_id is not None else None
        f.district_name = (
            names.get(("district", f.district_id)) if f.district_id is not None else None
        )
        if f.kind == "burst" and f.district_id is None:  # over several districts: name them
            f.district_name = " och ".join(names.get(("district", d), "?") for d in f.district_ids)


def logs_behind(flag: Flag) -> Any:
    """The app logs a flag rests on, as a condition on door_log (for a void)."""
    c = door_log.c
    app = and_(c.user_id == flag.user_id, c.source == "app")
    if flag.kind == "burst":
        return and_(
            app,
            c.district_id.in_(flag.district_ids),
            c.clock_skew.is_(False),
            or_(
                *(
                    and_(c.occurred_at >= _moment(m), c.occurred_at < _moment(m + 1))
                    for m in flag.minutes
                )
            ),
        )
    if flag.kind == "clock_skew":
        return and_(
            app, c.district_id == flag.district_id, c.clock_skew.is_(True), c.counted_on == flag.day
        )
    if flag.kind == "contact_rate":
        return and_(app, c.counted_on == flag.day)
    raise ValueError(flag.kind)
