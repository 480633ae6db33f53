"""Insights for politikutveckling: what a campaign's conversations were about, from its rollups.

Per campaign, for the distrikt, one AK or one district: conversations, the share that raised a
topic, the topics ranked, the answers to the question, week by week, beside the AK's (or the
distrikt's) previous campaign and the distrikt as a whole. Read from campaign_count_week and
campaign_opinion_week only, never from the logs.

Below AK level (a district, a week in a district) a topic or answer breakdown is shown only
where the group holds THRESHOLD conversations, with complementary suppression
(api/totals/suppression.py, the one rule); AK and distrikt figures are whole. Counts of doors,
conversations and members are not opinions and are always shown.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlmodel import Session

from api.accounts.access import require_organiser
from api.campaigns.service import get, options_of, require_visible
from api.core.errors import Forbidden, NotFound
from api.core.stockholm import stockholm_today
from api.door_logs import opinions
from api.door_logs.campaigns import (
    CAMPAIGN_COUNTERS,
    DOOR,
    campaign_ak_t,
    campaign_count_week,
    campaign_opinion_week,
    campaign_t,
    week_of,
)
from api.door_logs.rollups import ak_t, district_t, topic_t
from api.models.campaigns import Campaign
from api.totals.queries import on_pace, share_of_period
from api.totals.suppression import THRESHOLD, suppressed, suppressed_grid

Counts = dict[str, int]
Said = dict[tuple[str, str], int]  # (kind, value) -> n

OTHER_CHANNELS = ("workplace", "stall")


def _ratio(n: int, of: int) -> float:
    return round(n / of, 4) if of else 0.0


def _zero() -> Counts:
    return dict.fromkeys(CAMPAIGN_COUNTERS, 0)


@dataclass(frozen=True, slots=True)
class _Rollups:
    """A campaign's rollup rows, summed in SQL to the grain a view needs: per AK and week
    (district_id None), or per district and week for one AK's grid."""

    # (ak_id, district_id, channel, week, counters)
    counts: list[tuple[int, int | None, str, date, tuple[int, ...]]]
    # (ak_id, district_id, week, kind, value, n)
    said: list[tuple[int, int | None, date, str, str, int]]

    def count(
        self, key: Callable[[int, int | None, date], Hashable | None], channel: str | None = DOOR
    ) -> dict[Hashable, Counts]:
        """Door counts (or one channel's) summed per key(ak, district, week); None leaves the
        row out."""
        out: dict[Hashable, Counts] = {}
        for ak_id, district_id, row_channel, week, values in self.counts:
            if channel is not None and row_channel != channel:
                continue
            k = key(ak_id, district_id, week)
            if k is None:
                continue
            target = out.get(k)
            if target is None:
                out[k] = dict(zip(CAMPAIGN_COUNTERS, values, strict=True))
            else:
                for name, v in zip(CAMPAIGN_COUNTERS, values, strict=True):
                    target[name] += v
        return out

    def sum_said(
        self, key: Callable[[int, int | None, date], Hashable | None]
    ) -> dict[Hashable, Said]:
        """Topics and answers summed per key(ak, district, week); None leaves the row out."""
        out: dict[Hashable, Said] = defaultdict(dict)
        for ak_id, district_id, week, kind, value, n in self.said:
            k = key(ak_id, district_id, week)
            if k is None or not n:
                continue
            target = out[k]
            target[(kind, value)] = target.get((kind, value), 0) + n
        return out


def _load(session: Session, campaign_id: int, grid_of: int | None = None) -> _Rollups:
    """Per AK and week; with grid_of (an AK's id), that AK's rows per district and week."""
    c = campaign_count_week.c
    o = campaign_opinion_week.c
    sums = [func.sum(c[k]) for k in CAMPAIGN_COUNTERS]
    if grid_of is None:
        count_query = select(c.ak_id, c.channel, c.week, *sums).group_by(c.ak_id, c.channel, c.week)
        said_query = (
            select(district_t.c.ak_id, o.week, o.kind, o.value, func.sum(o.n))
            .join(district_t, district_t.c.id == o.district_id)
            .group_by(district_t.c.ak_id, o.week, o.kind, o.value)
        )
    else:
        count_query = select(
            c.ak_id, c.district_id, c.channel, c.week, *[c[k] for k in CAMPAIGN_COUNTERS]
        ).where(c.ak_id == grid_of)
        said_query = select(literal(grid_of), o.district_id, o.week, o.kind, o.value, o.n).where(
            o.district_id.in_(select(district_t.c.id).where(district_t.c.ak_id == grid_of))
        )
    counts: list[tuple[int, int | None, str, date, tuple[int, ...]]] = []
    for r in session.execute(count_query.where(c.campaign_id == campaign_id)):
        if grid_of is None:
            counts.append((r[0], None, r[1], r[2], tuple(int(v) for v in r[3:])))
        else:
            counts.append((r[0], r[1], r[2], r[3], tuple(int(v) for v in r[4:])))
    said: list[tuple[int, int | None, date, str, str, int]] = []
    for r in session.execute(said_query.where(o.campaign_id == campaign_id)):
        if grid_of is None:
            said.append((r[0], None, r[1], r[2], r[3], int(r[4])))
        else:
            said.append((r[0], r[1], r[2], r[3], r[4], int(r[5])))
    return _Rollups(counts=counts, said=said)


