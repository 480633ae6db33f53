from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.accounts.access import CurrentStaff, SessionDep
from api.core.db import utcnow
from api.totals import dashboard

router = APIRouter(tags=["totals"])


@router.get("/totals/overview")
def totals_overview(
    session: SessionDep, _: CurrentStaff, year: Annotated[int, Query(ge=2000, le=2100)]
) -> dict[str, Any]:
    """The staff dashboard's views: pace per AK, weeks, topics, districts not yet visited."""
    return dashboard.overview(session=session, year=year, now=utcnow())
