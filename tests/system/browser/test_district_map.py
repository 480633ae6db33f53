"""The district screen's map on a real server (`knacka serve`, SQLite and PostgreSQL) with
Valmyndigheten's boundaries imported: the outline offline, "du är här" from a mocked
position, and the position never leaving the phone (no request, no IndexedDB)."""

import json
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Request, expect

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.support.browser import (
    PageErrors,
    join,
    new_phone,
    open_district,
    tap,
    wait_ready,
    wait_service_worker,
    wait_until_waiting,
)
from tests.support.browser_server import KNACKA, KnackaServer
from tests.support.districts import IN_NODINGE_SODRA, IN_SURTE_NORRA, SWEREF_FILE

pytestmark = pytest.mark.browser
SURTE_NORRA = "14400103"
MAP_CODE = {"/shared/map.js", "/js/district-map.js", "/js/outlines.js"}

# Counts the app's use of the position API (the mocked position still comes through).
GEO_SPY = """
(() => {
  const g = navigator.geolocation;
  const calls = { watch: 0, clear: 0, get: 0 };
  Object.defineProperty(window, "geoCalls", { value: calls });
  const watch = g.watchPosition.bind(g);
  const clear = g.clearWatch.bind(g);
  const get = g.getCurrentPosition.bind(g);
  g.watchPosition = (...args) => { calls.watch++; return watch(...args); };
  g.clearWatch = (...args) => { calls.clear++; return clear(...args); };
  g.getCurrentPosition = (...args) => { calls.get++; return get(...args); };
})();
"""

