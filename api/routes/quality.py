"""Data-quality review ("Granska loggar"): the AK's flags, and a person's decision on each.

Only the AK's organisers and staff (volunteers never see a flag, their own or another's). The
review is a read of people's data, so it is audited per person it shows; each decision is
audited as the change it is.
"""

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from api.accounts import service as accounts
from api.accounts.access import CurrentManager, ManagedAk, SessionDep
from api.core.db import utcnow
from api.door_logs import plausibility
from api.live import events
from api.quality import decisions
from api.quality.flags import Flag

router = APIRouter(tags=["quality"])

FlagKey = Path(pattern=r"^[a-z_]+(-[0-9]+){1,4}$", max_length=80)


class FlagPublic(BaseModel):
    key: str
    kind: str
    day: date
    rests_on: str
    facts: dict[str, Any]
    user_id: int | None
    user_name: str | None
    district_id: int | None
    district_name: str | None
    decision: str | None = None
    decided_at: datetime | None = None
    voided: int | None = None


class ReviewPublic(BaseModel):
    flags: list[FlagPublic]
    resolved: list[FlagPublic]
    thresholds: dict[str, int]


def _public(flag: Flag, resolution: Any = None) -> FlagPublic:
    out = FlagPublic(
        key=flag.key,
        kind=flag.kind,
        day=flag.day,
        rests_on=flag.rests_on,
        facts=flag.facts,
        user_id=flag.user_id,
        user_name=flag.user_name,
        district_id=flag.district_id,
        district_name=flag.district_name,
    )
    if resolution is not None:
        out.decision = resolution.decision
        out.decided_at = resolution.decided_at
        out.voided = resolution.voided
    return out


THRESHOLDS = {
    "burst_doors_per_minute": plausibility.BURST_DOORS_PER_MINUTE,
    "max_doors_per_minute": plausibility.MAX_DOORS_PER_MINUTE,
    "contact_rate_min_doors": plausibility.CONTACT_RATE_MIN_DOORS,
    "contact_rate_percent": plausibility.CONTACT_RATE_PERCENT,
    "tally_times_usual": plausibility.TALLY_TIMES_USUAL,
    "flag_days": plausibility.FLAG_DAYS.days,
}


@router.get("/quality")
def quality_review(session: SessionDep, principal: CurrentManager, ak: ManagedAk) -> ReviewPublic:
    found = decisions.review(session=session, ak=ak, now=utcnow())
    shown = [f for f in found.open] + [f for f, _ in found.resolved]
    accounts.audit_list_read(
        session=session,
        actor_id=principal.id,
        action="quality.review",
        covered=[f.user_id for f in shown if f.user_id is not None],
        ak=ak.slug,
        detail=f"{len(found.open)} open flags",
    )
    session.commit()
    return ReviewPublic(
        flags=[_public(f) for f in found.open],
        resolved=[_public(f, r) for f, r in found.resolved],
        thresholds=THRESHOLDS,
    )


@router.post("/quality/flags/{key}/keep")
def keep_flag(
    session: SessionDep,
    principal: CurrentManager,
    ak: ManagedAk,
    key: str = FlagKey,
) -> FlagPublic:
    """ "Stämmer": the logs stay; the decision is audited and the flag leaves the open list."""
    flag, resolution = decisions.keep(
        session=session, principal=principal, ak=ak, key=key, now=utcnow()
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="quality.keep",
        target_user_id=flag.user_id,
        ak=ak.slug,
        detail=f"{flag.key}: {flag.rests_on}"[:200],
    )
    session.commit()
    return _public(flag, resolution)


@router.post("/quality/flags/{key}/void")
def void_flag(
    request: Request,
    session: SessionDep,
    principal: CurrentManager,
    ak: ManagedAk,
    key: str = FlagKey,
) -> FlagPublic:
    """Void the logs behind the flag: tombstones, totals change at once and live."""
    flag, resolution, years = decisions.void(
        session=session, principal=principal, ak=ak, key=key, now=utcnow()
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="quality.void",
        target_user_id=flag.user_id,
        ak=ak.slug,
        detail=f"{flag.key}: {resolution.voided} logs voided",
    )
    events.commit_and_announce(request.app.state, session, years)
    return _public(flag, resolution)
