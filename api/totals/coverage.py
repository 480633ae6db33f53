"""Where to knock next: per district, doors reached against an estimate of households, the
last valdeltagande where imported, and a ranking of the AK's prioritised districts.

Read from the year rollup (door_count_year) and the district rows: never from door_log.
"""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from api.door_logs.rollups import COUNTERS, district_t, door_count_year
from api.models.plan import Ak

# THE assumption behind "households", stated once: Valmyndigheten counts röstberättigade
# (Swedish citizens 18+), and SCB's household statistics put about 1.7 adults in a Swedish
# household (about 2.2 people). So households ≈ röstberättigade / 1.7. It undercounts where
# many adults are not citizens and overcounts where grown children live at home; it is a
# yardstick for comparing districts, not a door count.
VOTERS_PER_HOUSEHOLD = 1.7

ASSUMPTION = (
    "Hushåll uppskattas som röstberättigade delat med 1,7 (ungefär så många vuxna med rösträtt "
    "bor i ett hushåll enligt SCB). Dörrar räknas som knackningar: samma dörr två gånger räknas "
    "två gånger."
)


def households(electorate: int | None) -> int | None:
    if electorate is None or electorate <= 0:
        return None
    return max(1, round(electorate / VOTERS_PER_HOUSEHOLD))


def _need(turnout_pct: float, coverage: float) -> float:
    """Low turnout and low coverage both raise the need: (share not voting) × (share not
    reached). Canvassing moves turnout most where it is low."""
    return (1 - turnout_pct / 100) * max(0.0, 1 - coverage)


def where_to_knock(*, session: Session, ak: Ak, year: int) -> dict[str, Any]:
    districts = session.execute(
        district_t.select()
        .where(district_t.c.ak_id == ak.id, district_t.c.active.is_(True))
        .order_by(district_t.c.code)
    ).all()
    doors = {
        row.district_id: sum(int(getattr(row, c)) for c in COUNTERS[:4])
        for row in session.execute(
            select(door_count_year).where(
                door_count_year.c.district_id.in_([d.id for d in districts]),
                door_count_year.c.year == year,
            )
        )
    }
    known = [d.turnout_pct for d in districts if d.turnout_pct is not None]
    # A district without an imported figure is ranked at the AK's mean, and says so.
    fallback = sum(known) / len(known) if known else None
    rows = []
    for d in districts:
        estimate = households(d.electorate)
        reached = doors.get(d.id, 0)
        coverage = reached / estimate if estimate else None
        rows.append(
            {
                "district_id": d.id,
                "code": d.code,
                "name": d.name,
                "plan_name": d.plan_name,
                "prioritised": d.prioritised,
                "doors": reached,
                "electorate": d.electorate,
                "households_estimate": estimate,
                "coverage": None if coverage is None else round(coverage, 4),
                "turnout_pct": d.turnout_pct,
                "turnout_year": d.turnout_year,
            }
        )
    ranked = []
    unranked = []
    for row in rows:
        if not row["prioritised"]:
            continue
        turnout = row["turnout_pct"] if row["turnout_pct"] is not None else fallback
        if row["coverage"] is None or turnout is None:
            unranked.append(row["district_id"])
            continue
        ranked.append(
            (
                -_need(turnout, row["coverage"]),
                row["code"],
                row["district_id"],
                row["turnout_pct"] is None,
            )
        )
    ranked.sort()
    ranking = [
        {"district_id": i, "rank": n, "need": round(-need, 4), "turnout_assumed": assumed}
        for n, (need, _, i, assumed) in enumerate(ranked, start=1)
    ]
    return {
        "ak": ak.slug,
        "year": year,
        "assumption": ASSUMPTION,
        "voters_per_household": VOTERS_PER_HOUSEHOLD,
        "districts": rows,
        "ranking": ranking,
        # Prioritised districts that cannot be ranked: no röstberättigade imported.
        "unranked": unranked,
    }
