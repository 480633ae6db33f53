"""Valmyndigheten's district boundaries into Knacka: checked whole, then written in one go.

Reads the boundary GeoJSON as val.se publishes it (SWEREF 99 TM, EPSG:3006, properties
`Lkfv`/`Vdnamn`, no `crs` member) and WGS84 GeoJSON (`valdistrikt_code`/`valdistrikt_name`,
or a `crs` member naming EPSG:4326/CRS84). Districts are matched by their 8-digit code, never
by name. Each outline is simplified in metres for the phone and stored as WGS84 GeoJSON.
Nothing is written until the whole file has passed every check; the caller commits once.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pydantic import TypeAdapter, ValidationError
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.types import DISTRICT_CODE_PATTERN, DistrictName
from api.models.plan import Ak, District, DistrictBoundary

ATTRIBUTION = "Källa: Valmyndigheten"

SWEREF99TM = "EPSG:3006"

WGS84 = "EPSG:4326"

# Douglas-Peucker tolerance in metres: no simplified edge strays further than this from the
# official line, far below what a phone's GPS (5-20 m) can tell apart.
SIMPLIFY_TOLERANCE_M = 5.0

# 6 decimals of a degree is about 0.1 m: finer than the tolerance, and bytes are the phone's.
COORD_DECIMALS = 6

CODE_RE = re.compile(DISTRICT_CODE_PATTERN)

# The API's rules for a district's name (api/core/types.py), applied at this boundary too.
_NAME = TypeAdapter(DistrictName)

# Pathological files are refused with a message, never a traceback or an exhausted machine:
# the official files have a few thousand vertices a district, some 300,000 for 300 districts.
MAX_VERTICES_PER_DISTRICT = 200_000
MAX_VERTICES_TOTAL = 5_000_000

MAX_FILE_BYTES = 200 * 1024 * 1024

# Where Sweden lies in each CRS; coordinates outside both mean an unknown CRS or swapped axes.
_SWEDEN_WGS84 = (10.0, 55.0, 25.0, 69.5)

_SWEDEN_SWEREF = (200_000.0, 6_100_000.0, 1_000_000.0, 7_700_000.0)

_CODE_KEYS = ("lkfv", "valdistrikt_code")

_NAME_KEYS = ("vdnamn", "valdistrikt_name")

_TO_SWEREF = Transformer.from_crs(WGS84, SWEREF99TM, always_xy=True)

_TO_WGS84 = Transformer.from_crs(SWEREF99TM, WGS84, always_xy=True)


class DistrictImportError(ValueError):
    """The file is refused as a whole; nothing was written."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BoundaryFeature:
    code: str
    name: str
    outline: BaseGeometry  # in SWEREF 99 TM metres


@dataclass
class BoundaryFile:
    source_crs: str
    features: list[BoundaryFeature]
    division_year: int | None
    skipped_other_kommuner: int = 0


@dataclass
class ImportReport:
    source_crs: str
    division_year: int | None
    tolerance_m: float
    matched: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    # Prioritised districts that vanished: staff must pick their successors in the plan.
    vanished_prioritised: list[str] = field(default_factory=list)
    # Vanished prioritised code -> (new code covering most of its area, share of its area).
    successors: dict[str, tuple[str, float]] = field(default_factory=dict)
    electorate_set: int = 0
    skipped_other_kommuner: int = 0
    dry_run: bool = False

    def lines(self, names: dict[str, str]) -> list[str]:
        def listed(codes: list[str]) -> str:
            return ", ".join(f"{c} {names.get(c, '')}".strip() for c in codes)

        out = [
            f"Koordinatsystem: {self.source_crs}; förenklat med toleransen {self.tolerance_m:g} m.",
            f"Matchade: {len(self.matched)}",
            f"Nya (inte prioriterade): {len(self.new)}"
            + (f": {listed(self.new)}" if self.new else ""),
            f"Finns inte längre (avvecklade): {len(self.vanished)}"
            + (f": {listed(self.vanished)}" if self.vanished else ""),
        ]
        if self.restored:
            out.append(f"Återinförda: {listed(self.restored)}")
        if self.renamed:
            out.append(f"Nytt namn: {listed(self.renamed)}")
        if self.vanished_prioritised:
            out.append(
                "Prioriterade distrikt som inte finns längre "
                "(bekräfta ersättare i /admin under Planen):"
            )
            for code in self.vanished_prioritised:
                line = f"  {listed([code])}"
                if code in self.successors:
                    new_code, share = self.successors[code]
                    line += f" → störst överlapp: {listed([new_code])} ({share:.0%} av ytan)"
                out.append(line.replace("%", " %"))
        if self.skipped_other_kommuner:
            out.append(f"Hoppade över {self.skipped_other_kommuner} distrikt i andra kommuner.")
        if self.electorate_set:
            out.append(f"Röstberättigade satta för {self.electorate_set} distrikt.")
        out.append("Provkörning: inget sparades." if self.dry_run else "Sparat.")
        out.append(ATTRIBUTION)
        return out


