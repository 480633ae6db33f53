from fastapi import APIRouter
from fastapi.responses import Response

from api.accounts.access import CurrentUser, SessionDep
from api.core.types import Year
from api.models.plan import Ak
from api.plan import catalogue
from api.totals import dashboard, exports

router = APIRouter(tags=["exports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _tables(session: SessionDep, principal: CurrentUser, year: int) -> dict[str, list[list]]:  # type: ignore[type-arg]
    # Per-district and per-week detail only for AKs the caller organises (staff: all).
    detail: list[Ak] = [
        a for a in catalogue.list_aks(session=session) if principal.organises(a.slug)
    ]
    return dashboard.export_rows(session=session, year=year, detail_aks=detail)


@router.get(
    "/exports/totals.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_csv(session: SessionDep, principal: CurrentUser, year: Year) -> Response:
    """Per AK (with the plan's goals), per district and per week; `;`-separated, UTF-8 BOM."""
    body = exports.to_csv(year, _tables(session, principal, year))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="knacka-{year}.csv"'},
    )


@router.get(
    "/exports/totals.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def export_xlsx(session: SessionDep, principal: CurrentUser, year: Year) -> Response:
    """The same three tables as the CSV, one sheet each."""
    body = exports.to_xlsx(year, _tables(session, principal, year))
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="knacka-{year}.xlsx"'},
    )
