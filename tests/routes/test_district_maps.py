"""District outlines as GeoJSON for the PWA, on SQLite and PostgreSQL."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.config import Settings
from api.main import create_app
from api.models.plan import District
from tests.conftest import MakeUser, Person, make_settings
from tests.support.districts import DIVISION_2026_FILE, SWEREF_FILE, run_import


def _district_id(db: Engine, code: str) -> int:
    with Session(db) as session:
        district = session.exec(select(District).where(District.code == code)).one()
        assert district.id is not None
        return district.id


def test_a_volunteer_gets_their_districts_outline_with_the_source_named(
    client: TestClient, db: Engine, make_user: MakeUser
):
    run_import(db, SWEREF_FILE, year=2022)
    volunteer = make_user("volunteer", aks=["ale"])
    nodinge = _district_id(db, "14400101")
    response = client.get(f"/api/districts/{nodinge}/geometry", headers=volunteer.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["attribution"] == "Källa: Valmyndigheten"
    (feature,) = body["features"]
    assert feature["properties"] == {
        "id": nodinge,
        "ak": "ale",
        "code": "14400101",
        "name": "Nödinge södra",
        "prioritised": True,
        "active": True,
        "electorate": None,
    }
    assert feature["geometry"]["type"] == "Polygon"
    lon, lat = feature["geometry"]["coordinates"][0][0]
    assert 11.9 < lon < 12.2 and 57.8 < lat < 58.0


def test_an_aks_outlines_are_its_active_districts_and_can_be_revalidated(
    client: TestClient, db: Engine, staff: Person
):
    run_import(db, SWEREF_FILE, year=2022)
    run_import(db, DIVISION_2026_FILE, year=2026)
    response = client.get(
        "/api/districts/geometry", params={"ak": "kungalv"}, headers=staff.headers
    )
    assert response.status_code == 200
    features = response.json()["features"]
    assert len(features) == 28
    assert all(
        f["properties"]["active"] and f["properties"]["code"] >= "14821150" for f in features
    )
    assert response.headers["cache-control"] == "private, max-age=3600"
    again = client.get(
        "/api/districts/geometry",
        params={"ak": "kungalv"},
        headers={**staff.headers, "If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    everything = client.get("/api/districts/geometry", headers=staff.headers).json()
    assert {f["properties"]["ak"] for f in everything["features"]} == {"ale", "kungalv", "ockero"}


def test_a_retired_districts_outline_is_still_served_by_id(
    client: TestClient, db: Engine, staff: Person
):
    run_import(db, SWEREF_FILE, year=2022)
    run_import(db, DIVISION_2026_FILE, year=2026)
    komarken = _district_id(db, "14820101")
    body = client.get(f"/api/districts/{komarken}/geometry", headers=staff.headers).json()
    assert body["features"][0]["properties"]["active"] is False


def test_outlines_need_a_session_and_unknown_ones_are_404(
    client: TestClient, db: Engine, staff: Person
):
    run_import(db, SWEREF_FILE)
    assert client.get("/api/districts/geometry").status_code == 401
    assert client.get("/api/districts/1/geometry").json()["code"] == "not_authenticated"
    missing = client.get("/api/districts/999999/geometry", headers=staff.headers)
    assert missing.status_code == 404 and missing.json()["code"] == "district_not_found"
    # Alingsås is seeded but no boundary was imported for it.
    alingsas = _district_id(db, "14890101")
    none_yet = client.get(f"/api/districts/{alingsas}/geometry", headers=staff.headers)
    assert none_yet.status_code == 404 and none_yet.json()["code"] == "outline_not_found"
    unknown_ak = client.get("/api/districts/geometry?ak=goteborg", headers=staff.headers)
    assert unknown_ak.status_code == 404 and unknown_ak.json()["code"] == "ak_not_found"


def test_map_config_has_no_tiles_by_default_and_the_csp_stays_strict(
    client: TestClient, staff: Person
):
    response = client.get("/api/maps/config", headers=staff.headers)
    assert response.json() == {
        "tile_url": None,
        "tile_attribution": None,
        "attribution": "Källa: Valmyndigheten",
    }
    assert "img-src 'self' data: blob:;" in response.headers["content-security-policy"]
    assert client.get("/api/maps/config").status_code == 401


def test_a_configured_tile_host_is_offered_and_only_it_is_allowed_for_images(
    db: Engine, database_url: str, make_user: MakeUser
):
    settings = make_settings(
        database_url,
        map_tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        map_tile_attribution="© OpenStreetMap",
    )
    volunteer = make_user("volunteer", aks=["ale"])
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/maps/config", headers=volunteer.headers)
    assert response.json()["tile_url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert response.json()["tile_attribution"] == "© OpenStreetMap"
    csp = response.headers["content-security-policy"]
    assert "img-src 'self' https://tiles.example.org data: blob:;" in csp
    assert "script-src 'self';" in csp and "connect-src 'self';" in csp


@pytest.mark.parametrize(
    "url",
    [
        "http://tiles.example.org/{z}/{x}/{y}.png",  # not https
        "https://tiles.example.org/tiles.png",  # no {z}/{x}/{y}
        "https://tiles.example.org; script-src *//{z}/{x}/{y}",  # would loosen the CSP
    ],
)
def test_a_bad_tile_url_is_refused_at_start(url: str):
    with pytest.raises(ValidationError):
        Settings(map_tile_url=url)
