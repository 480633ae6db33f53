"""Staff edits of the plan: goals per AK and year, and the districts (valdistrikt).

A retired district is never deleted: its logs, rollups and boundary stay, so old years still
add up; it only leaves the active lists (districts, progress, sync targets).
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlmodel import Session, select

from api.core.db import utcnow
from api.core.errors import Conflict, Invalid
from api.core.types import DistrictCode, DistrictName, Slug
from api.models.plan import Ak, District, Goal

Name = DistrictName

Count = Annotated[int, PydanticField(ge=0, le=10_000_000)]


class GoalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversations: Count
    members: Count


class DistrictCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ak: Slug
    code: DistrictCode
    name: Name
    prioritised: bool = False
    plan_name: Name | None = None


class DistrictUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    prioritised: bool | None = None
    plan_name: Name | None = None
    # False retires the district (history kept); True brings it back.
    active: bool | None = None


def set_goal(*, session: Session, ak: Ak, year: int, goal_in: GoalIn) -> Goal:
    """Creates or replaces the AK's goals for the year (a new plan year starts here)."""
    goal = session.exec(select(Goal).where(Goal.ak_id == ak.id, Goal.year == year)).first()
    if goal is None:
        assert ak.id is not None
        goal = Goal(ak_id=ak.id, year=year, conversations=0, members=0)
    goal.conversations, goal.members, goal.updated_at = (
        goal_in.conversations,
        goal_in.members,
        utcnow(),
    )
    session.add(goal)
    return goal


def create_district(*, session: Session, ak: Ak, district_in: DistrictCreate) -> District:
    if not district_in.code.startswith(ak.kommun_code):
        raise Invalid("code_not_in_kommun", f"Koden ska börja med kommunkoden {ak.kommun_code}.")
    if session.exec(select(District).where(District.code == district_in.code)).first():
        raise Conflict("district_code_taken", "Det finns redan ett valdistrikt med koden.")
    assert ak.id is not None
    district = District(
        ak_id=ak.id,
        code=district_in.code,
        name=district_in.name,
        prioritised=district_in.prioritised,
        plan_name=district_in.plan_name,
    )
    session.add(district)
    session.flush()
    return district


def update_district(*, session: Session, district: District, update: DistrictUpdate) -> District:
    if update.name is not None:
        district.name = update.name
    if update.prioritised is not None:
        district.prioritised = update.prioritised
    if update.plan_name is not None:
        district.plan_name = update.plan_name
    if update.active is False and district.active:
        district.active, district.retired_at = False, utcnow()
    elif update.active is True and not district.active:
        district.active, district.retired_at = True, None
    district.updated_at = utcnow()
    session.add(district)
    return district
