"""Campaigns: staff create and edit them; everyone signed in reads the ones for their AK.

A campaign's question has 2–6 fixed options and an answer is an option's index, never text.
Reviewing the options (no health, religion, ethnicity or union membership) is a staff
responsibility before the campaign starts; the staff view says so.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from api.core.errors import Invalid, NotFound
from api.door_logs import opinions
from api.door_logs.campaigns import (
    CAMPAIGN_COUNTERS,
    campaign_ak_t,
    campaign_count_week,
    campaign_opinion_week,
    campaign_option_t,
    campaign_topic_t,
)
from api.door_logs.campaigns import (
    campaign_t as campaign_table,
)
from api.models.campaigns import (
    Campaign,
    CampaignAk,
    CampaignIn,
    CampaignOption,
    CampaignPublic,
    CampaignTopic,
    QuestionPublic,
)
from api.models.plan import Ak, Topic


def _check(session: Session, body: CampaignIn) -> tuple[list[Ak] | None, list[str]]:
    if body.ends_on < body.starts_on:
        raise Invalid("invalid_period", "The campaign must end on or after its first day")
    aks: list[Ak] | None = None
    if body.aks is not None:
        wanted = sorted(set(body.aks))
        aks = list(session.execute(select(Ak).where(Ak.slug.in_(wanted))).scalars())  # type: ignore[call-overload,attr-defined]
        if len(aks) != len(wanted) or not aks:
            raise Invalid("unknown_ak", "Every AK must exist (leave out aks for every AK)")
    topics = list(dict.fromkeys(body.topics))
    if topics:
        live = {
            t.slug
            for t in session.execute(select(Topic).where(Topic.slug.in_(topics))).scalars()  # type: ignore[call-overload,attr-defined]
            if t.retired_at is None
        }
        if set(topics) - live:
            raise Invalid("unknown_topic", "Every topic must be one of the active topics")
    if body.question is not None and len(set(body.question.options)) != len(body.question.options):
        raise Invalid("duplicate_option", "The answer options must differ")
    return aks, topics


def _write(session: Session, campaign: Campaign, body: CampaignIn) -> None:
    aks, topics = _check(session, body)
    campaign.name, campaign.starts_on, campaign.ends_on = body.name, body.starts_on, body.ends_on
    campaign.all_aks = aks is None
    campaign.goal = body.goal
    campaign.guide = body.guide
    campaign.question = body.question.text if body.question else None
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    for table in (campaign_ak_t, campaign_topic_t, campaign_option_t):
        session.execute(delete(table).where(table.c.campaign_id == campaign.id))
    for ak in aks or []:
        assert ak.id is not None
        session.add(CampaignAk(campaign_id=campaign.id, ak_id=ak.id))
    for position, slug in enumerate(topics):
        session.add(CampaignTopic(campaign_id=campaign.id, topic=slug, position=position))
    for position, label in enumerate(body.question.options if body.question else []):
        session.add(CampaignOption(campaign_id=campaign.id, position=position, label=label))
    session.flush()


def create(*, session: Session, body: CampaignIn, user_id: int) -> Campaign:
    campaign = Campaign(
        name=body.name, starts_on=body.starts_on, ends_on=body.ends_on, created_by=user_id
    )
    _write(session, campaign, body)
    return campaign


def has_logs(*, session: Session, campaign_id: int) -> bool:
    c = campaign_count_week.c
    return (
        session.execute(select(c.campaign_id).where(c.campaign_id == campaign_id).limit(1)).first()
        is not None
    )


def update(*, session: Session, campaign_id: int, body: CampaignIn) -> Campaign:
    campaign = get(session=session, campaign_id=campaign_id)
    old_options = options_of(session=session, campaign_ids=[campaign_id]).get(campaign_id, [])
    new_options = body.question.options if body.question else []
    if old_options != new_options and has_logs(session=session, campaign_id=campaign_id):
        # Answers are stored as an option's index: changing the options would change them.
        raise Invalid("question_in_use", "The question's options cannot change once logs use them")
    _write(session, campaign, body)
    return campaign


def get(*, session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign_not_found", "No such campaign")
    return campaign


def require_visible(*, session: Session, principal: Any, campaign_id: int) -> None:
    """Another AK's campaign answers 404, as if it did not exist."""
    if principal.is_staff:
        return
    mine = listed(session=session, ak_slugs=list(principal.aks))
    if not any(c.id == campaign_id for c in mine):
        raise NotFound("campaign_not_found", "No such campaign")


