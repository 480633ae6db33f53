from datetime import date
from typing import Any

from fastapi import APIRouter, Request, status
from sqlmodel import Session, SQLModel, select
from starlette.concurrency import run_in_threadpool

from api.accounts import service as accounts
from api.accounts.access import (
    BearerCredentials,
    CurrentStaff,
    CurrentUser,
    SessionDep,
    principal_for_token,
    request_token,
    require_organiser,
)
from api.core.db import utcnow
from api.core.errors import Forbidden
from api.core.stockholm import stockholm_today
from api.core.types import AkSlug, Year
from api.models.plan import (
    Ak,
    DistrictPublic,
    MemberRegisterChange,
    MemberRegisterIn,
    MemberRegisterPublic,
)
from api.plan.catalogue import get_ak_by_slug, list_districts
from api.routes.assignments import Progress
from api.routes.districts import district_public
from api.totals import coverage
from api.totals import queries as totals

router = APIRouter(tags=["totals"])


class Figures(SQLModel):
    conversations: int
    conversation_goal: int
    doors: int
    members: int
    member_goal: int
    recruits: int = 0  # sign-ups from every channel (members: at a door only)
    workplace_conversations: int = 0  # beside Bilaga 1, never in it
    stall_conversations: int = 0


class AkFigures(Figures):
    ak: str
    name: str


class TotalsPublic(SQLModel):
    year: int
    aks: list[AkFigures]
    total: Figures


class DistrictProgress(SQLModel):
    district: DistrictPublic
    progress: Progress


# Every dashboard and phone reads this: the session check and the read go through the thread
# pool in ONE hop, where SessionDep and CurrentUser took three (docs/BENCHMARKS.md). It answers
# exactly as CurrentUser would (401, 403 while TOTP is pending).
@router.get("/totals")
async def get_totals(request: Request, credentials: BearerCredentials, year: Year) -> TotalsPublic:
    token = request_token(request, credentials.credentials if credentials else None)
    return await run_in_threadpool(_read_totals, request.app.state, token, year)


def _read_totals(state: Any, token: str | None, year: int) -> TotalsPublic:
    with Session(state.engine) as session:
        principal_for_token(session, state.settings, token)
        return TotalsPublic.model_validate(totals.totals(session=session, year=year))


@router.get("/totals/pace")
def get_pace(session: SessionDep, _: CurrentUser, year: Year) -> dict[str, Any]:
    """Per AK against the share of the year (or campaign period) passed, with the register."""
    return totals.pace(session=session, year=year, now=utcnow())


def _organised_ak(session: SessionDep, principal: CurrentUser, ak: str) -> Ak:
    the_ak = get_ak_by_slug(session=session, slug=ak)
    require_organiser(principal, the_ak.slug)
    return the_ak


@router.get("/totals/districts")
def totals_per_district(
    session: SessionDep, principal: CurrentUser, year: Year, ak: AkSlug
) -> list[dict[str, Any]]:
    the_ak = _organised_ak(session, principal, ak)
    return totals.per_district(session=session, year=year, ak=the_ak)


@router.get("/totals/where-to-knock")
def where_to_knock(
    session: SessionDep, principal: CurrentUser, year: Year, ak: AkSlug
) -> dict[str, Any]:
    """Per district: doors against estimated households and valdeltagande; the AK's prioritised
    districts ranked by low turnout and low coverage (the assumption is in the answer)."""
    the_ak = _organised_ak(session, principal, ak)
    return coverage.where_to_knock(session=session, ak=the_ak, year=year)


@router.get("/totals/weeks")
def totals_per_week(
    session: SessionDep, principal: CurrentUser, year: Year, ak: AkSlug
) -> list[dict[str, Any]]:
    the_ak = _organised_ak(session, principal, ak)
    return totals.per_week(session=session, year=year, ak=the_ak)


@router.get("/totals/volunteers")
def totals_per_volunteer(
    session: SessionDep, principal: CurrentUser, year: Year, ak: AkSlug
) -> list[dict[str, Any]]:
    the_ak = _organised_ak(session, principal, ak)
    rows = totals.per_volunteer(session=session, year=year, ak=the_ak)
    # Per-volunteer figures are people's data: the read is audited.
    accounts.audit_list_read(
        session=session,
        actor_id=principal.id,
        action="totals.volunteers",
        ak=the_ak.slug,
        covered=[int(r["user_id"]) for r in rows],
        detail=str(year),
    )
    session.commit()
    return rows


@router.get("/totals/topics")
def totals_per_topic(
    session: SessionDep, principal: CurrentUser, year: Year, ak: AkSlug | None = None
) -> list[dict[str, Any]]:
    if ak is None:
        if not principal.is_staff:
            raise Forbidden("forbidden", "Only district staff may see every AK's topics")
        return totals.per_topic(session=session, year=year, ak=None)
    return totals.per_topic(session=session, year=year, ak=_organised_ak(session, principal, ak))


@router.get("/districts/progress")
def districts_progress(
    session: SessionDep, principal: CurrentUser, ak: AkSlug
) -> list[DistrictProgress]:
    the_ak = get_ak_by_slug(session=session, slug=ak)
    if the_ak.slug not in principal.aks and not principal.is_staff:
        raise Forbidden("forbidden", "Only people of this AK may see its districts")
    districts = list_districts(session=session, ak=the_ak)
    figures = totals.progress(
        session=session,
        district_ids=[d.id for d in districts if d.id is not None],
        today=stockholm_today(),
    )
    return [
        DistrictProgress(
            district=district_public(d, the_ak.slug),
            progress=Progress.model_validate(figures[d.id]),  # type: ignore[index]
        )
        for d in districts
    ]


@router.post("/member-register", status_code=status.HTTP_201_CREATED)
def record_member_register(
    body: MemberRegisterIn, session: SessionDep, staff: CurrentStaff
) -> MemberRegisterPublic:
    """The register's net change for an AK on a date; a second entry for the date replaces it."""
    the_ak = get_ak_by_slug(session=session, slug=body.ak)
    row = session.exec(
        select(MemberRegisterChange).where(
            MemberRegisterChange.ak_id == the_ak.id, MemberRegisterChange.day == body.date
        )
    ).first()
    if row is None:
        assert the_ak.id is not None
        row = MemberRegisterChange(
            ak_id=the_ak.id, day=body.date, net_change=body.net_change, recorded_by=staff.id
        )
    row.net_change, row.recorded_by, row.recorded_at = body.net_change, staff.id, utcnow()
    session.add(row)
    accounts.audit(
        session=session,
        actor_id=staff.id,
        action="member_register.record",
        ak=the_ak.slug,
        detail=f"{body.date.isoformat()}: {body.net_change:+d}",
    )
    session.commit()
    return MemberRegisterPublic(ak=the_ak.slug, date=row.day, net_change=row.net_change)


@router.get("/member-register")
def list_member_register(
    session: SessionDep, _: CurrentUser, year: Year
) -> list[MemberRegisterPublic]:
    rows = session.exec(
        select(MemberRegisterChange, Ak)
        .join(Ak, Ak.id == MemberRegisterChange.ak_id)  # type: ignore[arg-type]
        .where(MemberRegisterChange.day >= date(year, 1, 1))
        .where(MemberRegisterChange.day <= date(year, 12, 31))
        .order_by(MemberRegisterChange.day)  # type: ignore[arg-type]
    ).all()
    return [MemberRegisterPublic(ak=a.slug, date=r.day, net_change=r.net_change) for r, a in rows]
