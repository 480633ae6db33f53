from fastapi import APIRouter, Request, status

from api.accounts import service as accounts
from api.accounts.access import CurrentUser, SessionDep, require_organiser
from api.core.db import utcnow
from api.core.types import AkSlug, RowId, Year
from api.door_logs import tallies
from api.live import events
from api.models.campaigns import ChannelTally, ChannelTallyCreate, ChannelTallyPublic
from api.models.door_logs import Tally, TallyCreate, TallyPublic
from api.models.plan import Ak
from api.plan.catalogue import get_ak_by_slug

router = APIRouter(tags=["tallies"])


def tally_public(tally: Tally) -> TallyPublic:
    return TallyPublic.model_validate(tally.model_dump() | {"date": tally.day})


@router.post("/tallies", status_code=status.HTTP_201_CREATED)
def create_tally(
    body: TallyCreate, request: Request, session: SessionDep, principal: CurrentUser
) -> TallyPublic:
    tally = tallies.create_tally(session=session, principal=principal, tally_in=body, now=utcnow())
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="tally.create",
        detail=f"tally {tally.id}, district {tally.district_id}, {tally.day.isoformat()}",
    )
    events.commit_and_announce(request.app.state, session, [tally.day.year])
    return tally_public(tally)


@router.get("/tallies")
def list_tallies(
    session: SessionDep,
    principal: CurrentUser,
    ak: AkSlug,
    year: Year,
) -> list[TallyPublic]:
    the_ak = get_ak_by_slug(session=session, slug=ak)
    require_organiser(principal, the_ak.slug)
    found = [tally_public(t) for t in tallies.list_tallies(session=session, ak=the_ak, year=year)]
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="tallies.list",
        ak=the_ak.slug,
        detail=f"{year}: {len(found)} tallies",
    )
    session.commit()
    return found


@router.post("/tallies/{tally_id}/void")
def void_tally(
    tally_id: RowId,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
) -> TallyPublic:
    tally, years = tallies.void_tally(
        session=session, principal=principal, tally_id=tally_id, now=utcnow()
    )
    accounts.audit(
        session=session, actor_id=principal.id, action="tally.void", detail=f"tally {tally_id}"
    )
    events.commit_and_announce(request.app.state, session, years)
    return tally_public(tally)


def channel_tally_public(tally: ChannelTally, ak: str) -> ChannelTallyPublic:
    return ChannelTallyPublic.model_validate(tally.model_dump() | {"date": tally.day, "ak": ak})


@router.post("/channel-tallies", status_code=status.HTTP_201_CREATED)
def create_channel_tally(
    body: ChannelTallyCreate, request: Request, session: SessionDep, principal: CurrentUser
) -> ChannelTallyPublic:
    """Paper counts of a workplace visit or a stall: an AK and a date, no place, no employer."""
    tally = tallies.create_channel_tally(
        session=session, principal=principal, body=body, now=utcnow()
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="channel_tally.create",
        ak=body.ak,
        detail=f"tally {tally.id}, {tally.channel}, {tally.day.isoformat()}",
    )
    events.commit_and_announce(request.app.state, session, [tally.day.year])
    return channel_tally_public(tally, body.ak)


@router.get("/channel-tallies")
def list_channel_tallies(
    session: SessionDep, principal: CurrentUser, ak: AkSlug, year: Year
) -> list[ChannelTallyPublic]:
    the_ak = get_ak_by_slug(session=session, slug=ak)
    require_organiser(principal, the_ak.slug)
    found = tallies.list_channel_tallies(session=session, ak=the_ak, year=year)
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="channel_tallies.list",
        ak=the_ak.slug,
        detail=f"{year}: {len(found)} tallies",
    )
    session.commit()
    return [channel_tally_public(t, the_ak.slug) for t in found]


@router.post("/channel-tallies/{tally_id}/void")
def void_channel_tally(
    tally_id: RowId, request: Request, session: SessionDep, principal: CurrentUser
) -> ChannelTallyPublic:
    tally, years = tallies.void_channel_tally(
        session=session, principal=principal, tally_id=tally_id, now=utcnow()
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="channel_tally.void",
        detail=f"tally {tally_id}",
    )
    events.commit_and_announce(request.app.state, session, years)
    ak = session.get(Ak, tally.ak_id)
    return channel_tally_public(tally, ak.slug if ak else "")
