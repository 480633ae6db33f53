"""District outlines as GeoJSON for the PWA's maps (Källa: Valmyndigheten).

Readable by every signed-in user: boundaries are public data and hold nothing about people.
Answers may be cached by the browser and kept offline by the PWA.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from api.accounts.access import CurrentUser, SessionDep, SettingsDep
from api.core.types import SLUG_PATTERN
from api.models.plan import MapConfigPublic
from api.plan import catalogue, district_maps
from api.plan.district_import import ATTRIBUTION

router = APIRouter(tags=["maps"])

GEOJSON = "application/geo+json"
_GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "GeoJSON FeatureCollection (WGS84) with an attribution member",
        "content": {GEOJSON: {"schema": {"type": "object"}}},
    },
    304: {"description": "Not modified (If-None-Match)"},
}


def _geojson(body: str, if_none_match: str | None) -> Response:
    tag = district_maps.etag(body)
    headers = {"ETag": tag, "Cache-Control": "private, max-age=3600", "Vary": "Authorization"}
    if if_none_match is not None and tag in (t.strip() for t in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=GEOJSON, headers=headers)


@router.get("/districts/geometry", response_class=Response, responses=_GEOJSON_RESPONSE)
def districts_geometry(
    session: SessionDep,
    _: CurrentUser,
    ak: Annotated[
        str | None,
        Query(max_length=40, pattern=SLUG_PATTERN, description="AK slug; all AKs if left out"),
    ] = None,
    year: Annotated[
        int | None,
        Query(ge=2000, le=2100, description="The division that year's counts sit on"),
    ] = None,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Outlines of the active districts of one AK, or of all AKs; with `year`, the districts
    that year was counted on (retired ones included, across a re-districting)."""
    the_ak = catalogue.get_ak_by_slug(session=session, slug=ak) if ak is not None else None
    if year is None:
        rows = district_maps.active_outlines(session=session, ak=the_ak)
    else:
        rows = district_maps.outlines_for_year(session=session, ak=the_ak, year=year)
    return _geojson(district_maps.feature_collection(rows), if_none_match)


@router.get(
    "/districts/{district_id}/geometry", response_class=Response, responses=_GEOJSON_RESPONSE
)
def district_geometry(
    session: SessionDep,
    _: CurrentUser,
    district_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """One district's outline, retired districts included."""
    row = district_maps.district_outline(session=session, district_id=district_id)
    return _geojson(district_maps.feature_collection([row]), if_none_match)


@router.get("/maps/config")
def map_config(settings: SettingsDep, _: CurrentUser) -> MapConfigPublic:
    """What the PWA needs to draw maps: the optional basemap and the boundaries' source."""
    return MapConfigPublic(
        tile_url=settings.map_tile_url or None,
        tile_attribution=settings.map_tile_attribution or None,
        attribution=ATTRIBUTION,
    )
