"""Valmyndigheten's boundaries cut to Ale, Kungälv and Öckerö (tests/data), and importing them."""

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.plan import Ak
from api.plan.district_import import import_districts, read_boundary_file

DATA = Path(__file__).resolve().parents[1] / "data"
SWEREF_FILE = DATA / "vd_14_ale_kungalv_ockero_epsg3006.json"
WGS84_FILE = DATA / "valdistrikt_ale_kungalv_ockero_wgs84.geojson"
DIVISION_2026_FILE = DATA / "vd_14_2026_style_epsg3006.json"
RIKSDAG_CSV = DATA / "riksdag-2022-per-valdistrikt-ale-kungalv-ockero.csv"
ELECTORATE_2026_CSV = DATA / "valdistrikt-2026-ale-kungalv-ockero.csv"
KUNGALV = "1482"
# Inside Nödinge södra (its centroid), and inside Surte norra: both in Ale.
IN_NODINGE_SODRA = (12.050954, 57.879008)
IN_SURTE_NORRA = (12.029536, 57.833510)


def kommuner(session: Session) -> set[str]:
    return {ak.kommun_code for ak in session.exec(select(Ak)).all()}


def run_import(
    engine: Engine, path: Path | bytes, *, year: int | None = None, **kwargs: object
) -> object:
    raw = path if isinstance(path, bytes) else path.read_bytes()
    with Session(engine) as session:
        parsed = read_boundary_file(raw, kommun_codes=kommuner(session))
        report = import_districts(
            session=session, boundary_file=parsed, division_year=year, **kwargs
        )  # type: ignore[arg-type]
        session.commit()
        return report


def split_division(code: str, into: tuple[str, str]) -> bytes:
    """The 2022 file with one district cut in two halves (west, east) under new codes: a split
    like Alafors's in 2026."""
    import json

    import shapely
    from shapely.geometry import box, mapping, shape

    doc = json.loads(SWEREF_FILE.read_bytes())
    features = []
    for feature in doc["features"]:
        if feature["properties"]["Lkfv"] != code:
            features.append(feature)
            continue
        outline = shape(feature["geometry"])
        minx, miny, maxx, maxy = outline.bounds
        middle = shapely.centroid(outline).x
        west = box(minx - 1, miny - 1, middle, maxy + 1)
        east = box(middle, miny - 1, maxx + 1, maxy + 1)
        for new_code, half in zip(into, (west, east), strict=True):
            part = outline.intersection(half)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"Lkfv": new_code, "Vdnamn": f"{new_code} del"},
                    "geometry": mapping(part),
                }
            )
    doc["features"] = features
    return json.dumps(doc).encode()


def log_in_year(engine: Engine, *, user_id: int, district_id: int, year: int, n: int) -> None:
    """n conversations logged on 1 May of `year` by a volunteer, through the real ingest."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from api.door_logs.ingest import Caller, ingest

    when = datetime(year, 5, 1, 8, 0, tzinfo=UTC)
    # 8 seconds apart by the phone's clock: a pace a person can knock (the rate rule).
    items = [
        {
            "id": str(uuid.uuid4()),
            "district_id": district_id,
            "occurred_at": (when + timedelta(seconds=8 * i)).isoformat(),
            "outcome": "conversation",
        }
        for i in range(n)
    ]
    for start in range(0, n, 500):  # a sync batch holds at most 500 logs
        with Session(engine) as session:
            result = ingest(
                session=session,
                caller=Caller(user_id=user_id, role="staff", aks=[]),
                items=items[start : start + 500],
                now=when + timedelta(seconds=8 * n),
            )
            session.commit()
        assert all(r["status"] == "created" for r in result.results), result.results
