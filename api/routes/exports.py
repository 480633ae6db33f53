import json
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.accounts.access import CurrentUser, SessionDep
from api.campaigns import exports as campaign_exports
from api.campaigns import insights
from api.core.db import utcnow
from api.core.types import MAX_ID, OptionalAkSlug, OptionalDistrict, Year
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


def _insights(
    session: SessionDep,
    principal: CurrentUser,
    campaign_id: int,
    ak: str | None,
    district: int | None,
) -> dict[str, Any]:
    ak = insights.authorised_scope(
        session=session, principal=principal, campaign_id=campaign_id, ak=ak, district_id=district
    )
    # Through JSON, so the file holds exactly what GET …/insights answers.
    body: dict[str, Any] = json.loads(
        json.dumps(
            insights.insights(
                session=session, campaign_id=campaign_id, ak=ak, district_id=district, now=utcnow()
            ),
            default=str,
        )
    )
    return body


def _filename(campaign_id: int, ak: str | None, district: int | None, ext: str) -> str:
    scope = f"-d{district}" if district else f"-{ak}" if ak else ""
    return f'attachment; filename="knacka-kampanj-{campaign_id}{scope}.{ext}"'


@router.get(
    "/exports/campaigns/{campaign_id}/insights.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_insights_csv(
    campaign_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    principal: CurrentUser,
    ak: OptionalAkSlug = None,
    district_id: OptionalDistrict = None,
) -> Response:
    """A campaign's insights (as GET /api/campaigns/{id}/insights): overview, weeks, topics,
    answers; a breakdown hidden below the threshold reads "färre än 10 samtal"."""
    body = _insights(session, principal, campaign_id, ak, district_id)
    return Response(
        campaign_exports.to_csv(body),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _filename(campaign_id, ak, district_id, "csv")},
    )


@router.get(
    "/exports/campaigns/{campaign_id}/insights.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def export_insights_xlsx(
    campaign_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    principal: CurrentUser,
    ak: OptionalAkSlug = None,
    district_id: OptionalDistrict = None,
) -> Response:
    """The same four tables as the CSV, one sheet each."""
    body = _insights(session, principal, campaign_id, ak, district_id)
    return Response(
        campaign_exports.to_xlsx(body),
        media_type=XLSX,
        headers={"Content-Disposition": _filename(campaign_id, ak, district_id, "xlsx")},
    )