class _Labels:
    def __init__(self, session: Session, options: list[str]) -> None:
        self.topics = {r.slug: r.label for r in session.execute(topic_t.select())}
        self.options = options


def figures(counts: Counts, said: Said | None, labels: _Labels) -> dict[str, Any]:
    """One group's figures; `said` None: its opinion breakdown is hidden (below threshold)."""
    conversations = counts["conversation"]
    out: dict[str, Any] = {
        "conversations": conversations,
        "doors": sum(counts[k] for k in CAMPAIGN_COUNTERS[:4]),
        "members": counts["new_member"],
        "suppressed": said is None,
    }
    if said is None:
        return out | {"with_topic": None, "share_with_topic": None, "topics": None, "answers": None}
    topic_n = {v: n for (k, v), n in said.items() if k == opinions.TOPIC}
    answer_n = {int(v): n for (k, v), n in said.items() if k == opinions.ANSWER}
    answered = sum(answer_n.values())
    return out | {
        "with_topic": counts["with_topic"],
        "share_with_topic": _ratio(counts["with_topic"], conversations),
        "topics": [
            {
                "slug": slug,
                "label": labels.topics.get(slug, slug),
                "n": n,
                "share": _ratio(n, conversations),
            }
            for slug, n in sorted(topic_n.items(), key=lambda t: (-t[1], t[0]))
        ],
        "answers": [
            {
                "option": i,
                "label": label,
                "n": answer_n.get(i, 0),
                "share": _ratio(answer_n.get(i, 0), answered),
            }
            for i, label in enumerate(labels.options)
        ],
    }


def _weeks(campaign: Campaign, today: date, seen: Sequence[date]) -> list[date]:
    """Every week of the campaign so far (and any week that holds counts)."""
    last = min(campaign.ends_on, max(today, campaign.starts_on))
    weeks = set(seen)
    week = week_of(campaign.starts_on)
    while week <= last:
        weeks.add(week)
        week += timedelta(days=7)
    return sorted(weeks)


def previous_campaign(
    *, session: Session, campaign: Campaign, ak_id: int | None
) -> Campaign | None:
    """The latest campaign started before this one that included the AK (any: the distrikt)."""
    c = campaign_t.c
    query = select(Campaign).where(
        or_(
            c.starts_on < campaign.starts_on,
            and_(c.starts_on == campaign.starts_on, c.id < campaign.id),
        )
    )
    if ak_id is not None:
        included: ColumnElement[bool] = or_(
            c.all_aks.is_(True),
            c.id.in_(select(campaign_ak_t.c.campaign_id).where(campaign_ak_t.c.ak_id == ak_id)),
        )
        query = query.where(included)
    found: Campaign | None = (
        session.execute(query.order_by(c.starts_on.desc(), c.id.desc()).limit(1)).scalars().first()
    )
    return found


def _whole(data: _Rollups, ak_id: int | None) -> tuple[Counts, Said]:
    """The distrikt's (ak_id None) or one AK's figures: whole, never suppressed."""
    counts = data.count(lambda a, d, w: 0 if ak_id is None or a == ak_id else None)
    said = data.sum_said(lambda a, d, w: 0 if ak_id is None or a == ak_id else None)
    return counts.get(0, _zero()), said.get(0, {})


def _channels(data: _Rollups, ak_id: int | None) -> dict[str, Any]:
    out = {}
    for name in OTHER_CHANNELS:
        got = data.count(lambda a, d, w: 0 if ak_id is None or a == ak_id else None, name)
        row = got.get(0, _zero())
        out[name] = {
            "conversations": row["conversation"],
            "declined": row["declined"],
            "members": row["new_member"],
        }
    return out


