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
