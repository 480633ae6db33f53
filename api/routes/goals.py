from typing import Annotated

from fastapi import APIRouter, Query

from api.accounts.access import CurrentUser, SessionDep
from api.models.plan import GoalPublic
from api.plan import catalogue

router = APIRouter(tags=["plan"])


@router.get("/goals")
def list_goals(
    session: SessionDep,
    _: CurrentUser,
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> list[GoalPublic]:
    return [
        GoalPublic(ak=ak.slug, year=g.year, conversations=g.conversations, members=g.members)
        for g, ak in catalogue.list_goals(session=session, year=year)
    ]
