"""The weight maps add to the phone: outline GeoJSON per district and pwa/shared/map.js.

Usage: .venv/bin/python bench/map_weight.py [BOUNDARY_FILE ...]
(default: the test subset in tests/data; pass Valmyndigheten's file for all 224 districts).
Prints a Markdown table for docs/BENCHMARKS.md. No database: the outlines are built exactly
as `knacka districts import` stores them, and wrapped as the API serves them.
"""

import gzip
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from api.core.config import REPO_ROOT
from api.models.plan import Ak, District, DistrictBoundary
from api.plan.district_import import (
    SIMPLIFY_TOLERANCE_M,
    geojson_text,
    outline_for_phone,
    read_boundary_file,
)
from api.plan.district_maps import feature_collection

KOMMUNER = {
    "1440", "1489", "1401", "1482", "1441", "1462", "1481", "1402", "1415", "1419", "1407",
}  # fmt: skip


def gz(text: str) -> int:
    return len(gzip.compress(text.encode(), compresslevel=6))


def served(outlines: list[tuple[str, str, str]]) -> str:
    """(code, name, geojson) wrapped as the API's FeatureCollection."""
    ak = Ak(id=1, slug="ak", name="AK", kommun_code="0000")
    rows = []
    for number, (code, name, geojson) in enumerate(outlines, start=1):
        district = District(
            id=number, ak_id=1, code=code, name=name, prioritised=True, electorate=1500
        )
        boundary = DistrictBoundary(
            district_id=number, geojson=geojson, min_lon=0, min_lat=0, max_lon=0, max_lat=0,
            source_crs="EPSG:3006", tolerance_m=SIMPLIFY_TOLERANCE_M,
        )  # fmt: skip
        rows.append((district, ak, boundary))
    return feature_collection(rows)


def row(label: str, values: list[int]) -> str:
    def n(v: float) -> str:
        return f"{int(v):,}".replace(",", " ")

    cells = [n(min(values)), n(statistics.median(values)), n(max(values)), n(sum(values))]
    return f"| {label} | " + " | ".join(cells) + " |"


def main(paths: list[Path]) -> None:
    for path in paths:
        raw = path.read_bytes()
        started = time.perf_counter()
        parsed = read_boundary_file(raw, kommun_codes=KOMMUNER)
        simple = {f.code: geojson_text(outline_for_phone(f.outline)) for f in parsed.features}
        seconds = time.perf_counter() - started
        full = {f.code: geojson_text(outline_for_phone(f.outline, 0.0)) for f in parsed.features}
        names = {f.code: f.name for f in parsed.features}
        bodies = {c: served([(c, names[c], g)]) for c, g in simple.items()}
        print(f"\n### {path.name}: {len(simple)} districts, {parsed.source_crs}\n")
        print(f"Parse + check + simplify + reproject: {seconds:.2f} s\n")
        print("| bytes | min | median | max | sum |")
        print("|---|---:|---:|---:|---:|")
        print(row("one district, API answer, raw", [len(b.encode()) for b in bodies.values()]))
        print(row("one district, API answer, gzip", [gz(b) for b in bodies.values()]))
        print(row("one district, unsimplified, raw", [len(g.encode()) for g in full.values()]))
        print(row("one district, unsimplified, gzip", [gz(g) for g in full.values()]))
        per_ak: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for code, g in simple.items():
            per_ak[code[:4]].append((code, names[code], g))
        ak_bodies = [served(outlines) for outlines in per_ak.values()]
        print(row("one AK (?ak=), raw", [len(b.encode()) for b in ak_bodies]))
        print(row("one AK (?ak=), gzip", [gz(b) for b in ak_bodies]))
    source = (REPO_ROOT / "pwa" / "shared" / "map.js").read_text(encoding="utf-8")
    raw_js, gz_js = (f"{n:,}".replace(",", " ") for n in (len(source.encode()), gz(source)))
    print(f"\npwa/shared/map.js: {raw_js} bytes raw, {gz_js} bytes gzip")


if __name__ == "__main__":
    main(
        [Path(p) for p in sys.argv[1:]]
        or [REPO_ROOT / "tests/data/vd_14_ale_kungalv_ockero_epsg3006.json"]
    )