# --- Reading and checking the file ------------------------------------------------------


def _declared_crs(doc: dict[str, Any]) -> str | None:
    crs = doc.get("crs")
    if crs is None:
        return None
    name = ""
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = str(crs["properties"].get("name", ""))
    if re.search(r"CRS84$", name, re.IGNORECASE):
        return WGS84
    # "EPSG:3006", "urn:ogc:def:crs:EPSG::3006", "http://www.opengis.net/def/crs/EPSG/0/3006"
    found = re.search(r"EPSG(?::{1,2}|/0/)(\d+)$", name, re.IGNORECASE)
    if found and found.group(1) in ("3006", "4326"):
        return f"EPSG:{found.group(1)}"
    raise DistrictImportError(
        "unknown_crs",
        f"Okänt koordinatsystem {name or json.dumps(crs)!r}. "
        "Använd Valmyndighetens fil i SWEREF 99 TM (EPSG:3006) eller WGS84 (EPSG:4326).",
    )


def _within(bounds: tuple[float, float, float, float], box: tuple[float, ...]) -> bool:
    minx, miny, maxx, maxy = bounds
    return box[0] <= minx and maxx <= box[2] and box[1] <= miny and maxy <= box[3]


def _coordinate_crs(bounds: tuple[float, float, float, float]) -> str | None:
    if _within(bounds, _SWEDEN_WGS84):
        return WGS84
    if _within(bounds, _SWEDEN_SWEREF):
        return SWEREF99TM
    return None


def _property(props: dict[str, Any], keys: Iterable[str]) -> str | None:
    lowered = {str(k).lower(): v for k, v in props.items()}
    for key in keys:
        value = lowered.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            # A code stored as a number has lost the leading zero of län 01-09.
            return f"{value:08d}"
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _too_many_vertices(code: str) -> DistrictImportError:
    return DistrictImportError(
        "too_many_vertices",
        f"Distrikt {code} har för många hörnpunkter (högst {MAX_VERTICES_PER_DISTRICT} per "
        f"distrikt, {MAX_VERTICES_TOTAL} i filen). Använd Valmyndighetens fil som den är.",
    )


