"""What the staff dashboard and the exports show, read from the rollups (never door_log)."""

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from api.core.db import utcnow
from api.door_logs.rollups import COUNTERS, ak_t, district_t, door_count_day, door_count_year
from api.models.plan import Ak
from api.totals import queries as totals


def weeks_all(*, session: Session, year: int) -> list[dict[str, Any]]:
    """Doors, conversations and recruits per ISO week of the year, over every AK."""
    weeks: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    sums = [func.coalesce(func.sum(door_count_day.c[c]), 0).label(c) for c in COUNTERS]
    for row in session.execute(
        select(door_count_day.c.day, *sums)
        .where(door_count_day.c.day.between(date(year, 1, 1), date(year, 12, 31)))
        .group_by(door_count_day.c.day)
    ).mappings():
        iso = row["day"].isocalendar()
        for c in COUNTERS:
            weeks[(iso.year, iso.week)][c] += int(row[c])
    return [
        {
            "iso_year": y,
            "week": w,
            "conversations": v["conversation"],
            "doors": sum(v[o] for o in COUNTERS[:4]),
            "members": v["new_member"],
        }
        for (y, w), v in sorted(weeks.items())
    ]


def unvisited(*, session: Session, year: int) -> list[dict[str, Any]]:
    """Active districts without a single door logged in the year, prioritised first."""
    visited = select(door_count_year.c.district_id).where(door_count_year.c.year == year)
    rows = session.execute(
        select(district_t, ak_t.c.slug.label("ak_slug"), ak_t.c.name.label("ak_name"))
        .join(ak_t, ak_t.c.id == district_t.c.ak_id)
        .where(district_t.c.active.is_(True), district_t.c.id.not_in(visited))
        .order_by(district_t.c.prioritised.desc(), ak_t.c.name, district_t.c.code)
    ).mappings()
    return [
        {
            "id": r["id"],
            "ak": r["ak_slug"],
            "ak_name": r["ak_name"],
            "name": r["name"],
            "code": r["code"],
            "prioritised": r["prioritised"],
        }
        for r in rows
    ]


def overview(*, session: Session, year: int, now: datetime) -> dict[str, Any]:
    """Everything the staff dashboard shows beside the streamed totals, in one read."""
    return {
        "year": year,
        "pace": totals.pace(session=session, year=year, now=now),
        "weeks": weeks_all(session=session, year=year),
        "topics": totals.per_topic(session=session, year=year, ak=None),
        "unvisited": unvisited(session=session, year=year),
    }


def export_rows(*, session: Session, year: int, detail_aks: list[Ak]) -> dict[str, list[Any]]:
    """The export's three tables: per AK (everyone), per district and per week (detail_aks)."""
    pace = totals.pace(session=session, year=year, now=utcnow())
    per_ak = [
        [
            a["name"],
            a["conversations"],
            a["conversation_goal"],
            _share(a["conversations"], a["conversation_goal"]),
            a["doors"],
            a["members"],
            a["member_goal"],
            a["member_register_net"],
        ]
        for a in pace["aks"]
    ]
    t = pace["total"]
    per_ak.append(
        [
            "Totalt",
            t["conversations"],
            t["conversation_goal"],
            _share(t["conversations"], t["conversation_goal"]),
            t["doors"],
            t["members"],
            t["member_goal"],
            t["member_register_net"],
        ]
    )
    per_district: list[list[Any]] = []
    per_week: list[list[Any]] = []
    for ak in sorted(detail_aks, key=lambda a: a.name):
        for d in totals.per_district(session=session, year=year, ak=ak):
            per_district.append(
                [
                    ak.name,
                    d["code"],
                    d["name"],
                    "ja" if d["prioritised"] else "nej",
                    d["conversations"],
                    d["doors"],
                    d["members"],
                    d["not_home"],
                    d["declined"],
                    d["no_access"],
                    d["left_material"],
                ]
            )
        for w in totals.per_week(session=session, year=year, ak=ak):
            per_week.append(
                [
                    ak.name,
                    f"{w['iso_year']}-V{w['week']:02d}",
                    w["conversations"],
                    w["doors"],
                    w["members"],
                ]
            )
    return {"ak": per_ak, "district": per_district, "week": per_week}


def _share(count: int, goal: int) -> float | None:
    return round(count / goal, 4) if goal else None


AK_HEADERS = [
    "Arbetarekommun",
    "Samtal",
    "Samtalsmål (Bilaga 1)",
    "Andel av samtalsmålet",
    "Dörrar",
    "Nya medlemmar vid dörren",
    "Medlemsmål netto (Bilaga 2)",
    "Medlemsregistret netto",
]

DISTRICT_HEADERS = [
    "Arbetarekommun",
    "Valdistriktskod",
    "Valdistrikt",
    "Prioriterat (Bilaga 3)",
    "Samtal",
    "Dörrar",
    "Nya medlemmar vid dörren",
    "Ej hemma",
    "Nej tack",
    "Kom inte in",
    "Lämnat material",
]

WEEK_HEADERS = ["Arbetarekommun", "Vecka", "Samtal", "Dörrar", "Nya medlemmar vid dörren"]
