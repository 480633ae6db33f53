"""Importing Valmyndigheten's district boundaries, on SQLite and PostgreSQL.

Fixtures in tests/data are cut from Valmyndigheten's files (Källa: Valmyndigheten): the
districts of Ale, Kungälv and Öckerö, in the official EPSG:3006 form and in WGS84.
"""

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from api.models.plan import District, DistrictBoundary
from api.plan.district_import import (
    MAX_VERTICES_PER_DISTRICT,
    SIMPLIFY_TOLERANCE_M,
    DistrictImportError,
    read_boundary_file,
    read_electorate_csv,
)
from api.plan.district_maps import districts_at
from tests.support.districts import (
    DIVISION_2026_FILE,
    ELECTORATE_2026_CSV,
    IN_NODINGE_SODRA,
    IN_SURTE_NORRA,
    KUNGALV,
    RIKSDAG_CSV,
    SWEREF_FILE,
    WGS84_FILE,
    kommuner,
    run_import,
)


def snapshot(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with Session(engine) as session:
        districts = [
            (d.code, d.name, d.prioritised, d.active, d.retired_at, d.electorate, d.updated_at)
            for d in session.exec(select(District).order_by(District.code)).all()
        ]
        outlines = [
            (b.district_id, b.geojson, b.division_year)
            for b in session.exec(
                select(DistrictBoundary).order_by(DistrictBoundary.district_id)
            ).all()
        ]
        return districts, outlines


def by_code(engine: Engine) -> dict[str, District]:
    with Session(engine) as session:
        return {d.code: d for d in session.exec(select(District)).all()}


def outlines(engine: Engine) -> dict[str, DistrictBoundary]:
    with Session(engine) as session:
        rows = session.exec(
            select(District.code, DistrictBoundary).join(
                DistrictBoundary,
                DistrictBoundary.district_id == District.id,  # type: ignore[arg-type]
            )
        ).all()
        return dict(rows)


def official_features(path: Path) -> dict[str, dict[str, object]]:
    doc = json.loads(path.read_text())
    return {f["properties"]["Lkfv"]: f for f in doc["features"]}


def test_the_official_epsg3006_file_matches_by_code_and_adds_the_rest_unprioritised(db: Engine):
    before = by_code(db)
    seeded_here = {c for c in before if c[:4] in ("1440", "1482", "1407")}
    report = run_import(db, SWEREF_FILE, year=2022)

    file_codes = set(official_features(SWEREF_FILE))
    assert set(report.matched) == seeded_here  # type: ignore[attr-defined]
    assert set(report.new) == file_codes - seeded_here  # type: ignore[attr-defined]
    assert report.vanished == [] and report.source_crs == "EPSG:3006"  # type: ignore[attr-defined]
    after = by_code(db)
    assert all(after[c].prioritised for c in seeded_here)
    assert not any(after[c].prioritised for c in file_codes - seeded_here)
    assert after["14400101"].name == "Nödinge södra"
    # Districts of kommuner not in the file are untouched and get no outline.
    assert set(outlines(db)) == file_codes


def test_stored_outlines_are_wgs84_rounded_and_within_the_stated_tolerance(db: Engine):
    run_import(db, SWEREF_FILE)
    official = official_features(SWEREF_FILE)
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    for code, boundary in outlines(db).items():
        geometry = json.loads(boundary.geojson)
        coords = shapely.get_coordinates(shape(geometry))
        assert ((coords[:, 0] > 11) & (coords[:, 0] < 13) & (coords[:, 1] > 57)).all()
        assert all(len(repr(float(v)).split(".")[1]) <= 6 for v in coords.ravel())
        stored = shapely.transform(
            shape(geometry),
            lambda xy: np.column_stack(to_sweref.transform(xy[:, 0], xy[:, 1])),
        )
        original = shape(official[code]["geometry"])
        # The tolerance, plus 0.1 m rounding and the source's own 0.1 m precision.
        assert stored.hausdorff_distance(original) <= SIMPLIFY_TOLERANCE_M + 0.5, code
        assert stored.is_valid and boundary.tolerance_m == SIMPLIFY_TOLERANCE_M
    sizes = [len(b.geojson) for b in outlines(db).values()]
    assert sum(sizes) < 0.5 * len(SWEREF_FILE.read_bytes())  # simplification saves bytes


def test_the_wgs84_file_gives_the_same_districts_and_outlines(db: Engine):
    run_import(db, SWEREF_FILE)
    from_sweref = {c: shape(json.loads(b.geojson)) for c, b in outlines(db).items()}
    report = run_import(db, WGS84_FILE)
    assert report.source_crs == "EPSG:4326"  # type: ignore[attr-defined]
    assert report.new == [] and report.vanished == []  # type: ignore[attr-defined]
    assert report.division_year == 2022  # type: ignore[attr-defined]  (valdistrikt_year)
    for code, boundary in outlines(db).items():
        # Two simplifications of one line differ by at most twice the tolerance (10 m is about
        # 1.7e-4 degrees of longitude here).
        assert shape(json.loads(boundary.geojson)).hausdorff_distance(from_sweref[code]) < 1.7e-4


@pytest.mark.parametrize(
    ("path", "crs_name", "expected"),
    [
        (WGS84_FILE, "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"),
        (WGS84_FILE, "EPSG:4326", "EPSG:4326"),
        (SWEREF_FILE, "urn:ogc:def:crs:EPSG::3006", "EPSG:3006"),
        (SWEREF_FILE, "http://www.opengis.net/def/crs/EPSG/0/3006", "EPSG:3006"),
    ],
)
def test_a_crs_member_naming_a_known_crs_is_accepted(
    db: Engine, path: Path, crs_name: str, expected: str
):
    doc = json.loads(path.read_text())
    doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    report = run_import(db, json.dumps(doc).encode())
    assert report.source_crs == expected  # type: ignore[attr-defined]


def test_a_code_stored_as_a_number_is_read_as_eight_digits(db: Engine):
    doc = json.loads(SWEREF_FILE.read_text())
    for feature in doc["features"]:
        feature["properties"]["Lkfv"] = int(feature["properties"]["Lkfv"])
    report = run_import(db, json.dumps(doc).encode())
    assert "14400101" in report.matched  # type: ignore[attr-defined]


def test_a_2026_division_retires_kungalvs_old_districts_and_keeps_their_history(db: Engine):
    run_import(db, SWEREF_FILE, year=2022)
    kept = outlines(db)
    report = run_import(db, DIVISION_2026_FILE, year=2026)

    old_kungalv = {c for c in official_features(SWEREF_FILE) if c.startswith(KUNGALV)}
    new_kungalv = {c for c in official_features(DIVISION_2026_FILE) if c.startswith(KUNGALV)}
    assert set(report.vanished) == old_kungalv  # type: ignore[attr-defined]
    assert set(report.new) == new_kungalv  # type: ignore[attr-defined]
    assert "14820101" in report.vanished_prioritised  # type: ignore[attr-defined]
    # Its outline lives on under a new code in the test file: that code is suggested.
    old_outline = official_features(SWEREF_FILE)["14820101"]["geometry"]
    (same_area,) = [
        c for c, f in official_features(DIVISION_2026_FILE).items() if f["geometry"] == old_outline
    ]
    successor, share = report.successors["14820101"]  # type: ignore[attr-defined]
    assert successor == same_area and share > 0.98
    after = by_code(db)
    for code in old_kungalv:
        assert after[code].active is False
        assert isinstance(after[code].retired_at, datetime)
    # Nothing is deleted: the retired districts keep their row, plan flag and outline.
    assert (
        after["14820101"].prioritised
        and after["14820101"].plan_name == "Komarken N – Gamla Grinden"
    )
    still = outlines(db)
    assert all(still[c].geojson == kept[c].geojson for c in old_kungalv)
    assert all(after[c].active and not after[c].prioritised for c in new_kungalv)
    # Ale and Öckerö are the same division: matched, nothing retired there.
    assert after["14400101"].active and after["14400101"].prioritised
    # Only active districts are listed for the app.
    with Session(db) as session:
        from api.plan import catalogue

        listed = {d.code for d in catalogue.list_districts(session=session)}
    assert not listed & old_kungalv and new_kungalv <= listed


def test_an_older_division_cannot_overwrite_a_newer_one(db: Engine):
    run_import(db, DIVISION_2026_FILE, year=2026)
    before = snapshot(db)
    with pytest.raises(DistrictImportError) as refused:
        run_import(db, SWEREF_FILE, year=2022)
    assert refused.value.code == "older_division"
    assert snapshot(db) == before


def test_electorate_comes_from_the_riksdag_csv_or_the_2026_csv(db: Engine):
    counts = read_electorate_csv(RIKSDAG_CSV.read_bytes())
    assert counts["14400101"] == 1472 and "14409800" not in counts
    run_import(db, SWEREF_FILE, electorate=counts)
    assert by_code(db)["14400101"].electorate == 1472
    counts_2026 = read_electorate_csv(ELECTORATE_2026_CSV.read_bytes())
    run_import(db, DIVISION_2026_FILE, electorate=counts_2026)
    assert by_code(db)["14821150"].electorate == counts_2026["14821150"]
    with pytest.raises(DistrictImportError):
        read_electorate_csv(b"code,people\n14400101,12\n")


def _bad(doc: object) -> bytes:
    return json.dumps(doc).encode()


def _with_feature(change: object) -> bytes:
    doc = json.loads(SWEREF_FILE.read_text())
    change(doc)  # type: ignore[operator]
    return json.dumps(doc).encode()


def _sweref_doc() -> dict[str, object]:
    return json.loads(SWEREF_FILE.read_text())  # type: ignore[no-any-return]


def _shift_to_web_mercator(doc: dict[str, object]) -> None:
    for f in doc["features"]:  # type: ignore[attr-defined]
        f["geometry"] = json.loads(
            json.dumps(
                shapely.geometry.mapping(
                    shapely.transform(shape(f["geometry"]), lambda xy: xy * [1.6, 1.2])
                )
            )
        )


BAD_FILES = {
    "not_json": b"Lkfv;Vdnamn\n14400101;N\xf6dinge",
    "not_geojson": _bad({"districts": [{"Lkfv": "14400101"}]}),
    "no_features": _bad({"type": "FeatureCollection", "features": []}),
    "unknown_crs_member": _with_feature(
        lambda d: d.update(crs={"type": "name", "properties": {"name": "EPSG:3857"}})
    ),
    "unknown_crs_coordinates": _with_feature(_shift_to_web_mercator),
    "crs_member_contradicts_coordinates": _with_feature(
        lambda d: d.update(crs={"type": "name", "properties": {"name": "EPSG:4326"}})
    ),
    "missing_code": _with_feature(lambda d: d["features"][-1]["properties"].pop("Lkfv")),
    "short_code": _with_feature(lambda d: d["features"][-1]["properties"].update(Lkfv="1440101")),
    "kommun_outside": _with_feature(
        lambda d: d["features"][-1]["properties"].update(Lkfv="14800101", Vdnamn="Göteborg")
    ),
    "duplicate_code": _with_feature(
        lambda d: d["features"][-1]["properties"].update(
            Lkfv=d["features"][0]["properties"]["Lkfv"]
        )
    ),
    "point_geometry": _with_feature(
        lambda d: d["features"][-1].update(geometry={"type": "Point", "coordinates": [3e5, 6.4e6]})
    ),
    # Pathological files (failed before the fix with a traceback or no limit at all).
    "control_character_name": _with_feature(
        lambda d: d["features"][-1]["properties"].update(Vdnamn="Nödinge\x00\nförfalskad")
    ),
    "long_name": _with_feature(lambda d: d["features"][-1]["properties"].update(Vdnamn="x" * 121)),
    "nested_too_deep": ("[" * 100_000 + "]" * 100_000).encode(),
    "nested_coordinates": _with_feature(
        lambda d: d["features"][-1].update(
            geometry={"type": "Polygon", "coordinates": json.loads("[" * 500 + "]" * 500)}
        )
    ),
    "too_many_vertices": _with_feature(
        lambda d: d["features"][-1].update(
            geometry={
                "type": "Polygon",
                "coordinates": [
                    [
                        [3.2e5 + (i % 1000), 6.42e6 + i // 1000]
                        for i in range(MAX_VERTICES_PER_DISTRICT)
                    ]
                    + [[3.2e5, 6.42e6]]
                ],
            }
        )
    ),
}
EXPECTED_CODES = {
    "not_json": "not_json",
    "not_geojson": "not_geojson",
    "no_features": "no_features",
    "unknown_crs_member": "unknown_crs",
    "unknown_crs_coordinates": "unknown_crs",
    "crs_member_contradicts_coordinates": "unknown_crs",
    "missing_code": "missing_code",
    "short_code": "missing_code",
    "kommun_outside": "kommun_outside",
    "duplicate_code": "duplicate_code",
    "point_geometry": "bad_geometry",
    "control_character_name": "bad_name",
    "long_name": "bad_name",
    "nested_too_deep": "too_deep",
    "nested_coordinates": "too_deep",
    "too_many_vertices": "too_many_vertices",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(db: Engine, kind: str):
    run_import(db, SWEREF_FILE, year=2022)
    before = snapshot(db)
    with pytest.raises(DistrictImportError) as refused:
        run_import(db, BAD_FILES[kind])
    assert refused.value.code == EXPECTED_CODES[kind]
    assert refused.value.message.endswith(".") and len(refused.value.message) > 20
    assert snapshot(db) == before


def test_other_kommuner_can_be_skipped_on_request(db: Engine):
    raw = BAD_FILES["kommun_outside"]
    with Session(db) as session:
        parsed = read_boundary_file(raw, kommun_codes=kommuner(session), skip_other_kommuner=True)
    assert parsed.skipped_other_kommuner == 1
    assert all(f.code[:4] != "1480" for f in parsed.features)


def test_a_point_inside_nodinge_sodra_is_there_and_not_in_surte_norra(db: Engine):
    run_import(db, SWEREF_FILE)
    with Session(db) as session:
        here = [
            d.code
            for d in districts_at(session=session, lon=IN_NODINGE_SODRA[0], lat=IN_NODINGE_SODRA[1])
        ]
        there = [
            d.code
            for d in districts_at(session=session, lon=IN_SURTE_NORRA[0], lat=IN_SURTE_NORRA[1])
        ]
        at_sea = districts_at(session=session, lon=11.0, lat=57.0)
    assert here == ["14400101"]
    assert there == ["14400103"]
    assert at_sea == []


def test_a_retired_district_no_longer_answers_where_a_point_is(db: Engine):
    run_import(db, SWEREF_FILE, year=2022)
    komarken = shape(json.loads(outlines(db)["14820101"].geojson)).representative_point()
    run_import(db, DIVISION_2026_FILE, year=2026)
    with Session(db) as session:
        found = [d.code for d in districts_at(session=session, lon=komarken.x, lat=komarken.y)]
    assert found and all(c.startswith("14821") or c.startswith("148299") for c in found)


def test_an_import_never_deletes_a_row(db: Engine):
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(db, "before_cursor_execute", record)
    try:
        run_import(db, SWEREF_FILE, year=2022)
        run_import(db, DIVISION_2026_FILE, year=2026)
    finally:
        event.remove(db, "before_cursor_execute", record)
    assert "INSERT" in statements and "UPDATE" in statements
    assert "DELETE" not in statements


def test_importing_the_same_file_again_changes_nothing_but_the_import_time(db: Engine):
    run_import(db, SWEREF_FILE, year=2022)
    districts, first = snapshot(db)
    report = run_import(db, SWEREF_FILE, year=2022)
    assert report.new == [] and report.vanished == [] and report.renamed == []  # type: ignore[attr-defined]
    assert len(report.matched) == len(official_features(SWEREF_FILE))  # type: ignore[attr-defined]
    assert snapshot(db) == (districts, first)


def test_a_district_that_comes_back_is_restored(db: Engine):
    run_import(db, SWEREF_FILE)
    run_import(db, DIVISION_2026_FILE)
    report = run_import(db, SWEREF_FILE)
    assert "14820101" in report.restored  # type: ignore[attr-defined]
    komarken = by_code(db)["14820101"]
    assert komarken.active and komarken.retired_at is None and komarken.prioritised
    assert not by_code(db)["14821150"].active