def pace(
    *, session: Session, campaign: Campaign, today: date, data: _Rollups | None = None
) -> dict[str, Any]:
    """The campaign's door conversations against its goal, as the year's pace is judged
    (api/totals/queries.py: share_of_period, on_pace), today and at the end of each week."""
    assert campaign.id is not None
    data = data or _load(session, campaign.id)
    per_week = data.count(lambda a, d, w: w)
    conversations = sum(v["conversation"] for v in per_week.values())
    share = share_of_period(campaign.starts_on, campaign.ends_on, today)
    out: dict[str, Any] = {
        "goal": campaign.goal,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "share_passed": round(share, 4),
        "conversations": conversations,
        "expected": None,
        "on_track": None,
        "weeks": [],
    }
    if campaign.goal is None:
        return out
    out["expected"], out["on_track"] = on_pace(conversations, campaign.goal, share)
    running = 0
    for week in _weeks(campaign, today, list(per_week)):  # type: ignore[arg-type]
        running += per_week.get(week, _zero())["conversation"]
        through = min(week + timedelta(days=6), campaign.ends_on)
        expected, on_track = on_pace(
            running,
            campaign.goal,
            share_of_period(campaign.starts_on, campaign.ends_on, through),
        )
        out["weeks"].append(
            {"week": week, "through": through, "conversations": running, "expected": expected}
            | {"on_track": on_track}
        )
    return out


def _ak_of(session: Session, slug: str) -> tuple[int, str, str]:
    row = session.execute(select(ak_t.c.id, ak_t.c.slug, ak_t.c.name).where(ak_t.c.slug == slug))
    found = row.first()
    if found is None:
        raise NotFound("ak_not_found", "No such AK")
    return found[0], found[1], found[2]


def district_ak(*, session: Session, district_id: int) -> str:
    """The slug of the district's AK (404 when there is no such district)."""
    found = session.execute(
        select(ak_t.c.slug)
        .join(district_t, district_t.c.ak_id == ak_t.c.id)
        .where(district_t.c.id == district_id)
    ).first()
    if found is None:
        raise NotFound("district_not_found", "No such district")
    slug: str = found[0]
    return slug


def authorised_scope(
    *, session: Session, principal: Any, campaign_id: int, ak: str | None, district_id: int | None
) -> str | None:
    """The AK whose insights the caller may read (None: the distrikt). Staff: any scope; an
    organiser: their own AK or one of its districts (the rule in api/accounts/access.py)."""
    get(session=session, campaign_id=campaign_id)
    if district_id is not None:
        found = district_ak(session=session, district_id=district_id)
        if ak is not None and ak != found:
            raise NotFound("district_not_found", "No such district")
        ak = found
    if ak is None:
        if not principal.is_staff:
            raise Forbidden("forbidden", "Distriktets insikter visas för distriktet.")
        return None
    require_organiser(principal, ak)
    require_visible(session=session, principal=principal, campaign_id=campaign_id)
    return ak


