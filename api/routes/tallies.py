from fastapi import APIRouter, Request, status

from api.accounts import service as accounts
from api.accounts.access import CurrentUser, SessionDep, require_organiser
from api.core.db import utcnow
from api.core.types import AkSlug, RowId, Year
from api.door_logs import tallies
from api.live import events
from api.models.door_logs import Tally, TallyCreate, TallyPublic
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
