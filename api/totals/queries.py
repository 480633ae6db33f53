"""Counts against the goals, read from the rollups only (never from door_log)."""

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, and_, bindparam, case, func, select
from sqlmodel import Session, SQLModel

from api.core.stockholm import stockholm_today
from api.door_logs.rollups import (
    COUNTERS,
    ak_t,
    district_t,
    door_count_day,
    door_count_user_day,
    door_count_year,
)
from api.door_logs.rollups import topic_count_day as topic_day
from api.models.plan import Ak
from api.plan.successors import links as successor_links
from api.totals.suppression import suppressed

goal_t = SQLModel.metadata.tables["goal"]

user_t = SQLModel.metadata.tables["user_account"]

topic_t = SQLModel.metadata.tables["topic"]

register_t = SQLModel.metadata.tables["member_register_change"]

campaign_t = SQLModel.metadata.tables["campaign"]


def _doors(values: dict[str, int]) -> int:
    return sum(values[o] for o in COUNTERS[:4])


def _sums(table: Any) -> list[Any]:
    return [func.coalesce(func.sum(table.c[c]), 0).label(c) for c in COUNTERS]


def _figures(values: dict[str, int]) -> dict[str, int]:
    return {
        "doors": _doors(values),
        "conversations": values["conversation"],
        "members": values["new_member"],
        "not_home": values["not_home"],
        "declined": values["declined"],
        "no_access": values["no_access"],
        "left_material": values["left_material"],
    }


_YEAR = bindparam("year", type_=Integer)

_AK_SUMS = (
    select(district_t.c.ak_id, *_sums(door_count_year))
    .join(district_t, district_t.c.id == door_count_year.c.district_id)
    .where(door_count_year.c.year == _YEAR)
    .group_by(district_t.c.ak_id)
    .subquery()
)

channel_day = SQLModel.metadata.tables["channel_count_day"]

_FIRST = bindparam("first", type_=Date)
_LAST = bindparam("last", type_=Date)

# Workplace and stall conversations per AK (never Bilaga 1) and their sign-ups (recruits).
_CHANNEL_SUMS = (
    select(
        channel_day.c.ak_id,
        func.sum(
            case((channel_day.c.channel == "workplace", channel_day.c.conversation), else_=0)
        ).label("workplace_conversations"),
        func.sum(
            case((channel_day.c.channel == "stall", channel_day.c.conversation), else_=0)
        ).label("stall_conversations"),
        func.sum(channel_day.c.new_member).label("channel_members"),
    )
    .where(channel_day.c.day.between(_FIRST, _LAST))
    .group_by(channel_day.c.ak_id)
    .subquery()
)

# Built once, one round trip: building the statements (and their cache keys) on every request
# cost more than running them (docs/BENCHMARKS.md).
_TOTALS = (
    select(
        ak_t.c.slug,
        ak_t.c.name,
        goal_t.c.conversations.label("conversation_goal"),
        goal_t.c.members.label("member_goal"),
        *(_AK_SUMS.c[c] for c in COUNTERS),
        _CHANNEL_SUMS.c.workplace_conversations,
        _CHANNEL_SUMS.c.stall_conversations,
        _CHANNEL_SUMS.c.channel_members,
    )
    .outerjoin(goal_t, and_(goal_t.c.ak_id == ak_t.c.id, goal_t.c.year == _YEAR))
    .outerjoin(_AK_SUMS, _AK_SUMS.c.ak_id == ak_t.c.id)
    .outerjoin(_CHANNEL_SUMS, _CHANNEL_SUMS.c.ak_id == ak_t.c.id)
    .order_by(ak_t.c.name)
)


def totals(*, session: Session, year: int) -> dict[str, Any]:
    """GET /api/totals: per AK with goals, and the sum, exactly as the public contract says."""
    rows = []
    total = dict.fromkeys(
        (
            "conversations",
            "conversation_goal",
            "doors",
            "members",
            "member_goal",
            "recruits",
            "workplace_conversations",
            "stall_conversations",
        ),
        0,
    )
    first, last = _year_range(year)
    for ak in session.execute(_TOTALS, {"year": year, "first": first, "last": last}):
        values = {c: int(getattr(ak, c) or 0) for c in COUNTERS}
        row = {
            "ak": ak.slug,
            "name": ak.name,
            "conversations": values["conversation"],
            "conversation_goal": ak.conversation_goal or 0,
            "doors": _doors(values),
            "members": values["new_member"],
            "member_goal": ak.member_goal or 0,
            # Sign-ups from every channel, against Bilaga 2 (members: at a door only).
            "recruits": values["new_member"] + int(ak.channel_members or 0),
            # Beside Bilaga 1, never in it.
            "workplace_conversations": int(ak.workplace_conversations or 0),
            "stall_conversations": int(ak.stall_conversations or 0),
        }
        for key in total:
            total[key] += row[key]
        rows.append(row)
    return {"year": year, "aks": rows, "total": total}