def insights(
    *,
    session: Session,
    campaign_id: int,
    ak: str | None = None,
    district_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The campaign's insights for the distrikt (ak None), one AK, or one of its districts."""
    campaign = get(session=session, campaign_id=campaign_id)
    today = stockholm_today(now)
    options = options_of(session=session, campaign_ids=[campaign_id]).get(campaign_id, [])
    labels = _Labels(session, options)
    ak_id = ak_slug = ak_name = None
    if district_id is not None:
        ak = district_ak(session=session, district_id=district_id)
    if ak is not None:
        ak_id, ak_slug, ak_name = _ak_of(session, ak)
    level = "district" if district_id is not None else "ak" if ak_id is not None else "distrikt"

    data = _load(session, campaign_id)
    out: dict[str, Any] = {
        "campaign": {
            "id": campaign_id,
            "name": campaign.name,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "goal": campaign.goal,
            "question": campaign.question,
            "options": labels.options,
        },
        "scope": {"level": level, "ak": ak_slug, "ak_name": ak_name, "district_id": district_id},
        "threshold": THRESHOLD,
        "pace": pace(session=session, campaign=campaign, today=today, data=data),
        "channels": _channels(data, ak_id),
    }
    distrikt = figures(*_whole(data, None), labels)

    if level == "distrikt":
        out["summary"] = distrikt
        week_counts = data.count(lambda a, d, w: w)
        week_said = data.sum_said(lambda a, d, w: w)
        out["weeks"] = [
            {"week": w} | figures(week_counts.get(w, _zero()), week_said.get(w, {}), labels)
            for w in _weeks(campaign, today, list(week_counts))  # type: ignore[arg-type]
        ]
        per_ak = data.count(lambda a, d, w: a)
        said_per_ak = data.sum_said(lambda a, d, w: a)
        names = {r.id: (r.slug, r.name) for r in session.execute(ak_t.select())}
        out["aks"] = sorted(
            (
                {"ak": names[a][0], "name": names[a][1]}
                | figures(counts, said_per_ak.get(a, {}), labels)
                for a, counts in per_ak.items()
            ),
            key=lambda r: (-r["conversations"], r["ak"]),
        )
        out["compare"] = {"distrikt": None, "ak": None}
    else:
        assert ak_id is not None
        # The AK's grid of district × week: whole counts, opinions under the threshold.
        grid_rows = _load(session, campaign_id, grid_of=ak_id)
        cells = cast(dict[tuple[int, date], Counts], grid_rows.count(lambda a, d, w: (d, w)))
        cell_said = cast(dict[tuple[int, date], Said], grid_rows.sum_said(lambda a, d, w: (d, w)))
        districts = {
            r.id: (r.code, r.name)
            for r in session.execute(
                select(district_t.c.id, district_t.c.code, district_t.c.name).where(
                    district_t.c.ak_id == ak_id
                )
            )
        }
        per_district: dict[int, Counts] = defaultdict(_zero)
        district_said: dict[int, Said] = defaultdict(dict)
        for (cell_d, _w), counts in cells.items():
            for k, v in counts.items():
                per_district[cell_d][k] += v
        for (cell_d, _w), said in cell_said.items():
            for key, n in said.items():
                district_said[cell_d][key] = district_said[cell_d].get(key, 0) + n
        hidden_districts = suppressed({d: c["conversation"] for d, c in per_district.items()})
        ak_figures = figures(*_whole(data, ak_id), labels)
        if level == "ak":
            out["summary"] = ak_figures
            week_counts = data.count(lambda a, d, w: w if a == ak_id else None)
            week_said = data.sum_said(lambda a, d, w: w if a == ak_id else None)
            out["weeks"] = [
                {"week": w} | figures(week_counts.get(w, _zero()), week_said.get(w, {}), labels)
                for w in _weeks(campaign, today, list(week_counts))  # type: ignore[arg-type]
            ]
            out["districts"] = sorted(
                (
                    {"district_id": d, "code": districts[d][0], "name": districts[d][1]}
                    | figures(
                        per_district[d],
                        None if d in hidden_districts else district_said.get(d, {}),
                        labels,
                    )
                    for d in per_district
                ),
                key=lambda r: (r["code"], r["district_id"]),
            )
            out["compare"] = {"distrikt": distrikt, "ak": None}
        else:
            assert district_id is not None
            if district_id not in districts:
                raise NotFound("district_not_found", "No such district")
            out["scope"] |= {"code": districts[district_id][0], "name": districts[district_id][1]}
            shown = [d for d in per_district if d not in hidden_districts]
            grid: dict[tuple[Hashable, Hashable], int] = {
                k: v["conversation"] for k, v in cells.items()
            }
            weeks = _weeks(campaign, today, [w for d, w in cells if d == district_id])
            for w in weeks:  # an empty week of this district: a cell of 0, hidden
                grid.setdefault((district_id, w), 0)
            hidden_cells = suppressed_grid(grid, shown)
            out["summary"] = figures(
                per_district.get(district_id, _zero()),
                None
                if district_id in hidden_districts or district_id not in per_district
                else district_said.get(district_id, {}),
                labels,
            )
            out["weeks"] = [
                {"week": w}
                | figures(
                    cells.get((district_id, w), _zero()),
                    None
                    if (district_id, w) in hidden_cells
                    else cell_said.get((district_id, w), {}),
                    labels,
                )
                for w in weeks
            ]
            out["compare"] = {"distrikt": distrikt, "ak": ak_figures}
    before = previous_campaign(session=session, campaign=campaign, ak_id=ak_id)
    if before is None or before.id is None:
        out["compare"]["previous"] = None
    else:
        counts, said = _whole(_load(session, before.id), ak_id)
        before_labels = _Labels(
            session, options_of(session=session, campaign_ids=[before.id]).get(before.id, [])
        )
        out["compare"]["previous"] = {
            "id": before.id,
            "name": before.name,
            "starts_on": before.starts_on,
            "ends_on": before.ends_on,
            "question": before.question,
        } | figures(counts, said, before_labels)
    return out
