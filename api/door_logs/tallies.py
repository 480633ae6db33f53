"""Paper tallies: an organiser's counts for a district and date, stored as paper door logs;
and for a workplace visit or a stall (an AK and a date), stored as paper channel logs.

Each tallied door becomes a door_log row with source 'paper', so it counts exactly like an
app log (same rollups, same recount) and voiding the tally voids its rows.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.accounts.access import Principal, hidden, require_manager, require_reach
from api.core.errors import Invalid
from api.core.stockholm import stockholm_noon, stockholm_today
from api.door_logs.assignments import district_with_ak
from api.door_logs.campaigns import (
    CAMPAIGN_NOT_APPLICABLE,
    apply_campaign_counts,
    campaigns,
    channel_log,
    settle_references,
)
from api.door_logs.ingest import void_rows
from api.door_logs.rollups import apply_to_rollups, door_log
from api.models.campaigns import ChannelTally, ChannelTallyCreate
from api.models.door_logs import MAX_TALLY_DOORS, Outcome, Source, Tally, TallyCreate
from api.models.plan import Ak, District
from api.models.shifts import Shift
from api.plan.catalogue import get_ak_by_slug

EARLIEST_YEAR = 2000


def create_tally(
    *, session: Session, principal: Principal, tally_in: TallyCreate, now: datetime
) -> Tally:
    require_manager(principal)
    _, ak = district_with_ak(session=session, district_id=tally_in.district_id)
    require_reach(principal, ak.slug, "district")
    if tally_in.date > stockholm_today(now) or tally_in.date.year < EARLIEST_YEAR:
        raise Invalid("invalid_date", "Choose a date that has passed")
    counts = {o: getattr(tally_in, o.value) for o in Outcome}
    doors = sum(counts.values())
    if doors == 0:
        raise Invalid("empty_tally", "Enter at least one door")
    if doors > MAX_TALLY_DOORS:
        raise Invalid("invalid_tally", f"At most {MAX_TALLY_DOORS} doors a tally")
    if tally_in.new_members > counts[Outcome.conversation]:
        raise Invalid("invalid_tally", "New members join in conversations")
    if tally_in.left_material > doors:
        raise Invalid("invalid_tally", "Material was left at more doors than knocked")
    if tally_in.shift_id is not None:
        shift = session.get(Shift, tally_in.shift_id)
        # Another AK's shift answers as one that does not exist.
        if shift is None or shift.ak_id != ak.id:
            raise Invalid("unknown_shift", "Passet finns inte i den arbetskretsen.")
    tally = Tally(
        district_id=tally_in.district_id,
        day=tally_in.date,
        created_by=principal.id,
        **tally_in.model_dump(exclude={"district_id", "date"}),
    )
    session.add(tally)
    session.flush()
    moment = stockholm_noon(tally_in.date)
    rows: list[dict[str, Any]] = []
    for outcome, n in counts.items():
        for _ in range(n):
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "district_id": tally_in.district_id,
                    "user_id": principal.id,
                    "occurred_at": moment,
                    "received_at": now,
                    "counted_on": tally_in.date,
                    "clock_skew": False,
                    "outcome": outcome.value,
                    "new_member": False,
                    "left_material": False,
                    "source": Source.paper.value,
                    "tally_id": tally.id,
                }
            )
    for row in rows[: tally_in.new_members]:  # conversations come first
        row["new_member"] = True
    for row in rows[: tally_in.left_material]:
        row["left_material"] = True
    session.execute(door_log.insert(), rows)
    apply_to_rollups(session=session, rows=rows, sign=1)
    return tally


def list_tallies(*, session: Session, ak: Ak, year: int) -> list[Tally]:
    rows = session.exec(
        select(Tally)
        .join(District, col(District.id) == col(Tally.district_id))
        .where(District.ak_id == ak.id)
        .order_by(col(Tally.day).desc(), col(Tally.id).desc())
    ).all()
    return [t for t in rows if t.day.year == year]


def void_tally(
    *, session: Session, principal: Principal, tally_id: int, now: datetime
) -> tuple[Tally, set[int]]:
    require_manager(principal)
    tally = session.get(Tally, tally_id)
    if tally is None:
        raise hidden("tally")
    _, ak = district_with_ak(session=session, district_id=tally.district_id)
    require_reach(principal, ak.slug, "tally")
    changed = session.execute(
        update(Tally)
        .where(col(Tally.id) == tally_id, col(Tally.voided_at).is_(None))
        .values(voided_at=now, voided_by=principal.id)
    )
    years: set[int] = set()
    if changed.rowcount:  # type: ignore[attr-defined]
        years = void_rows(
            session=session, where=door_log.c.tally_id == tally_id, caller_id=principal.id, now=now
        )
    session.refresh(tally)
    return tally, years


# --- Paper tallies of workplace visits and stalls ---------------------------------------


def create_channel_tally(
    *, session: Session, principal: Principal, body: ChannelTallyCreate, now: datetime
) -> ChannelTally:
    """Counted conversations (and refusals) at a workplace or a stall on a date: one
    channel_log row each (source 'paper'), counted like the app's, for the AK only."""
    require_manager(principal)
    ak = get_ak_by_slug(session=session, slug=body.ak)
    require_reach(principal, ak.slug, "ak")
    if body.date > stockholm_today(now) or body.date.year < EARLIEST_YEAR:
        raise Invalid("invalid_date", "Choose a date that has passed")
    if body.conversation + body.declined == 0:
        raise Invalid("empty_tally", "Enter at least one conversation or refusal")
    if body.new_members > body.conversation:
        raise Invalid("invalid_tally", "New members join in conversations")
    reference = {"campaign_id": body.campaign_id, "counted_on": body.date}
    if body.campaign_id is not None and settle_references(
        reference, ak_slug=ak.slug, known=campaigns(session=session)
    ):
        # THE campaign rule (api/door_logs/campaigns.py); the same code for a missing one.
        raise Invalid(CAMPAIGN_NOT_APPLICABLE, "The campaign does not cover this AK and date")
    assert ak.id is not None
    tally = ChannelTally(
        ak_id=ak.id,
        channel=body.channel,
        day=body.date,
        campaign_id=body.campaign_id,
        conversation=body.conversation,
        declined=body.declined,
        new_members=body.new_members,
        created_by=principal.id,
    )
    session.add(tally)
    session.flush()
    moment = stockholm_noon(body.date)
    outcomes = ["conversation"] * body.conversation + ["declined"] * body.declined
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "ak_id": ak.id,
            "channel": body.channel,
            "user_id": principal.id,
            "occurred_at": moment,
            "received_at": now,
            "counted_on": body.date,
            "clock_skew": False,
            "outcome": outcome,
            "new_member": i < body.new_members,  # conversations come first
            "campaign_id": body.campaign_id,
            "source": Source.paper.value,
            "tally_id": tally.id,
        }
        for i, outcome in enumerate(outcomes)
    ]
    session.execute(channel_log.insert(), rows)
    apply_campaign_counts(session=session, rows=rows, sign=1)
    return tally


