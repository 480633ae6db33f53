"""Assignments: an organiser gives a volunteer a district of their AK, maybe for a period."""

from datetime import date

from sqlmodel import Session, col, or_, select

from api.accounts.access import Principal, require_organiser
from api.core.errors import Invalid, not_found
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
        raise not_found("district_not_found", "No such district")
    return row


def create_assignment(
    *, session: Session, principal: Principal, assignment_in: AssignmentCreate
) -> tuple[Assignment, District, Ak]:
    district, ak = district_with_ak(session=session, district_id=assignment_in.district_id)
    require_organiser(principal, ak.slug)
    user = session.get(User, assignment_in.user_id)
    if user is None or user.erased_at is not None or user.disabled:
        raise not_found("user_not_found", "No such user")
    if user.role != Role.volunteer:
        raise Invalid("not_a_volunteer", "Only volunteers are assigned districts")
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


def delete_assignment(*, session: Session, principal: Principal, assignment_id: int) -> None:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise not_found("assignment_not_found", "No such assignment")
    _, ak = district_with_ak(session=session, district_id=assignment.district_id)
    require_organiser(principal, ak.slug)
    session.delete(assignment)


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
