"""Assignments: an organiser gives a volunteer a district of their AK, maybe for a period."""

from datetime import date

from sqlmodel import Session, col, or_, select

from api.accounts.access import Principal, hidden, may_manage_user, require_manager, require_reach
from api.accounts.users import user_ak_slugs
from api.core.errors import Invalid
from api.models.accounts import Role, User
from api.models.door_logs import Assignment, AssignmentCreate
from api.models.plan import Ak, District


def district_with_ak(*, session: Session, district_id: int) -> tuple[District, Ak]:
    row = session.exec(
        select(District, Ak)
        .join(Ak, col(Ak.id) == col(District.ak_id))
        .where(District.id == district_id)
    ).first()
    if row is None:
        raise hidden("district")
    return row


def create_assignment(
    *, session: Session, principal: Principal, assignment_in: AssignmentCreate
) -> tuple[Assignment, District, Ak]:
    require_manager(principal)
    district, ak = district_with_ak(session=session, district_id=assignment_in.district_id)
    require_reach(principal, ak.slug, "district")
    # The assignee is an id in the body: checked against the caller's reach like the district.
    # Anyone who is not an active volunteer the caller manages answers as if missing, so the
    # answer tells no staff id from a volunteer id and no other AK's person from nobody.
    user = session.get(User, assignment_in.user_id)
    if (
        user is None
        or user.erased_at is not None
        or user.disabled
        or user.role != Role.volunteer
        or not may_manage_user(principal, user, user_ak_slugs(session=session, user=user))
    ):
        raise hidden("user")
    starts, ends = assignment_in.starts_on, assignment_in.ends_on
    if starts is not None and ends is not None and ends < starts:
        raise Invalid("invalid_period", "The period ends before it starts")
    assignment = Assignment(
        district_id=assignment_in.district_id,
        user_id=assignment_in.user_id,
        starts_on=starts,
        ends_on=ends,
        created_by=principal.id,
    )
    session.add(assignment)
    session.flush()
    return assignment, district, ak


def delete_assignment(*, session: Session, principal: Principal, assignment_id: int) -> Assignment:
    require_manager(principal)
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise hidden("assignment")
    _, ak = district_with_ak(session=session, district_id=assignment.district_id)
    require_reach(principal, ak.slug, "assignment")
    session.delete(assignment)
    return assignment


def list_for_ak(*, session: Session, ak: Ak) -> list[tuple[Assignment, District, User]]:
    rows = session.exec(
        select(Assignment, District, User)
        .join(District, col(District.id) == col(Assignment.district_id))
        .join(User, col(User.id) == col(Assignment.user_id))
        .where(District.ak_id == ak.id)
        .order_by(col(Assignment.id))
    ).all()
    return list(rows)


def list_current_for_user(
    *, session: Session, user_id: int, today: date
) -> list[tuple[Assignment, District, Ak]]:
    """The user's assignments that have not ended (including ones that start later)."""
    rows = session.exec(
        select(Assignment, District, Ak)
        .join(District, col(District.id) == col(Assignment.district_id))
        .join(Ak, col(Ak.id) == col(District.ak_id))
        .where(
            Assignment.user_id == user_id,
            or_(col(Assignment.ends_on).is_(None), col(Assignment.ends_on) >= today),
        )
        .order_by(col(Assignment.starts_on), col(Assignment.id))
    ).all()
    return list(rows)