def progress(
    *, session: Session, district_ids: list[int], today: date
) -> dict[int, dict[str, int]]:
    """Doors and conversations this year and today, by everyone, per district."""
    out = {
        d: {"doors_year": 0, "conversations_year": 0, "doors_today": 0, "conversations_today": 0}
        for d in district_ids
    }
    if not district_ids:
        return out
    for row in session.execute(
        door_count_year.select().where(
            door_count_year.c.district_id.in_(district_ids), door_count_year.c.year == today.year
        )
    ).mappings():
        out[row["district_id"]]["doors_year"] = _doors(dict(row))
        out[row["district_id"]]["conversations_year"] = row["conversation"]
    for row in session.execute(
        door_count_day.select().where(
            door_count_day.c.district_id.in_(district_ids), door_count_day.c.day == today
        )
    ).mappings():
        out[row["district_id"]]["doors_today"] = _doors(dict(row))
        out[row["district_id"]]["conversations_today"] = row["conversation"]
    return out


def me_today(*, session: Session, user_id: int, today: date) -> dict[str, int]:
    row = (
        session.execute(
            select(*_sums(door_count_user_day)).where(
                door_count_user_day.c.user_id == user_id, door_count_user_day.c.day == today
            )
        )
        .mappings()
        .one()
    )
    values = {c: int(row[c]) for c in COUNTERS}
    return {
        "doors": _doors(values),
        "conversations": values["conversation"],
        "new_members": values["new_member"],
    }


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def per_district(*, session: Session, year: int, ak: Ak) -> list[dict[str, Any]]:
    """Every district the year's counts sit on, across a re-districting.

    A retired district with counts in the year is listed (its earlier years stay its own) with
    its confirmed successors; a retired one with nothing that year is left out.
    """
    districts = session.execute(
        district_t.select().where(district_t.c.ak_id == ak.id).order_by(district_t.c.code)
    ).all()
    counts = {
        row["district_id"]: dict(row)
        for row in session.execute(
            door_count_year.select()
            .join(district_t, district_t.c.id == door_count_year.c.district_id)
            .where(district_t.c.ak_id == ak.id, door_count_year.c.year == year)
        ).mappings()
    }
    assert ak.id is not None
    code_of = {d.id: d.code for d in districts}
    successors: dict[int, list[str]] = defaultdict(list)
    predecessors: dict[int, list[str]] = defaultdict(list)
    for retired_id, successor_id in successor_links(session=session, ak_id=ak.id):
        successors[retired_id].append(code_of[successor_id])
        predecessors[successor_id].append(code_of[retired_id])
    zero = dict.fromkeys(COUNTERS, 0)
    rows = [
        {
            "district_id": d.id,
            "code": d.code,
            "name": d.name,
            "prioritised": d.prioritised,
            "active": d.active,
            "successors": sorted(successors[d.id]),
            "predecessors": sorted(predecessors[d.id]),
        }
        | _figures(counts.get(d.id, zero))
        for d in districts
        if d.active or d.id in counts
    ]
    # Topics per district: below AK level, so under the threshold (api/totals/suppression.py).
    first, last = _year_range(year)
    topics: dict[int, dict[str, int]] = defaultdict(dict)
    for r in session.execute(
        select(topic_day.c.district_id, topic_day.c.topic, func.sum(topic_day.c.n).label("n"))
        .join(district_t, district_t.c.id == topic_day.c.district_id)
        .where(district_t.c.ak_id == ak.id, topic_day.c.day.between(first, last))
        .group_by(topic_day.c.district_id, topic_day.c.topic)
    ):
        topics[r.district_id][r.topic] = int(r.n)
    hidden = suppressed({r["district_id"]: r["conversations"] for r in rows})
    for row in rows:
        held = topics.get(row["district_id"], {})
        row["topics_suppressed"] = row["district_id"] in hidden
        row["topics"] = (
            None
            if row["topics_suppressed"]
            else [
                {"slug": slug, "n": n}
                for slug, n in sorted(held.items(), key=lambda t: (-t[1], t[0]))
            ]
        )
    return rows


def per_week(*, session: Session, year: int, ak: Ak) -> list[dict[str, Any]]:
    """Per ISO week of the Stockholm days (a week at New Year may belong to the next ISO year)."""
    first, last = _year_range(year)
    weeks: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for row in session.execute(
        select(door_count_day.c.day, *_sums(door_count_day))
        .join(district_t, district_t.c.id == door_count_day.c.district_id)
        .where(district_t.c.ak_id == ak.id, door_count_day.c.day.between(first, last))
        .group_by(door_count_day.c.day)
    ).mappings():
        iso = row["day"].isocalendar()
        for c in COUNTERS:
            weeks[(iso.year, iso.week)][c] += int(row[c])
    return [
        {"iso_year": y, "week": w} | _figures(values) for (y, w), values in sorted(weeks.items())
    ]


