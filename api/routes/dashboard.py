from typing import Any

from fastapi import APIRouter

from api.accounts.access import CurrentStaff, SessionDep
from api.core.db import utcnow
from api.core.types import Year
from api.totals import dashboard

router = APIRouter(tags=["totals"])


@router.get("/totals/overview")
def totals_overview(session: SessionDep, _: CurrentStaff, year: Year) -> dict[str, Any]:
    """The staff dashboard's views: pace per AK, weeks, topics, districts not yet visited."""
    return dashboard.overview(session=session, year=year, now=utcnow())
