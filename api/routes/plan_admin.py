"""Staff edit goals and districts; every edit wakes the live dashboards at once."""

from fastapi import APIRouter, Request, status

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, SessionDep
from api.core.errors import NotFound
from api.core.stockholm import stockholm_today
from api.core.types import AkPath, RowId, YearPath
from api.live import events
from api.models.plan import Ak, District, DistrictPublic, GoalPublic
from api.plan import admin as plan_admin
from api.plan.catalogue import get_ak_by_slug
from api.routes.districts import district_public

router = APIRouter(tags=["plan"])


@router.put("/goals/{ak}/{year}")
def set_goal(
    ak: AkPath,
    year: YearPath,
    body: plan_admin.GoalIn,
    request: Request,
    session: SessionDep,
    principal: CurrentStaff,
) -> GoalPublic:
    """The AK's Bilaga 1 and 2 goals for a year; a second PUT replaces them."""
    the_ak = get_ak_by_slug(session=session, slug=ak)
    goal = plan_admin.set_goal(session=session, ak=the_ak, year=year, goal_in=body)
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="goal.set",
        ak=the_ak.slug,
        detail=f"{year}: {body.conversations} samtal, {body.members} medlemmar",
    )
    events.commit_and_announce(request.app.state, session, [year])
    return GoalPublic(
        ak=the_ak.slug, year=year, conversations=goal.conversations, members=goal.members
    )


@router.post("/districts", status_code=status.HTTP_201_CREATED)
def create_district(
    body: plan_admin.DistrictCreate, request: Request, session: SessionDep, principal: CurrentStaff
) -> DistrictPublic:
    the_ak = get_ak_by_slug(session=session, slug=body.ak)
    district = plan_admin.create_district(session=session, ak=the_ak, district_in=body)
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="district.create",
        ak=the_ak.slug,
        detail=district.code,
    )
    events.commit_and_announce(request.app.state, session, [stockholm_today().year])
    return district_public(district, the_ak.slug)


@router.patch("/districts/{district_id}")
def update_district(
    district_id: RowId,
    body: plan_admin.DistrictUpdate,
    request: Request,
    session: SessionDep,
    principal: CurrentStaff,
) -> DistrictPublic:
    """Rename, (de)prioritise, retire (active=false) or restore a district."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound("district_not_found", "Finns inte.")
    plan_admin.update_district(session=session, district=district, update=body)
    ak = session.get(Ak, district.ak_id)
    assert ak is not None
    slug = ak.slug
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="district.update",
        ak=slug,
        detail=f"{district.code}: " + ", ".join(body.model_dump(exclude_none=True)),
    )
    events.commit_and_announce(request.app.state, session, [stockholm_today().year])
    return district_public(district, slug)
