from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from api.accounts.access import CurrentUser, SessionDep
from api.core.db import utcnow
from api.core.types import MAX_ID, SLUG_PATTERN
from api.door_logs import tallies
from api.door_logs.assignments import require_organiser
from api.live import events
from api.models.door_logs import Tally, TallyCreate, TallyPublic
from api.plan.catalogue import get_ak_by_slug

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter(tags=["tallies"])


def tally_public(tally: Tally) -> TallyPublic:
    return TallyPublic.model_validate(tally.model_dump() | {"date": tally.day})


@router.post("/tallies", status_code=status.HTTP_201_CREATED)
def create_tally(
    body: TallyCreate, request: Request, session: SessionDep, principal: CurrentUser
) -> TallyPublic:
    tally = tallies.create_tally(session=session, principal=principal, tally_in=body, now=utcnow())
    session.commit()
    events.counts_changed(request.app.state, [tally.day.year])
    return tally_public(tally)


@router.get("/tallies")
def list_tallies(
    session: SessionDep,
    principal: CurrentUser,
    ak: Annotated[str, Query(max_length=40, pattern=SLUG_PATTERN, description="AK slug")],
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> list[TallyPublic]:
    the_ak = get_ak_by_slug(session=session, slug=ak)
    require_organiser(principal, the_ak.slug)
    return [tally_public(t) for t in tallies.list_tallies(session=session, ak=the_ak, year=year)]


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
    session.commit()
    if years:
        events.counts_changed(request.app.state, years)
    return tally_public(tally)
