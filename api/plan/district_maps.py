"""District outlines for maps: GeoJSON for the PWA and a point-in-polygon service.

The outlines are stored ready to send (simplified WGS84 GeoJSON text), so a map request only
stitches strings together: no geometry is parsed on the way out.
"""

import hashlib
import json
import math

import shapely
from shapely.geometry import shape
from sqlmodel import Session, col, or_, select

from api.core.errors import not_found
from api.models.door_logs import DoorCountYear
from api.models.plan import Ak, District, DistrictBoundary, DistrictSuccessor
from api.plan.district_import import ATTRIBUTION


def _feature(district: District, ak_slug: str, boundary: DistrictBoundary) -> str:
    properties = {
        "id": district.id,
        "ak": ak_slug,
        "code": district.code,
        "name": district.name,
        "prioritised": district.prioritised,
        "active": district.active,
        "electorate": district.electorate,
    }
    props = json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
    head = f'{{"type":"Feature","id":{district.id},"properties":{props}'
    return f'{head},"geometry":{boundary.geojson}}}'


def feature_collection(rows: list[tuple[District, Ak, DistrictBoundary]]) -> str:
    """A GeoJSON FeatureCollection naming its source, as compact text."""
    features = ",".join(_feature(d, ak.slug, b) for d, ak, b in rows)
    attribution = json.dumps(ATTRIBUTION, ensure_ascii=False)
    return f'{{"type":"FeatureCollection","attribution":{attribution},"features":[{features}]}}'


def etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _outlines_query():  # type: ignore[no-untyped-def]
    return (
        select(District, Ak, DistrictBoundary)
        .join(Ak, col(Ak.id) == col(District.ak_id))
        .join(DistrictBoundary, col(DistrictBoundary.district_id) == col(District.id))
    )


def district_outline(
    *, session: Session, district_id: int
) -> tuple[District, Ak, DistrictBoundary]:
    """One district's outline, also when the district is retired (its history stays drawable)."""
    if session.get(District, district_id) is None:
        raise not_found("district_not_found", f"No district with id {district_id}")
    row = session.exec(_outlines_query().where(District.id == district_id)).first()
    if row is None:
        raise not_found("outline_not_found", "No boundary has been imported for this district")
    return row


def active_outlines(
    *, session: Session, ak: Ak | None = None
) -> list[tuple[District, Ak, DistrictBoundary]]:
    query = _outlines_query().where(col(District.active).is_(True))
    if ak is not None:
        query = query.where(District.ak_id == ak.id)
    return list(session.exec(query.order_by(District.code)).all())


def outlines_for_year(
    *, session: Session, ak: Ak | None, year: int
) -> list[tuple[District, Ak, DistrictBoundary]]:
    """The division a year's counts sit on, so a map of an earlier year draws what was counted.

    The active districts, plus retired ones with counts in the year; a confirmed successor
    with nothing that year gives way to its predecessors that have counts (no overlapping
    shapes). Read from the year rollup, never from the logs.
    """
    counted = set(
        session.exec(select(DoorCountYear.district_id).where(DoorCountYear.year == year)).all()
    )
    query = _outlines_query().where(
        or_(col(District.active).is_(True), col(District.id).in_(counted or {0}))
    )
    if ak is not None:
        query = query.where(District.ak_id == ak.id)
    rows = list(session.exec(query.order_by(District.code)).all())
    shown = {d.id for d, _, _ in rows}
    links = session.exec(select(DistrictSuccessor)).all()
    replaced = {
        link.successor_id
        for link in links
        if link.retired_id in counted
        and link.retired_id in shown
        and link.successor_id not in counted
    }
    return [r for r in rows if r[0].id not in replaced]


def districts_at(*, session: Session, lon: float, lat: float) -> list[District]:
    """Active districts whose stored outline holds the point.

    For tools and tests only: no route takes a position. The phone answers this question
    itself (pwa/shared/map.js), so a volunteer's position never leaves it.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return []
    rows = session.exec(
        select(District, DistrictBoundary)
        .join(DistrictBoundary, col(DistrictBoundary.district_id) == col(District.id))
        .where(col(District.active).is_(True))
        .where(DistrictBoundary.min_lon <= lon, DistrictBoundary.max_lon >= lon)
        .where(DistrictBoundary.min_lat <= lat, DistrictBoundary.max_lat >= lat)
        .order_by(District.code)
    ).all()
    point = shapely.Point(lon, lat)
    return [d for d, b in rows if shape(json.loads(b.geojson)).covers(point)]
