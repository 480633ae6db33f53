"""Campaign references of a log, the campaign rollups, and logs of other channels.

THE rule for which campaign a log may carry (docs/PRODUCT.md, "Counting rules"): the campaign
exists, the day the log counts on lies within its dates, and the log's AK is one of its AKs.
An answer must be one of the question's options; a topic must be one the campaign offers. A bad
reference never costs the door: it is dropped and the log's result carries a warning, with the
same code whether the campaign is another AK's or does not exist.

The counts (campaign_count_week, campaign_opinion_week, channel_count_day) change in the logs'
transaction, only for rows the INSERT really created (or a void really tombstoned), so resends
and voids count exactly once.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

from api.core.sql import transaction_memo
from api.door_logs import opinions
from api.door_logs.sql import add_counts

campaign_t: Table = SQLModel.metadata.tables["campaign"]
campaign_ak_t: Table = SQLModel.metadata.tables["campaign_ak"]
campaign_topic_t: Table = SQLModel.metadata.tables["campaign_topic"]
campaign_option_t: Table = SQLModel.metadata.tables["campaign_option"]
campaign_count_week: Table = SQLModel.metadata.tables["campaign_count_week"]
campaign_opinion_week: Table = SQLModel.metadata.tables["campaign_opinion_week"]
channel_count_day: Table = SQLModel.metadata.tables["channel_count_day"]
channel_log: Table = SQLModel.metadata.tables["channel_log"]
_district_t: Table = SQLModel.metadata.tables["district"]
_ak_t: Table = SQLModel.metadata.tables["ak"]

DOOR = "door"
CHANNELS = frozenset({"door", "workplace", "stall"})
CHANNEL_OUTCOMES = frozenset({"conversation", "declined"})

# Warning codes: a reference that was dropped (the log itself is stored).
CAMPAIGN_NOT_APPLICABLE = "campaign_not_applicable"
ANSWER_NOT_APPLICABLE = "answer_not_applicable"
TOPIC_NOT_OFFERED = "topic_not_offered"

CAMPAIGN_COUNTERS = (
    "conversation",
    "not_home",
    "declined",
    "no_access",
    "new_member",
    "left_material",
    "with_topic",
)

NO_DISTRICT = 0  # campaign_count_week's district for workplace and stall logs


@dataclass(frozen=True, slots=True)
class CampaignRef:
    id: int
    starts_on: date
    ends_on: date
    ak_slugs: frozenset[str] | None  # None: every AK
    topics: frozenset[str]
    options: int


def week_of(day: date) -> date:
    """The Monday of the day's week: the campaign rollups' time grain."""
    return day - timedelta(days=day.weekday())


def campaigns(*, session: Session) -> dict[int, CampaignRef]:
    """Every campaign's reference facts, read once per transaction."""
    memo = transaction_memo(session)
    if "campaigns" not in memo:
        aks: dict[int, set[str]] = defaultdict(set)
        for campaign_id, slug in session.execute(
            select(campaign_ak_t.c.campaign_id, _ak_t.c.slug).join(
                _ak_t, _ak_t.c.id == campaign_ak_t.c.ak_id
            )
        ):
            aks[campaign_id].add(slug)
        topics: dict[int, set[str]] = defaultdict(set)
        for campaign_id, slug in session.execute(
            select(campaign_topic_t.c.campaign_id, campaign_topic_t.c.topic)
        ):
            topics[campaign_id].add(slug)
        options: dict[int, int] = defaultdict(int)
        for (campaign_id,) in session.execute(select(campaign_option_t.c.campaign_id)):
            options[campaign_id] += 1
        memo["campaigns"] = {
            r.id: CampaignRef(
                id=r.id,
                starts_on=r.starts_on,
                ends_on=r.ends_on,
                ak_slugs=None if r.all_aks else frozenset(aks[r.id]),
                topics=frozenset(topics[r.id]),
                options=options[r.id],
            )
            for r in session.execute(select(campaign_t))
        }
    found: dict[int, CampaignRef] = memo["campaigns"]
    return found