# Everything the app keeps in IndexedDB, as JSON text per store and key.
IDB_DUMP = """
() => new Promise((resolve, reject) => {
  const open = indexedDB.open("knacka");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const names = [...db.objectStoreNames];
    const tx = db.transaction(names);
    const out = {};
    for (const name of names) {
      const store = tx.objectStore(name);
      const keys = store.getAllKeys();
      const values = store.getAll();
      values.onsuccess = () => {
        keys.result.forEach((k, i) => { out[`${name}:${k}`] = JSON.stringify(values.result[i]); });
      };
    }
    tx.oncomplete = () => { db.close(); resolve(out); };
  };
})
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KnackaServer]:
    work = tmp_path_factory.mktemp(f"knacka-map-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{work / 'knacka.db'}"
    else:
        url = create_postgres_database()
    knacka = KnackaServer(url, work)
    knacka.start()
    try:
        # As an operator does: the official boundary file, through the CLI.
        subprocess.run(
            [str(KNACKA), "districts", "import", str(SWEREF_FILE), "--division-year", "2022"],
            env=knacka.env(),
            check=True,
            capture_output=True,
            cwd=work,
        )
        yield knacka
    finally:
        knacka.close()
        if request.param == "postgresql":
            drop_postgres_database(url)


@pytest.fixture
def phone(browser: Browser, server: KnackaServer) -> Iterator[BrowserContext]:
    where = {"longitude": IN_SURTE_NORRA[0], "latitude": IN_SURTE_NORRA[1], "accuracy": 5}
    context = new_phone(browser, server.url, geolocation=where, permissions=["geolocation"])
    context.add_init_script(GEO_SPY)
    yield context
    context.close()


def place(locator: Locator) -> list[float]:
    """Where an element sits on the page (not the viewport: scrolling does not count)."""
    return list(
        locator.evaluate(
            "e => { const r = e.getBoundingClientRect();"
            " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }"
        )
    )


def position_texts() -> list[str]:
    """How a position could show up in a request: its digits, cut or rounded."""
    texts = []
    for lon, lat in (IN_SURTE_NORRA, IN_NODINGE_SODRA):
        for value in (lon, lat):
            texts += [f"{value:.3f}", f"{value:.4f}", f"{value:.6f}"[:-1]]
    return sorted(set(texts))


def carries_position(text: str) -> list[str]:
    return [t for t in position_texts() if t in text]


def test_outline_offline_and_where_am_i_stays_on_the_phone(
    phone: BrowserContext, server: KnackaServer
):
    requests: list[Request] = []
    # Page and service worker requests alike (Chromium reports both to the context).
    phone.on("request", lambda r: requests.append(r))
    page = phone.new_page()
    errors = PageErrors(page)
    organiser = server.add_organiser("ale")
    listed = server.api("GET", "/api/districts?ak=ale", organiser)
    surte = next(d for d in listed if d["code"] == SURTE_NORRA)
    page.goto(server.invite_path(organiser, "ale"))
    page.get_by_label("Ditt förnamn").wait_for()
    # The first load (up to a usable join screen) carries none of the map's code; only the
    # service worker fetches it afterwards, to keep it offline.
    loaded = {r.url.removeprefix(server.url) for r in requests if not r.service_worker}
    assert "/app.js" in loaded
    assert loaded.isdisjoint(MAP_CODE)
    # One navigation only: the service worker installs from this visit.
    page.get_by_label("Ditt förnamn").fill("Vera")
    page.get_by_role("button", name="Börja knacka").click()
    page.get_by_role("heading", name="Hej Vera!").wait_for()
    wait_service_worker(page)
    server.api(
        "POST",
        "/api/assignments",
        organiser,
        json={"district_id": surte["id"], "user_id": server.volunteer_id("Vera")},
    )
    page.reload()
    wait_ready(page)
    page.locator(".district-link", has_text="Surte norra").first.wait_for()
    open_district(page, "Surte norra")
    expect(page.locator(".knacka-map-outline")).to_have_count(1)
    expect(page.locator(".knacka-map-source")).to_have_text("Källa: Valmyndigheten")

    # Offline, reloaded: the outline comes from IndexedDB, map.js from the service worker.
    phone.set_offline(True)
    page.reload()
    wait_ready(page)
    page.get_by_role("heading", level=1, name="Surte norra").wait_for()
    expect(page.locator(".knacka-map-outline")).to_have_count(1)
    expect(page.locator(".knacka-map-source")).to_have_text("Källa: Valmyndigheten")
    button = page.get_by_role("button", name="Nej tack", exact=True)
    buttons_before = place(button)
    # The four buttons are on the first screen of a phone; the map comes after them.
    box = page.locator(".outcomes").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    map_box = page.locator(".knacka-map").bounding_box()
    assert map_box is not None and map_box["y"] >= box["y"] + box["height"]

    # The position is asked for only when the volunteer taps the button.
    assert page.evaluate("() => window.geoCalls") == {"watch": 0, "clear": 0, "get": 0}
    hint = page.locator(".knacka-map-hint")
    expect(hint).to_have_text("")
    page.get_by_role("button", name="Visa var jag är").click()
    expect(hint).to_have_text("Du är i Surte norra.")
    expect(page.locator(".knacka-map-here")).to_have_attribute("visibility", "visible")
    assert place(button) == buttons_before  # the map and its hint sit below them
    assert page.evaluate("() => window.geoCalls.watch") == 1
    phone.set_geolocation(
        {"longitude": IN_NODINGE_SODRA[0], "latitude": IN_NODINGE_SODRA[1], "accuracy": 5}
    )
    # Nödinge södra is one of the districts the phone lists: the hint names it and the way.
    expect(hint).to_have_text(
        "Du är i Nödinge södra, ett av dina distrikt. Surte norra börjar ungefär 4,2 km bort,"
        " åt söder."
    )
    tap(page, "Ej hemma")  # logging goes on while the position is shown
    phone.set_geolocation(
        {"longitude": IN_SURTE_NORRA[0], "latitude": IN_SURTE_NORRA[1], "accuracy": 5}
    )
    expect(hint).to_have_text("Du är i Surte norra.")
    tap(page, "Nej tack")
    phone.set_offline(False)
    wait_until_waiting(page, 0)
    held = [r for r in server.door_logs() if r["user_id"] == server.volunteer_id("Vera")]
    assert sorted(r["outcome"] for r in held) == ["declined", "not_home"]

    # Leaving the screen stops watching the position.
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.get_by_role("heading", name="Hej Vera!").wait_for()
    assert page.evaluate("() => window.geoCalls") == {"watch": 1, "clear": 1, "get": 0}

    # Never sent: no request (URL or body) carries the position, nor does the access log.
    sent = [(r.url, r.post_data or "") for r in requests]
    assert any("/api/sync" in url for url, _ in sent)
    assert [(u, b) for u, b in sent if carries_position(u + b)] == []
    assert carries_position(server.log_path.read_text(encoding="utf-8", errors="replace")) == []
    # Never stored: the only coordinates on the phone are the outlines themselves.
    stored = page.evaluate(IDB_DUMP)
    outlines = json.loads(stored.pop("kv:cache:outlines"))
    for district_id, kept in outlines.items():
        if kept["geojson"] is not None:  # exactly the server's outline, nothing added
            answer = server.api("GET", f"/api/districts/{district_id}/geometry", organiser)
            assert kept["geojson"] == answer
    assert [k for k, v in stored.items() if carries_position(v)] == []
    storage = "() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"
    assert page.evaluate(storage) == "{}{}"
    # What the map adds to the district's offline data: its outline (docs/BENCHMARKS.md).
    size = len(json.dumps(outlines[str(surte["id"])]["geojson"], separators=(",", ":")))
    kept = [o["geojson"] for o in outlines.values() if o["geojson"]]
    total = sum(len(json.dumps(g, separators=(",", ":"))) for g in kept)
    print(f"\nOutlines kept offline: Surte norra {size} B; {len(kept)} districts, {total} B")
    assert 0 < size < 20_000
    assert errors.errors == []


def test_a_district_without_an_outline_logs_as_before(phone: BrowserContext, server: KnackaServer):
    page = phone.new_page()
    errors = PageErrors(page)
    organiser = server.add_organiser("partille")  # no boundaries imported for Partille
    join(page, server.invite_path(organiser, "partille"), "Pia")
    name = page.locator(".district-link .district-name").first.inner_text()
    open_district(page, name)
    tap(page, "Ej hemma")
    wait_until_waiting(page, 0)
    assert page.locator(".knacka-map").count() == 0
    assert page.get_by_role("button", name="Visa var jag är").count() == 0
    assert page.evaluate("() => window.geoCalls.watch") == 0
    held = [r for r in server.door_logs() if r["user_id"] == server.volunteer_id("Pia")]
    assert [r["outcome"] for r in held] == ["not_home"]
    assert errors.errors == []


# Marks one kept outline as missing (as when the phone asked before boundaries were imported),
# fetched `minutes` ago.
MARK_MISSING = """
([id, minutes]) => new Promise((resolve, reject) => {
  const open = indexedDB.open("knacka");
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction("kv", "readwrite");
    const kv = tx.objectStore("kv");
    const read = kv.get("cache:outlines");
    read.onsuccess = () => {
      const outlines = read.result;
      outlines[id] = { geojson: null, fetched_at: Date.now() - minutes * 60000 };
      kv.put(outlines, "cache:outlines");
    };
    tx.oncomplete = () => { db.close(); resolve(); };
    tx.onerror = () => reject(tx.error);
  };
  open.onerror = () => reject(open.error);
})
"""


def test_a_missing_outline_is_asked_for_again(phone: BrowserContext, server: KnackaServer):
    page = phone.new_page()
    organiser = server.add_organiser("ale")
    join(page, server.invite_path(organiser, "ale"), "Maja")
    surte = next(
        d for d in server.api("GET", "/api/districts?ak=ale", organiser) if d["code"] == SURTE_NORRA
    )
    server.api(
        "POST",
        "/api/assignments",
        organiser,
        json={"district_id": surte["id"], "user_id": server.volunteer_id("Maja")},
    )
    page.reload()
    wait_ready(page)
    page.locator(".district-link", has_text="Surte norra").first.wait_for()
    # Missing a minute ago: not asked again yet, so the screen has no map.
    page.evaluate(MARK_MISSING, [surte["id"], 1])
    page.reload()
    wait_ready(page)
    open_district(page, "Surte norra")
    expect(page.get_by_role("button", name="Ej hemma")).to_be_visible()
    assert page.locator(".knacka-map").count() == 0
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.get_by_role("heading", name="Hej Maja!").wait_for()
    # Missing for more than ten minutes: the next start asks again, and the map is there.
    page.evaluate(MARK_MISSING, [surte["id"], 11])
    page.reload()
    wait_ready(page)
    open_district(page, "Surte norra")
    expect(page.locator(".knacka-map-outline")).to_have_count(1)
