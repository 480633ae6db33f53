from fastapi import APIRouter

from api.accounts.access import CurrentUser, SessionDep
from api.core.types import Year
from api.models.plan import GoalPublic
from api.plan import catalogue

router = APIRouter(tags=["plan"])


@router.get("/goals")
def list_goals(
    session: SessionDep,
    _: CurrentUser,
    year: Year,
) -> list[GoalPublic]:
    return [
        GoalPublic(ak=ak.slug, year=g.year, conversations=g.conversations, members=g.members)
        for g, ak in catalogue.list_goals(session=session, year=year)
    ]