def per_volunteer(*, session: Session, year: int, ak: Ak) -> list[dict[str, Any]]:
    """App logs per volunteer in the AK's districts (erased volunteers keep their counts)."""
    first, last = _year_range(year)
    rows = session.execute(
        select(
            door_count_user_day.c.user_id,
            user_t.c.name,
            user_t.c.erased_at,
            *_sums(door_count_user_day),
        )
        .join(district_t, district_t.c.id == door_count_user_day.c.district_id)
        .join(user_t, user_t.c.id == door_count_user_day.c.user_id)
        .where(district_t.c.ak_id == ak.id, door_count_user_day.c.day.between(first, last))
        .group_by(door_count_user_day.c.user_id, user_t.c.name, user_t.c.erased_at)
    ).mappings()
    out = [
        {"user_id": r["user_id"], "name": None if r["erased_at"] else r["name"]}
        | _figures({c: int(r[c]) for c in COUNTERS})
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["doors"], r["user_id"]))


def per_topic(*, session: Session, year: int, ak: Ak | None) -> list[dict[str, Any]]:
    first, last = _year_range(year)
    query = (
        select(topic_day.c.topic, func.sum(topic_day.c.n).label("n"))
        .where(topic_day.c.day.between(first, last))
        .group_by(topic_day.c.topic)
    )
    if ak is not None:
        query = query.join(district_t, district_t.c.id == topic_day.c.district_id).where(
            district_t.c.ak_id == ak.id
        )
    counts = {r.topic: int(r.n) for r in session.execute(query)}
    labels = {t.slug: t.label for t in session.execute(topic_t.select())}
    return sorted(
        ({"slug": s, "label": labels.get(s, s), "conversations": n} for s, n in counts.items()),
        key=lambda r: (-r["conversations"], r["slug"]),
    )


def share_passed(*, session: Session, year: int, now: datetime) -> tuple[float, date, date]:
    """The share of the year (or of its campaigns for every AK) that has passed today.

    The year's campaigns that cover every AK span the period pace is measured against (from
    the first start to the last end, within the year); without one, the calendar year.
    """
    first_y, last_y = _year_range(year)
    span = session.execute(
        select(func.min(campaign_t.c.starts_on), func.max(campaign_t.c.ends_on)).where(
            campaign_t.c.all_aks.is_(True),
            campaign_t.c.starts_on <= last_y,
            campaign_t.c.ends_on >= first_y,
        )
    ).one()
    if span[0] is not None:
        first, last = max(span[0], first_y), min(span[1], last_y)
    else:
        first, last = first_y, last_y
    return share_of_period(first, last, stockholm_today(now)), first, last


def share_of_period(first: date, last: date, today: date) -> float:
    """THE pace rule's clock: the share of the period's days that has passed, today counted."""
    if today < first:
        return 0.0
    if today > last:
        return 1.0
    return ((today - first).days + 1) / ((last - first).days + 1)


def on_pace(count: int, goal: int, share: float) -> tuple[int, bool]:
    """THE pace rule: on track when the count reaches the goal times the share passed."""
    expected = goal * share
    return round(expected), count >= expected


def pace(*, session: Session, year: int, now: datetime) -> dict[str, Any]:
    """Per AK: on track when the count reaches the goal times the share of time passed."""
    base = totals(session=session, year=year)
    share, first, last = share_passed(session=session, year=year, now=now)
    first_y, last_y = _year_range(year)
    register: dict[int, int] = {
        ak_id: int(n)
        for ak_id, n in session.execute(
            select(register_t.c.ak_id, func.sum(register_t.c.net_change))
            .where(register_t.c.day.between(first_y, last_y))
            .group_by(register_t.c.ak_id)
        ).all()
    }
    ak_ids = {a.slug: a.id for a in session.execute(ak_t.select())}

    def judged(row: dict[str, Any], register_net: int) -> dict[str, Any]:
        expected_c, on_track_c = on_pace(row["conversations"], row["conversation_goal"], share)
        expected_m, on_track_m = on_pace(row["members"], row["member_goal"], share)
        return row | {
            "conversations_expected": expected_c,
            "conversations_on_track": on_track_c,
            "members_expected": expected_m,
            "members_on_track": on_track_m,
            "member_register_net": register_net,
        }

    aks = [judged(r, register.get(ak_ids[r["ak"]] or 0, 0)) for r in base["aks"]]
    return {
        "year": year,
        "period": {"starts_on": first, "ends_on": last},
        "share_passed": round(share, 4),
        "aks": aks,
        "total": judged(base["total"], sum(register.values())),
    }
