"""pwa/shared/map.js in Chromium: the outline offline, "du är här", and a choropleth.

The real module is served from pwa/shared beside a small test page by a tiny static server.
Every request the browser makes is recorded, to show that the position never leaves it.
"""

import json
import re
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from api.core.config import REPO_ROOT
from api.models.plan import Ak, District, DistrictBoundary
from api.plan.district_import import outline_for_phone, read_boundary_file
from api.plan.district_maps import feature_collection
from tests.support.browser import CHROMIUM_ARGS
from tests.support.districts import IN_NODINGE_SODRA, IN_SURTE_NORRA, SWEREF_FILE

pytestmark = pytest.mark.browser

SURTE_NORRA = "14400103"
PRIORITISED_ALE = {"14400101", "14400103", "14400105", "14400519", "14400520", "14400516"}
# A 1x1 transparent PNG stands in for basemap tiles.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
TEST_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>map.js test</title></head>
<body><div id="map"></div><div id="choropleth"></div>
<script type="module" src="/map-test.js"></script></body></html>
"""
TEST_SCRIPT = """
import * as knacka from "/shared/map.js";
window.knacka = knacka;
const [one, ale] = await Promise.all(
  ["/surte-norra.geojson", "/ale.geojson"].map((u) => fetch(u).then((r) => r.json())),
);
// What the PWA would keep in IndexedDB; the position is never part of it.
window.geometry = one;
window.ale = ale;
window.mapReady = true;
"""


def _ale_geojson() -> dict[str, Any]:
    """Ale's outlines exactly as the API serves them, built without a database."""
    parsed = read_boundary_file(SWEREF_FILE.read_bytes(), kommun_codes={"1440", "1482", "1407"})
    ak = Ak(id=1, slug="ale", name="Ale", kommun_code="1440")
    rows = []
    for number, f in enumerate(sorted(parsed.features, key=lambda f: f.code), start=1):
        if not f.code.startswith("1440"):
            continue
        outline = outline_for_phone(f.outline)
        district = District(
            id=number,
            ak_id=1,
            code=f.code,
            name=f.name,
            prioritised=f.code in PRIORITISED_ALE,
            electorate=1000 + number * 10,
        )
        boundary = DistrictBoundary(
            district_id=number,
            geojson=json.dumps(outline.__geo_interface__),
            min_lon=0,
            min_lat=0,
            max_lon=0,
            max_lat=0,
            source_crs="EPSG:3006",
            tolerance_m=5,
        )
        rows.append((district, ak, boundary))
    return json.loads(feature_collection(rows))  # type: ignore[no-any-return]


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/tiles/"):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def ale() -> dict[str, Any]:
    return _ale_geojson()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, ale: dict[str, Any]) -> Iterator[str]:
    root = tmp_path_factory.mktemp("map-site")
    shutil.copytree(REPO_ROOT / "pwa" / "shared", root / "shared")
    (root / "map-test.html").write_text(TEST_PAGE, encoding="utf-8")
    (root / "map-test.js").write_text(TEST_SCRIPT, encoding="utf-8")
    surte = dict(
        ale, features=[f for f in ale["features"] if f["properties"]["code"] == SURTE_NORRA]
    )
    (root / "surte-norra.geojson").write_text(json.dumps(surte), encoding="utf-8")
    (root / "ale.geojson").write_text(json.dumps(ale), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _where(point: tuple[float, float]) -> dict[str, float]:
    return {"longitude": point[0], "latitude": point[1], "accuracy": 5}


class Recorded:
    def __init__(self, context: BrowserContext) -> None:
        self.requests: list[tuple[str, str]] = []
        context.on("request", lambda r: self.requests.append((r.url, r.post_data or "")))

    def assert_no_position(self, *points: tuple[float, float]) -> None:
        for lon, lat in points:
            for text in (f"{lat:.3f}", f"{lon:.3f}", f"{lat:.2f}".replace(".", ",")):
                leaks = [url for url, body in self.requests if text in url or text in body]
                assert not leaks, f"{text} was sent in {leaks}"


def _open(
    browser: Browser, site: str, **context_args: Any
) -> tuple[BrowserContext, Page, Recorded]:
    context = browser.new_context(**context_args)
    recorded = Recorded(context)
    page = context.new_page()
    page.goto(f"{site}/map-test.html")
    page.wait_for_function("window.mapReady === true")
    return context, page, recorded


def test_the_outline_shows_offline_and_the_hint_follows_the_phone(browser: Browser, site: str):
    context, page, recorded = _open(
        browser, site, geolocation=_where(IN_SURTE_NORRA), permissions=["geolocation"]
    )
    try:
        context.set_offline(True)
        assert (
            page.evaluate("fetch('/surte-norra.geojson').then(() => 'online', () => 'offline')")
            == "offline"
        )
        page.evaluate(
            "() => { window.view = knacka.drawDistrict(document.querySelector('#map'), geometry);"
            " window.view.follow(); }"
        )
        outline = page.locator(".knacka-map-outline")
        expect(outline).to_have_count(1)
        assert (outline.get_attribute("d") or "").startswith("M")
        expect(page.locator("svg.knacka-map-svg")).to_have_attribute(
            "aria-label", "Karta över Surte norra"
        )
        expect(page.locator(".knacka-map-source")).to_have_text("Källa: Valmyndigheten")
        hint = page.locator(".knacka-map-hint")
        expect(hint).to_have_text("Du är i Surte norra.")
        expect(page.locator(".knacka-map-here")).to_have_attribute("visibility", "visible")

        context.set_geolocation(_where(IN_NODINGE_SODRA))
        expect(hint).to_contain_text("Du är utanför Surte norra.")
        expect(hint).to_contain_text("km bort, åt ")
        # With the volunteer's other districts on the phone, the hint names the one they are in.
        page.evaluate(
            "() => { window.view.stop(); window.view = knacka.drawDistrict("
            "document.querySelector('#map'), geometry, {others: ale.features});"
            " window.view.follow(); }"
        )
        hint = page.locator(".knacka-map-hint")
        expect(hint).to_have_text(
            re.compile(
                r"^Du är i Nödinge södra, ett av dina distrikt\. Surte norra börjar ungefär .+"
                r" bort, åt (norr|nordost|öster|sydost|söder|sydväst|väster|nordväst)\.$"
            )
        )
        context.set_geolocation(_where(IN_SURTE_NORRA))
        expect(hint).to_have_text("Du är i Surte norra.")

        context.set_offline(False)
        page.evaluate("window.view.stop()")
        # Nothing about the position was stored in the page either.
        stored = page.evaluate(
            "JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
        )
        assert "57.8" not in stored
        recorded.assert_no_position(IN_SURTE_NORRA, IN_NODINGE_SODRA)
        paths = sorted({url.removeprefix(site) for url, _ in recorded.requests})
        assert paths == [
            "/ale.geojson",
            "/map-test.html",
            "/map-test.js",
            "/shared/map.js",
            "/surte-norra.geojson",
        ]
    finally:
        context.close()


def test_a_refused_location_gets_a_plain_instruction(browser: Browser, site: str):
    context, page, _ = _open(browser, site)
    try:
        page.evaluate(
            "() => knacka.drawDistrict(document.querySelector('#map'), geometry).follow()"
        )
        expect(page.locator(".knacka-map-hint")).to_have_text(
            "Tillåt platsen i telefonens inställningar för att se var du är."
        )
    finally:
        context.close()


def test_basemap_tiles_depend_on_the_district_only_never_on_the_position(
    browser: Browser, site: str
):
    context, page, recorded = _open(
        browser, site, geolocation=_where(IN_NODINGE_SODRA), permissions=["geolocation"]
    )
    try:
        draw = (
            "() => { window.view = knacka.drawDistrict(document.querySelector('#map'), geometry,"
            " {tileUrl: location.origin + '/tiles/{z}/{x}/{y}.png', tileAttribution: '© Test'});"
            " return window.view.follow(); }"
        )
        tile_hrefs = "() => [...document.querySelectorAll('.knacka-map-tiles image')].map(i => i.getAttribute('href')).sort()"  # noqa: E501
        page.evaluate(draw)
        hint = page.locator(".knacka-map-hint")
        expect(hint).to_contain_text("Du är utanför Surte norra.")
        expect(page.locator(".knacka-map-tiles image").first).to_be_attached()
        page.wait_for_function(
            "performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/'))"
            ".length === document.querySelectorAll('.knacka-map-tiles image').length"
        )
        tiles_outside = page.evaluate(tile_hrefs)
        assert 1 <= len(tiles_outside) <= 36
        assert {u for u, _ in recorded.requests if "/tiles/" in u} == set(tiles_outside)
        expect(page.locator(".knacka-map-source")).to_have_text(
            "Källa: Valmyndigheten. Bakgrundskarta: © Test"
        )
        page.evaluate("window.view.destroy()")
        context.set_geolocation(_where(IN_SURTE_NORRA))
        page.evaluate(draw)
        expect(hint).to_have_text("Du är i Surte norra.")
        # The same district asks for the same tiles wherever the phone is.
        assert page.evaluate(tile_hrefs) == tiles_outside
        assert {u for u, _ in recorded.requests if "/tiles/" in u} == set(tiles_outside)
        recorded.assert_no_position(IN_SURTE_NORRA, IN_NODINGE_SODRA)

        # Offline, no tile is asked for and the outline alone is drawn.
        recorded.requests.clear()
        context.set_offline(True)
        page.evaluate(
            "() => knacka.drawDistrict(document.querySelector('#map'), geometry,"
            " {tileUrl: location.origin + '/tiles/{z}/{x}/{y}.png'})"
        )
        expect(page.locator(".knacka-map-outline")).to_have_count(1)
        expect(page.locator(".knacka-map-tiles")).to_have_count(0)
        assert recorded.requests == []
    finally:
        context.close()


def test_the_choropleth_shades_districts_marks_prioritised_ones_and_names_the_source(
    browser: Browser, site: str, ale: dict[str, Any]
):
    context, page, _ = _open(browser, site)
    try:
        ids = [f["properties"]["id"] for f in ale["features"]]
        values = {str(i): n * 7 for n, i in enumerate(ids)}
        del values[str(ids[0])]  # one district without a figure
        result = page.evaluate(
            """(values) => {
                const shown = knacka.drawChoropleth(document.querySelector('#choropleth'), ale,
                  {values, legendTitle: 'Samtal i år'});
                const perThousand = knacka.perThousandVoters(new Map(Object.entries(values)
                  .map(([k, v]) => [Number(k), v])), ale);
                return {breaks: shown.breaks, perThousand: [...perThousand.values()]};
            }""",
            values,
        )
        districts = page.locator("#choropleth .knacka-map-districts path")
        expect(districts).to_have_count(len(ids))
        prioritised = sum(f["properties"]["prioritised"] for f in ale["features"])
        expect(page.locator("#choropleth .knacka-map-prioritised path")).to_have_count(prioritised)
        legend = page.locator("#choropleth .knacka-map-legend")
        expect(legend).to_contain_text("Samtal i år")
        expect(legend).to_contain_text("Prioriterat distrikt")
        expect(legend).to_contain_text("Uppgift saknas")
        expect(page.locator("#choropleth .knacka-map-source")).to_have_text("Källa: Valmyndigheten")
        fills = districts.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
        assert fills[0].startswith("url(#knacka-nodata-")
        assert len(set(fills[1:])) == len(result["breaks"]) + 1 >= 4
        titles = districts.evaluate_all("ps => ps.map(p => p.querySelector('title').textContent)")
        assert "Nödinge södra: " in " ".join(titles) and "(prioriterat)" in " ".join(titles)
        assert any("uppgift saknas" in t for t in titles)
        assert result["perThousand"][0] is None and result["perThousand"][1] > 0
    finally:
        context.close()


def test_point_in_polygon_respects_holes_and_the_hint_admits_gps_uncertainty(
    browser: Browser, site: str
):
    context, page, _ = _open(browser, site)
    try:
        result = page.evaluate(
            """() => {
                // A 0.01-degree square with a hole in the middle, and a second island.
                const square = [[12, 57], [12.01, 57], [12.01, 57.01], [12, 57.01], [12, 57]];
                const hole = [[12.004, 57.004], [12.006, 57.004], [12.006, 57.006],
                              [12.004, 57.006], [12.004, 57.004]];
                const island = [[12.02, 57], [12.03, 57], [12.03, 57.01], [12.02, 57]];
                const geometry = {type: "MultiPolygon", coordinates: [[square, hole], [island]]};
                const feature = {type: "Feature", properties: {name: "Provdistrikt"}, geometry};
                const k = window.knacka;
                return {
                  inside: k.containsPoint(geometry, [12.002, 57.002]),
                  inHole: k.containsPoint(geometry, [12.005, 57.005]),
                  onIsland: k.containsPoint(geometry, [12.028, 57.002]),
                  between: k.containsPoint(geometry, [12.015, 57.005]),
                  edge: Math.round(k.distanceToBoundary(geometry, [12.005, 57.0055])),
                  sure: k.locationHint(feature, {longitude: 12.002, latitude: 57.002, accuracy: 5}),
                  unsure: k.locationHint(feature, {longitude: 12.002, latitude: 57.002,
                                                   accuracy: 500}),
                  outside: k.locationHint(feature, {longitude: 12.015, latitude: 57.005}),
                  west: k.locationHint(feature, {longitude: 12.013, latitude: 57.005}),
                  north: k.locationHint(feature, {longitude: 12.005, latitude: 56.998}),
                  // The point lies in another of the volunteer's districts.
                  neighbour: k.locationHint(feature, {longitude: 12.013, latitude: 57.005}, [
                    feature,
                    {type: "Feature", properties: {name: "Granndistrikt"}, geometry: {
                      type: "Polygon",
                      coordinates: [[[12.011, 57], [12.019, 57], [12.019, 57.01],
                                     [12.011, 57.01], [12.011, 57]]]}},
                  ]),
                };
            }"""
        )
        assert result["inside"] and result["onIsland"]
        assert not result["inHole"] and not result["between"]
        assert 50 <= result["edge"] <= 60  # 0.0005 degrees of latitude is about 55 m
        assert result["sure"] == "Du är i Provdistrikt."
        assert result["unsure"] == "Du är i Provdistrikt, nära gränsen."
        assert result["outside"].startswith("Du är utanför Provdistrikt. Gränsen är ungefär ")
        assert " meter bort, åt " in result["outside"]
        # 0.003 degrees of longitude at 57° N is about 180 m; the square lies to the west.
        assert (
            result["west"]
            == "Du är utanför Provdistrikt. Gränsen är ungefär 180 meter bort, åt väster."
        )
        assert result["north"].endswith("meter bort, åt norr.")
        assert result["neighbour"] == (
            "Du är i Granndistrikt, ett av dina distrikt. "
            "Provdistrikt börjar ungefär 180 meter bort, åt väster."
        )
    finally:
        context.close()


def test_a_few_busy_districts_among_many_at_zero_get_their_own_shade(
    browser: Browser, site: str, ale: dict[str, Any]
):
    context, page, _ = _open(browser, site)
    try:
        ids = [f["properties"]["id"] for f in ale["features"]]
        values = {str(i): 0 for i in ids}
        values[str(ids[0])] = 12
        page.evaluate(
            "(values) => knacka.drawChoropleth(document.querySelector('#choropleth'), ale,"
            " {values, legendTitle: 'Samtal i år'})",
            values,
        )
        fills = page.locator("#choropleth .knacka-map-districts path").evaluate_all(
            "ps => ps.map(p => p.getAttribute('fill'))"
        )
        assert fills[0] != fills[1] and len(set(fills[1:])) == 1
        items = page.locator("#choropleth .knacka-map-legend li span")
        assert [t.strip() for t in items.all_inner_texts()[:2]] == ["0", "12"]
    finally:
        context.close()
