"""Staff confirm the successors of prioritised districts a re-districting retired."""

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, SessionDep
from api.core.errors import Conflict
from api.core.stockholm import stockholm_today
from api.core.types import MAX_ID, RowId
from api.live import events
from api.models.plan import DistrictPublic
from api.plan import catalogue, successors
from api.routes.districts import district_public

router = APIRouter(tags=["plan"])


class SuggestionPublic(SQLModel):
    district: DistrictPublic
    # The share of the retired district's area this district covers (0-1).
    share: float


class PendingPublic(SQLModel):
    district: DistrictPublic
    suggestions: list[SuggestionPublic]


class SuccessorsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    successor_ids: Annotated[
        list[Annotated[int, PydanticField(ge=1, le=MAX_ID)]],
        PydanticField(min_length=1, max_length=successors.MAX_SUCCESSORS),
    ]


class ConfirmedPublic(SQLModel):
    district: DistrictPublic
    successors: list[DistrictPublic]
    assignments_moved: int


@router.get("/districts/successors")
def pending_successors(session: SessionDep, _: CurrentStaff) -> list[PendingPublic]:
    """Retired prioritised districts waiting for staff to confirm their successors."""
    slugs = catalogue.ak_slugs_by_id(session=session)
    return [
        PendingPublic(
            district=district_public(p.district, slugs[p.district.ak_id]),
            suggestions=[
                SuggestionPublic(
                    district=district_public(s.district, slugs[s.district.ak_id]), share=s.share
                )
                for s in p.suggestions
            ],
        )
        for p in successors.pending(session=session)
    ]


@router.post("/districts/{district_id}/successors")
def confirm_successors(
    district_id: RowId,
    body: SuccessorsIn,
    request: Request,
    session: SessionDep,
    principal: CurrentStaff,
) -> ConfirmedPublic:
    """One action: the successors become prioritised and take over the current assignments."""
    today = stockholm_today()
    done = successors.confirm(
        session=session,
        retired_id=district_id,
        successor_ids=body.successor_ids,
        actor_id=principal.id,
        today=today,
    )
    slugs = catalogue.ak_slugs_by_id(session=session)
    slug = slugs[done.retired.ak_id]
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="district.successors",
        ak=slug,
        detail=f"{done.retired.code} → {', '.join(d.code for d in done.successors)}; "
        f"{done.assignments_moved} uppdrag flyttade",
    )
    try:
        events.commit_and_announce(request.app.state, session, [today.year])
    except IntegrityError:
        # The same confirmation, sent twice at once: the first one stands.
        session.rollback()
        raise Conflict("successor_confirmed", "Ersättaren är redan bekräftad.") from None
    return ConfirmedPublic(
        district=district_public(done.retired, slug),
        successors=[district_public(d, slug) for d in done.successors],
        assignments_moved=done.assignments_moved,
    )
