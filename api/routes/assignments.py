from datetime import date

from fastapi import APIRouter, status
from sqlmodel import SQLModel

from api.accounts import service as accounts
from api.accounts.access import CurrentUser, SessionDep, require_organiser
from api.core.stockholm import stockholm_today
from api.core.types import AkSlug, RowId
from api.door_logs import assignments
from api.models.accounts import User, UserPublic
from api.models.door_logs import AssignmentCreate
from api.models.plan import DistrictPublic
from api.plan.catalogue import get_ak_by_slug
from api.routes.districts import district_public
from api.totals.queries import progress

router = APIRouter(tags=["assignments"])


class Progress(SQLModel):
    doors_year: int
    conversations_year: int
    doors_today: int
    conversations_today: int


class AssignmentPublic(SQLModel):
    id: int
    district: DistrictPublic
    user: UserPublic
    starts_on: date | None
    ends_on: date | None


class MyAssignmentPublic(SQLModel):
    id: int
    district: DistrictPublic
    starts_on: date | None
    ends_on: date | None
    progress: Progress


@router.post("/assignments", status_code=status.HTTP_201_CREATED)
def create_assignment(
    body: AssignmentCreate, session: SessionDep, principal: CurrentUser
) -> AssignmentPublic:
    assignment, district, ak = assignments.create_assignment(
        session=session, principal=principal, assignment_in=body
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="assignment.create",
        target_user_id=assignment.user_id,
        ak=ak.slug,
        detail=f"district {district.code}",
    )
    session.commit()
    user = session.get(User, assignment.user_id)
    assert assignment.id is not None and user is not None and user.id is not None
    return AssignmentPublic(
        id=assignment.id,
        district=district_public(district, ak.slug),
        user=UserPublic(id=user.id, name=user.name, role=user.role),
        starts_on=assignment.starts_on,
        ends_on=assignment.ends_on,
    )


@router.delete("/assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_assignment(
    assignment_id: RowId,
    session: SessionDep,
    principal: CurrentUser,
) -> None:
    removed = assignments.delete_assignment(
        session=session, principal=principal, assignment_id=assignment_id
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="assignment.delete",
        target_user_id=removed.user_id,
        detail=f"assignment {assignment_id}",
    )
    session.commit()


@router.get("/assignments")
def list_assignments(
    session: SessionDep,
    principal: CurrentUser,
    ak: AkSlug,
) -> list[AssignmentPublic]:
    the_ak = get_ak_by_slug(session=session, slug=ak)
    require_organiser(principal, the_ak.slug)
    out = []
    for a, district, user in assignments.list_for_ak(session=session, ak=the_ak):
        assert a.id is not None and user.id is not None
        out.append(
            AssignmentPublic(
                id=a.id,
                district=district_public(district, the_ak.slug),
                user=UserPublic(id=user.id, name=user.name, role=user.role),
                starts_on=a.starts_on,
                ends_on=a.ends_on,
            )
        )
    # Who is assigned where is people's data: the read is audited.
    accounts.audit_list_read(
        session=session,
        actor_id=principal.id,
        action="assignments.list",
        ak=the_ak.slug,
        covered=[a.user.id for a in out],
        detail=f"{len(out)} assignments",
    )
    session.commit()
    return out


@router.get("/assignments/mine")
def my_assignments(session: SessionDep, principal: CurrentUser) -> list[MyAssignmentPublic]:
    today = stockholm_today()
    rows = assignments.list_current_for_user(session=session, user_id=principal.id, today=today)
    figures = progress(
        session=session, district_ids=[d.id for _, d, _ in rows if d.id is not None], today=today
    )
    out = []
    for a, district, ak in rows:
        assert a.id is not None and district.id is not None
        out.append(
            MyAssignmentPublic(
                id=a.id,
                district=district_public(district, ak.slug),
                starts_on=a.starts_on,
                ends_on=a.ends_on,
                progress=Progress.model_validate(figures[district.id]),
            )
        )
    return out