def list_channel_tallies(*, session: Session, ak: Ak, year: int) -> list[ChannelTally]:
    rows = session.exec(
        select(ChannelTally)
        .where(ChannelTally.ak_id == ak.id)
        .order_by(col(ChannelTally.day).desc(), col(ChannelTally.id).desc())
    ).all()
    return [t for t in rows if t.day.year == year]


def void_channel_tally(
    *, session: Session, principal: Principal, tally_id: int, now: datetime
) -> tuple[ChannelTally, set[int]]:
    require_manager(principal)
    tally = session.get(ChannelTally, tally_id)
    if tally is None:
        raise hidden("tally")
    ak = session.get(Ak, tally.ak_id)
    assert ak is not None
    require_reach(principal, ak.slug, "tally")
    changed = session.execute(
        update(ChannelTally)
        .where(col(ChannelTally.id) == tally_id, col(ChannelTally.voided_at).is_(None))
        .values(voided_at=now, voided_by=principal.id)
    )
    years: set[int] = set()
    if changed.rowcount:  # type: ignore[attr-defined]
        voided = session.execute(
            update(channel_log)
            .where(channel_log.c.tally_id == tally_id, channel_log.c.voided_at.is_(None))
            .values(voided_at=now, voided_by=principal.id)
            .returning(*channel_log.c)
        ).all()
        apply_campaign_counts(session=session, rows=[dict(r._mapping) for r in voided], sign=-1)
        years = {tally.day.year}
    session.refresh(tally)
    return tally, years