def _polygonal(geometry: Any, code: str) -> BaseGeometry:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise DistrictImportError(
            "bad_geometry", f"Distrikt {code} saknar en polygon. Kontrollera filen."
        )
    try:
        outline = shape(geometry)
    except RecursionError:
        raise DistrictImportError(
            "too_deep", f"Distrikt {code} har koordinater nästlade för djupt."
        ) from None
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise DistrictImportError(
            "bad_geometry", f"Distrikt {code} har en trasig polygon: {str(exc)[:200]}."
        ) from None
    # Counted before any repair: make_valid on a huge outline is what would take the machine.
    if shapely.get_num_coordinates(outline) > MAX_VERTICES_PER_DISTRICT:
        raise _too_many_vertices(code)
    if outline.is_empty or not np.isfinite(shapely.get_coordinates(outline)).all():
        raise DistrictImportError("bad_geometry", f"Distrikt {code} har en tom polygon.")
    if not outline.is_valid:
        # A self-touching ring in the source is repaired; anything that is not an area is not.
        outline = shapely.make_valid(outline)
        if not isinstance(outline, Polygon | MultiPolygon):
            outline = shapely.union_all(
                [g for g in getattr(outline, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
            )
        if outline.is_empty or not isinstance(outline, Polygon | MultiPolygon):
            raise DistrictImportError("bad_geometry", f"Distrikt {code} har en ogiltig polygon.")
    return outline


def _reproject(outline: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(outline, move)


def read_boundary_file(
    raw: bytes, *, kommun_codes: set[str], skip_other_kommuner: bool = False
) -> BoundaryFile:
    """Parses and checks a whole boundary file; raises DistrictImportError on any fault."""
    if len(raw) > MAX_FILE_BYTES:
        raise DistrictImportError("file_too_large", "Filen är för stor för en gränsfil.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DistrictImportError(
            "not_json", "Filen är inte UTF-8-kodad JSON. Välj Valmyndighetens GeoJSON-fil."
        ) from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise DistrictImportError(
            "too_deep", "Filen är nästlad för djupt för att vara en gränsfil med valdistrikt."
        ) from None
    except json.JSONDecodeError:
        raise DistrictImportError(
            "not_json", "Filen är inte JSON. Välj Valmyndighetens GeoJSON-fil med valdistrikt."
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DistrictImportError(
            "not_geojson", "Filen är inte en GeoJSON FeatureCollection med valdistrikt."
        )
    raw_features = doc.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        raise DistrictImportError("no_features", "Filen innehåller inga valdistrikt.")
    declared = _declared_crs(doc)

    features: list[tuple[str, str, BaseGeometry]] = []
    seen: set[str] = set()
    years: set[int] = set()
    outside: list[str] = []
    vertices = 0
    for number, feature in enumerate(raw_features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise DistrictImportError("not_geojson", f"Objekt {number} är inte en GeoJSON Feature.")
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        code = _property(props, _CODE_KEYS)
        if code is None or not CODE_RE.match(code):
            shown = f" (hittade {code[:20]!r})" if code else ""
            raise DistrictImportError(
                "missing_code",
                f"Objekt {number} saknar en valdistriktskod med 8 siffror{shown} "
                "i egenskapen Lkfv eller valdistrikt_code.",
            )
        if code[:4] not in kommun_codes:
            outside.append(code)
            continue
        if code in seen:
            raise DistrictImportError("duplicate_code", f"Koden {code} finns två gånger i filen.")
        seen.add(code)
        name = _property(props, _NAME_KEYS)
        if name is None:
            raise DistrictImportError(
                "missing_name", f"Distrikt {code} saknar ett namn (Vdnamn eller valdistrikt_name)."
            )
        try:
            name = _NAME.validate_python(name)
        except ValidationError:
            raise DistrictImportError(
                "bad_name",
                f"Distrikt {code} har ett namn med styrtecken eller över 120 tecken. "
                "Rätta namnet i filen.",
            ) from None
        year = props.get("valdistrikt_year")
        if isinstance(year, int):
            years.add(year)
        outline = _polygonal(feature.get("geometry"), code)
        vertices += int(shapely.get_num_coordinates(outline))
        if vertices > MAX_VERTICES_TOTAL:
            raise _too_many_vertices(code)
        features.append((code, name, outline))

    if outside and not skip_other_kommuner:
        kommuner = sorted({c[:4] for c in outside})
        raise DistrictImportError(
            "kommun_outside",
            f"Filen har {len(outside)} distrikt i kommuner utanför partidistriktet "
            f"(kommunkod {', '.join(kommuner)}). Använd en fil med bara de 11 kommunerna, "
            "eller --skip-other-kommuner för att hoppa över dem.",
        )
    if not features:
        raise DistrictImportError("no_features", "Filen har inga valdistrikt i partidistriktet.")

    bounds = shapely.total_bounds([f[2] for f in features])
    found = _coordinate_crs(tuple(float(b) for b in bounds))  # type: ignore[arg-type]
    if found is None or (declared is not None and declared != found):
        raise DistrictImportError(
            "unknown_crs",
            "Koordinaterna ligger inte i Sverige i SWEREF 99 TM (EPSG:3006) eller WGS84 "
            "(EPSG:4326). Använd Valmyndighetens fil som den publiceras.",
        )
    to_sweref: Callable[[BaseGeometry], BaseGeometry] = (
        (lambda g: g) if found == SWEREF99TM else (lambda g: _reproject(g, _TO_SWEREF))
    )
    return BoundaryFile(
        source_crs=found,
        features=[BoundaryFeature(c, n, to_sweref(g)) for c, n, g in features],
        division_year=years.pop() if len(years) == 1 else None,
        skipped_other_kommuner=len(outside),
    )


def outline_for_phone(
    outline: BaseGeometry, tolerance_m: float = SIMPLIFY_TOLERANCE_M
) -> BaseGeometry:
    """Simplified in metres (keeping every ring valid), then WGS84 rounded to 6 decimals."""
    simple = outline.simplify(tolerance_m, preserve_topology=True)
    wgs84 = _reproject(simple, _TO_WGS84)
    rounded = shapely.transform(wgs84, lambda xy: np.round(xy, COORD_DECIMALS))
    return rounded if rounded.is_valid else shapely.make_valid(rounded)


def sweref_outline(geojson: str) -> BaseGeometry:
    """A stored WGS84 outline in SWEREF 99 TM metres, where areas can be compared."""
    return _reproject(shape(json.loads(geojson)), _TO_SWEREF)


def geojson_text(outline: BaseGeometry) -> str:
    return json.dumps(mapping(outline), separators=(",", ":"))


def read_electorate_csv(raw: bytes) -> dict[str, int]:
    """Röstberättigade per district code from the riksdag 2022 CSV or the 2026 division CSV."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DistrictImportError(
            "bad_electorate", "Filen med röstberättigade är inte UTF-8."
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    column = next((c for c in ("rostberattigade", "electorate_2026_08_14") if c in header), None)
    if "valdistrikt_code" not in header or column is None:
        raise DistrictImportError(
            "bad_electorate",
            "Filen med röstberättigade behöver kolumnerna valdistrikt_code och "
            "rostberattigade (eller electorate_2026_08_14).",
        )
    electorate: dict[str, int] = {}
    for row in reader:
        code = (row.get("valdistrikt_code") or "").strip()
        value = (row.get(column) or "").replace(" ", "").strip()
        # LLKK98xx rows are early votes with no area: not a canvassing district.
        if not CODE_RE.match(code) or code[4:6] == "98" or not value:
            continue
        if not value.isdigit():
            raise DistrictImportError(
                "bad_electorate", f"Röstberättigade för {code} är inte ett heltal: {value!r}."
            )
        electorate[code] = int(value)
    return electorate


def _csv_rows(raw: bytes, what: str, needed: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DistrictImportError("bad_turnout", f"Filen med {what} är inte UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    missing = [c for c in needed if c not in header]
    if missing:
        raise DistrictImportError(
            "bad_turnout", f"Filen med {what} saknar kolumnerna {', '.join(missing)}."
        )
    return header, list(reader)


def read_turnout_csv(raw: bytes) -> dict[str, float]:
    """Valdeltagande (per cent) per district code from the riksdag result CSV, the same file
    `--electorate` reads: `valdeltagande_pct`, or `rostande` / `rostberattigade`."""
    header, rows = _csv_rows(raw, "valdeltagande", ["valdistrikt_code"])
    if "valdeltagande_pct" not in header and not {"rostande", "rostberattigade"} <= set(header):
        raise DistrictImportError(
            "bad_turnout",
            "Filen med valdeltagande behöver kolumnen valdeltagande_pct "
            "(eller rostande och rostberattigade).",
        )
    turnout: dict[str, float] = {}
    for row in rows:
        code = (row.get("valdistrikt_code") or "").strip()
        # LLKK98xx rows are early votes with no area: not a canvassing district.
        if not CODE_RE.match(code) or code[4:6] == "98":
            continue
        pct = (row.get("valdeltagande_pct") or "").replace(",", ".").strip()
        try:
            if pct:
                value = float(pct)
            else:
                voted = int((row.get("rostande") or "").replace(" ", ""))
                entitled = int((row.get("rostberattigade") or "").replace(" ", ""))
                value = 100 * voted / entitled if entitled else float("nan")
        except ValueError:
            raise DistrictImportError(
                "bad_turnout", f"Valdeltagandet för {code} är inget tal."
            ) from None
        if not 0 <= value <= 100:
            raise DistrictImportError(
                "bad_turnout", f"Valdeltagandet för {code} ligger inte mellan 0 och 100."
            )
        turnout[code] = round(value, 2)
    return turnout


def read_comparable_csv(raw: bytes) -> dict[str, str]:
    """New code -> 2022 code for districts Valmyndigheten calls comparable (the 2026 CSV)."""
    _, rows = _csv_rows(
        raw,
        "jämförbara distrikt",
        ["valdistrikt_code", "comparable_to_2022", "code_2022_if_comparable"],
    )
    out: dict[str, str] = {}
    for row in rows:
        code = (row.get("valdistrikt_code") or "").strip()
        old = (row.get("code_2022_if_comparable") or "").strip()
        if (
            (row.get("comparable_to_2022") or "").strip().lower() == "yes"
            and CODE_RE.match(code)
            and CODE_RE.match(old)
        ):
            out[code] = old
    return out


def set_turnout(
    *,
    session: Session,
    turnout: dict[str, float],
    year: int,
    comparable: dict[str, str] | None = None,
) -> list[str]:
    """Sets valdeltagande on every district (retired ones too) whose code is in the file, and
    on new districts Valmyndigheten calls comparable to one that is. Does not commit."""
    changed = []
    for district in session.exec(select(District).order_by(District.code)).all():
        source = (
            district.code if district.code in turnout else (comparable or {}).get(district.code)
        )
        if source is None or source not in turnout:
            continue
        district.turnout_pct, district.turnout_year = turnout[source], year
        session.add(district)
        changed.append(district.code)
    session.flush()
    return changed


# --- Writing ------------------------------------------------------------------------------


def import_districts(
    *,
    session: Session,
    boundary_file: BoundaryFile,
    division_year: int | None = None,
    electorate: dict[str, int] | None = None,
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
) -> ImportReport:
    """Matches by code, adds new districts unprioritised, retires vanished ones (never deletes).

    Only the kommuner in the file are touched. Does not commit.
    """
    year = division_year if division_year is not None else boundary_file.division_year
    aks = {ak.kommun_code: ak for ak in session.exec(select(Ak)).all()}
    covered = {f.code[:4] for f in boundary_file.features}
    covered_ak_ids = {aks[k].id for k in covered}
    by_code = {d.code: d for d in session.exec(select(District)).all()}
    in_file = {f.code for f in boundary_file.features}

    for f in boundary_file.features:
        known = by_code.get(f.code)
        if known is not None and known.ak_id != aks[f.code[:4]].id:
            raise DistrictImportError(
                "ak_mismatch", f"Distrikt {f.code} hör till en annan AK i databasen."
            )
    if year is not None:
        newer = session.exec(
            select(DistrictBoundary.division_year)
            .join(District, col(District.id) == col(DistrictBoundary.district_id))
            .where(col(District.ak_id).in_(covered_ak_ids))
            .where(col(DistrictBoundary.division_year) > year)
        ).first()
        if newer is not None:
            raise DistrictImportError(
                "older_division",
                f"Databasen har redan indelningen {newer}; filen är från {year}.",
            )

    report = ImportReport(
        source_crs=boundary_file.source_crs,
        division_year=year,
        tolerance_m=tolerance_m,
        skipped_other_kommuner=boundary_file.skipped_other_kommuner,
    )
    now = utcnow()
    # Outlines are computed before any write, so a geometry fault still changes nothing.
    outlines = {f.code: outline_for_phone(f.outline, tolerance_m) for f in boundary_file.features}

    for f in boundary_file.features:
        district = by_code.get(f.code)
        if district is None:
            ak_id = aks[f.code[:4]].id
            assert ak_id is not None
            district = District(code=f.code, name=f.name, ak_id=ak_id, prioritised=False)
            report.new.append(f.code)
        else:
            report.matched.append(f.code)
            if not district.active:
                district.active, district.retired_at = True, None
                district.updated_at = now
                report.restored.append(f.code)
            if district.name != f.name:
                district.name = f.name
                district.updated_at = now
                report.renamed.append(f.code)
        session.add(district)
        session.flush()
        assert district.id is not None
        outline = outlines[f.code]
        min_lon, min_lat, max_lon, max_lat = (float(b) for b in outline.bounds)
        boundary = session.get(DistrictBoundary, district.id) or DistrictBoundary(
            district_id=district.id,
            geojson="",
            min_lon=0,
            min_lat=0,
            max_lon=0,
            max_lat=0,
            source_crs=boundary_file.source_crs,
            tolerance_m=tolerance_m,
        )
        boundary.geojson = geojson_text(outline)
        boundary.min_lon, boundary.min_lat = min_lon, min_lat
        boundary.max_lon, boundary.max_lat = max_lon, max_lat
        boundary.division_year = year
        boundary.source_crs = boundary_file.source_crs
        boundary.tolerance_m = tolerance_m
        boundary.imported_at = now
        session.add(boundary)
        by_code[f.code] = district

    for district in sorted(by_code.values(), key=lambda d: d.code):
        if district.ak_id in covered_ak_ids and district.active and district.code not in in_file:
            district.active, district.retired_at, district.updated_at = False, now, now
            session.add(district)
            report.vanished.append(district.code)
            if district.prioritised:
                report.vanished_prioritised.append(district.code)
                successor = _largest_overlap(session, district, boundary_file)
                if successor is not None:
                    report.successors[district.code] = successor

    for code, count in (electorate or {}).items():
        if code in in_file:
            by_code[code].electorate = count
            session.add(by_code[code])
            report.electorate_set += 1
    session.flush()
    return report


def _largest_overlap(
    session: Session, district: District, boundary_file: BoundaryFile
) -> tuple[str, float] | None:
    """The new district that covers most of a vanished one: a hint for staff, never applied."""
    stored = session.get(DistrictBoundary, district.id)
    if stored is None:
        return None
    old = sweref_outline(stored.geojson)
    if old.area <= 0:
        return None
    same_kommun = [f for f in boundary_file.features if f.code[:4] == district.code[:4]]
    overlaps = [(f.outline.intersection(old).area, f.code) for f in same_kommun]
    area, code = max(overlaps, default=(0.0, ""))
    return (code, area / old.area) if area > 0 else None
