"""A person's decision on a flag: "stämmer" (keep) or void the logs behind it.

Never automatic: only these two calls change anything, each by a named organiser or staff,
each audited by its route. A void is the logs' own void (tombstones, rollups taken down in the
same transaction, announced live by the route); only logs still within the 30 days a log can be
voided, and for an organiser only those in the districts of the AKs they organise.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from api.accounts.access import Principal
from api.core.errors import Conflict, NotFound
from api.door_logs import plausibility, tallies
from api.door_logs.ingest import void_rows_counted
from api.models.accounts import Role
from api.models.door_logs import QualityResolution
from api.models.plan import Ak
from api.quality.flags import Flag, compute_flags, logs_behind

KEEP = "keep"
VOID = "void"

_t = SQLModel.metadata.tables


@dataclass
class Review:
    open: list[Flag]
    resolved: list[tuple[Flag, QualityResolution]]


def review(*, session: Session, ak: Ak, now: datetime) -> Review:
    """The AK's flags: those still open, and those a person has decided on (while they last)."""
    flags = compute_flags(session=session, ak=ak, now=now)
    decided = resolutions(session=session, keys=[f.key for f in flags])
    return Review(
        open=[f for f in flags if f.key not in decided],
        resolved=[(f, decided[f.key]) for f in flags if f.key in decided],
    )


def resolutions(*, session: Session, keys: list[str]) -> dict[str, QualityResolution]:
    if not keys:
        return {}
    rows = session.execute(
        select(QualityResolution).where(col(QualityResolution.flag_key).in_(keys))
    ).scalars()
    return {r.flag_key: r for r in rows}


def _open_flag(*, session: Session, ak: Ak, key: str, now: datetime) -> Flag:
    for flag in compute_flags(session=session, ak=ak, now=now):
        if flag.key == key:
            if resolutions(session=session, keys=[key]):
                raise Conflict("flag_resolved", "Någon har redan avgjort den här flaggan.")
            return flag
    raise NotFound("flag_not_found", "Flaggan finns inte (längre).")


def _record(
    *,
    session: Session,
    flag: Flag,
    decision: str,
    principal: Principal,
    ak: Ak,
    voided: int,
    now: datetime,
) -> QualityResolution:
    resolution = QualityResolution(
        flag_key=flag.key,
        kind=flag.kind,
        decision=decision,
        subject_user_id=flag.user_id,
        decided_by=principal.id,
        ak=ak.slug,
        voided=voided,
        decided_at=now,
    )
    session.add(resolution)
    try:
        session.flush()
    except IntegrityError:  # another organiser decided at the same moment
        session.rollback()
        raise Conflict("flag_resolved", "Någon har redan avgjort den här flaggan.") from None
    return resolution


def keep(
    *, session: Session, principal: Principal, ak: Ak, key: str, now: datetime
) -> tuple[Flag, QualityResolution]:
    """ "Stämmer": the logs stay as they are; the flag leaves the open list."""
    flag = _open_flag(session=session, ak=ak, key=key, now=now)
    return flag, _record(
        session=session, flag=flag, decision=KEEP, principal=principal, ak=ak, voided=0, now=now
    )


def void(
    *, session: Session, principal: Principal, ak: Ak, key: str, now: datetime
) -> tuple[Flag, QualityResolution, set[int]]:
    """Void the logs behind the flag; returns the years whose counts changed."""
    flag = _open_flag(session=session, ak=ak, key=key, now=now)
    if flag.tally_id is not None:
        tally, years = tallies.void_tally(
            session=session, principal=principal, tally_id=flag.tally_id, now=now
        )
        voided = tally.conversation + tally.not_home + tally.declined + tally.no_access
    else:
        door_log = _t["door_log"]
        where = and_(logs_behind(flag), door_log.c.received_at >= now - plausibility.MAX_AGE)
        if principal.role != Role.staff:
            district, ak_t = _t["district"], _t["ak"]
            reach = (
                select(district.c.id)
                .join(ak_t, district.c.ak_id == ak_t.c.id)
                .where(ak_t.c.slug.in_(principal.aks))
            )
            where = and_(where, door_log.c.district_id.in_(reach))
        voided, years = void_rows_counted(
            session=session, where=where, caller_id=principal.id, now=now
        )
    resolution = _record(
        session=session,
        flag=flag,
        decision=VOID,
        principal=principal,
        ak=ak,
        voided=voided,
        now=now,
    )
    return flag, resolution, years