def options_of(*, session: Session, campaign_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    o = campaign_option_t.c
    for cid, label in session.execute(
        select(o.campaign_id, o.label)
        .where(o.campaign_id.in_(campaign_ids))
        .order_by(o.campaign_id, o.position)
    ):
        out[cid].append(label)
    return out


def public(*, session: Session, campaigns: Sequence[Campaign]) -> list[CampaignPublic]:
    ids = [c.id for c in campaigns if c.id is not None]
    aks: dict[int, list[str]] = defaultdict(list)
    for cid, slug in session.execute(
        select(campaign_ak_t.c.campaign_id, Ak.slug)  # type: ignore[call-overload]
        .join(Ak, Ak.id == campaign_ak_t.c.ak_id)  # type: ignore[arg-type]
        .where(campaign_ak_t.c.campaign_id.in_(ids))
        .order_by(Ak.slug)  # type: ignore[arg-type]
    ):
        aks[cid].append(slug)
    topics: dict[int, list[str]] = defaultdict(list)
    t = campaign_topic_t.c
    for cid, slug in session.execute(
        select(t.campaign_id, t.topic)
        .where(t.campaign_id.in_(ids))
        .order_by(t.campaign_id, t.position)
    ):
        topics[cid].append(slug)
    options = options_of(session=session, campaign_ids=ids)
    return [
        CampaignPublic(
            id=c.id or 0,
            name=c.name,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            aks=None if c.all_aks else aks[c.id or 0],
            topics=topics[c.id or 0],
            goal=c.goal,
            guide=c.guide,
            question=QuestionPublic(text=c.question, options=options[c.id or 0])
            if c.question
            else None,
        )
        for c in campaigns
    ]


def listed(*, session: Session, ak_slugs: Sequence[str] | None) -> list[Campaign]:
    """Every campaign (staff: ak_slugs None), or those for any of the given AKs; latest first."""
    found = list(
        session.execute(
            select(Campaign).order_by(campaign_table.c.starts_on.desc(), campaign_table.c.id.desc())
        ).scalars()
    )
    if ak_slugs is None:
        return found
    mine = {
        cid
        for (cid,) in session.execute(
            select(campaign_ak_t.c.campaign_id)
            .join(Ak, Ak.id == campaign_ak_t.c.ak_id)  # type: ignore[arg-type]
            .where(Ak.slug.in_(ak_slugs))  # type: ignore[attr-defined]
        )
    }
    return [c for c in found if c.all_aks or c.id in mine]


def totals(*, session: Session, campaign_id: int, ak_id: int | None = None) -> dict[str, Any]:
    """A campaign's figures, from its rollups: whole (distrikt or AK level, no suppression)."""
    campaign = get(session=session, campaign_id=campaign_id)
    w = campaign_count_week.c
    query = select(w.channel, *[func.coalesce(func.sum(w[k]), 0) for k in CAMPAIGN_COUNTERS]).where(
        w.campaign_id == campaign_id
    )
    if ak_id is not None:
        query = query.where(w.ak_id == ak_id)
    per_channel = {
        r[0]: dict(zip(CAMPAIGN_COUNTERS, (int(v) for v in r[1:]), strict=True))
        for r in session.execute(query.group_by(w.channel))
    }
    door = per_channel.get("door", dict.fromkeys(CAMPAIGN_COUNTERS, 0))
    o = campaign_opinion_week.c
    oq = select(o.kind, o.value, func.sum(o.n)).where(o.campaign_id == campaign_id)
    if ak_id is not None:
        from api.door_logs.rollups import district_t

        oq = oq.join(district_t, district_t.c.id == o.district_id).where(
            district_t.c.ak_id == ak_id
        )
    answer_n: dict[int, int] = defaultdict(int)
    topic_n: dict[str, int] = defaultdict(int)
    for kind, value, n in session.execute(oq.group_by(o.kind, o.value)):
        if kind == opinions.ANSWER:
            answer_n[int(value)] += int(n)
        else:
            topic_n[value] += int(n)
    options = options_of(session=session, campaign_ids=[campaign_id]).get(campaign_id, [])
    channels = {
        name: {
            "conversations": per_channel.get(name, {}).get("conversation", 0),
            "declined": per_channel.get(name, {}).get("declined", 0),
            "members": per_channel.get(name, {}).get("new_member", 0),
        }
        for name in ("workplace", "stall")
    }
    return {
        "id": campaign_id,
        "name": campaign.name,
        "doors": sum(door[k] for k in CAMPAIGN_COUNTERS[:4]),
        "conversations": door["conversation"],
        "with_topic": door["with_topic"],
        "members": door["new_member"],
        "recruits": door["new_member"] + sum(c["members"] for c in channels.values()),
        "channels": channels,
        "goal": campaign.goal,
        "answers": [
            {"option": i, "label": label, "n": answer_n.get(i, 0)}
            for i, label in enumerate(options)
        ],
        "topics": sorted(
            ({"slug": s, "n": n} for s, n in topic_n.items() if n),
            key=lambda r: (-int(r["n"]), str(r["slug"])),
        ),
    }