def settle_references(
    row: dict[str, Any], *, ak_slug: str, known: dict[int, CampaignRef]
) -> str | None:
    """Drop the row's campaign references it cannot carry; returns a warning code or None."""
    warning = None
    campaign_id = row.get("campaign_id")
    ref = known.get(campaign_id) if campaign_id is not None else None
    if campaign_id is not None and (
        ref is None
        or not ref.starts_on <= row["counted_on"] <= ref.ends_on
        or (ref.ak_slugs is not None and ak_slug not in ref.ak_slugs)
    ):
        row["campaign_id"] = ref = None
        warning = CAMPAIGN_NOT_APPLICABLE
    answer = row.get("answer")
    if answer is not None and (ref is None or not 0 <= answer < ref.options):
        row["answer"] = None
        warning = warning or ANSWER_NOT_APPLICABLE
    if ref is not None and row.get("topics") and ref.topics:
        offered = [t for t in row["topics"].split(",") if t in ref.topics]
        if len(offered) != len(row["topics"].split(",")):
            row["topics"] = ",".join(offered)
            warning = warning or TOPIC_NOT_OFFERED
    return warning


def district_ak_ids(*, session: Session, district_ids: Iterable[int]) -> dict[int, int]:
    wanted = sorted(set(district_ids))
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(_district_t.c.id, _district_t.c.ak_id).where(_district_t.c.id.in_(wanted))
        ).all()
    )


def apply_campaign_counts(*, session: Session, rows: Sequence[dict[str, Any]], sign: int) -> None:
    """Add (or take away) the rows' campaign and channel counts.

    Door rows carry district_id, topics and answer; channel rows carry ak_id and channel.
    """
    door = [r for r in rows if r.get("campaign_id") is not None and r.get("district_id")]
    ak_of = district_ak_ids(session=session, district_ids=(r["district_id"] for r in door))
    counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 7)
    opinion_counts: dict[tuple[Any, ...], int] = defaultdict(int)
    per_channel: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 3)
    for r in rows:
        channel = r.get("channel") or DOOR
        if channel != DOOR:
            target = per_channel[(r["ak_id"], channel, r["counted_on"])]
            target[0 if r["outcome"] == "conversation" else 1] += sign
            target[2] += sign if r["new_member"] else 0
        campaign_id = r.get("campaign_id")
        if campaign_id is None:
            continue
        week = week_of(r["counted_on"])
        if channel == DOOR:
            key = (campaign_id, ak_of[r["district_id"]], r["district_id"], DOOR, week)
        else:
            key = (campaign_id, r["ak_id"], NO_DISTRICT, channel, week)
        values = counts[key]
        values[CAMPAIGN_COUNTERS.index(r["outcome"])] += sign
        values[4] += sign if r["new_member"] else 0
        values[5] += sign if r.get("left_material") else 0
        topics = r.get("topics") or ""
        if channel == DOOR and topics:
            values[6] += sign
            for topic in topics.split(","):
                opinion_counts[(campaign_id, r["district_id"], week, opinions.TOPIC, topic)] += sign
        if channel == DOOR and r.get("answer") is not None:
            key_a = (campaign_id, r["district_id"], week, opinions.ANSWER, str(r["answer"]))
            opinion_counts[key_a] += sign
    add_counts(
        session=session,
        table="campaign_count_week",
        keys=("campaign_id", "ak_id", "district_id", "channel", "week"),
        counters=CAMPAIGN_COUNTERS,
        rows=[(*k, *v) for k, v in sorted(counts.items())],
    )
    add_counts(
        session=session,
        table="campaign_opinion_week",
        keys=("campaign_id", "district_id", "week", "kind", "value"),
        counters=("n",),
        rows=[(*k, n) for k, n in sorted(opinion_counts.items())],
    )
    add_counts(
        session=session,
        table="channel_count_day",
        keys=("ak_id", "channel", "day"),
        counters=("conversation", "declined", "new_member"),
        rows=[(*k, *v) for k, v in sorted(per_channel.items())],
    )


# --- Logs of other channels (workplace, stall) ------------------------------------------

CHANNEL_COLUMNS = (
    "id",
    "ak_id",
    "channel",
    "user_id",
    "occurred_at",
    "received_at",
    "counted_on",
    "clock_skew",
    "outcome",
    "new_member",
    "campaign_id",
    "source",
)


def ak_ids(*, session: Session, slugs: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    found = session.execute(select(_ak_t.c.slug, _ak_t.c.id).where(_ak_t.c.slug.in_(wanted)))
    return {slug: ak_id for slug, ak_id in found}


def insert_channel_logs(*, session: Session, rows: Sequence[dict[str, Any]]) -> set[int]:
    """INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id: the ids (as ints) really created."""
    if not rows:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(channel_log)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(channel_log)
    values = [{c: r.get(c) for c in CHANNEL_COLUMNS} for r in rows]
    returned = session.execute(
        statement.values(values)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(channel_log.c.id)
    ).all()
    return {r[0].int for r in returned}
