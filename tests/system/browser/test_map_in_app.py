"""map.js inside the real app: its strict CSP, its API answer, offline, mocked geolocation.

One Knacka server per module (SQLite; the API's database parity is tested in tests/routes),
serving a copy of pwa/ plus a small test page, with Valmyndigheten's boundaries imported.
"""

import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect, sync_playwright
from sqlmodel import Session, select

from api.accounts.sessions import create_session
from api.core.config import REPO_ROOT
from api.core.db import make_engine
from api.main import create_app
from api.models.accounts import User, UserAk
from api.models.plan import District
from api.ops.migrate import upgrade_to_head
from api.plan.seed import read_plan, seed_plan
from tests.conftest import TEST_SECRET, make_settings
from tests.support.browser import CHROMIUM_ARGS
from tests.support.districts import IN_NODINGE_SODRA, IN_SURTE_NORRA, SWEREF_FILE, run_import
from tests.support.servers import free_port

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Distrikt</title></head>
<body><main><h1>Surte norra</h1><div id="map"></div></main>
<script type="module" src="/map-e2e.js"></script></body></html>
"""
# No inline script: the app's CSP allows only 'self'.
SCRIPT = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(e.violatedDirective);
});
const id = new URLSearchParams(location.search).get("district");
const [outline, config] = await Promise.all(
  [`/api/districts/${id}/geometry`, "/api/maps/config"].map((u) => fetch(u).then((r) => r.json())),
);
window.outline = outline;
window.mapConfig = config;
window.ready = true;
window.showDistrict = async () => {
  const { drawDistrict } = await import("/shared/map.js");
  window.view = drawDistrict(document.querySelector("#map"), window.outline, {
    tileUrl: window.mapConfig.tile_url, tileAttribution: window.mapConfig.tile_attribution,
  });
  window.view.follow();
};
"""


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int]]:
    root = tmp_path_factory.mktemp("app")
    pwa = root / "pwa"
    shutil.copytree(REPO_ROOT / "pwa", pwa)
    (pwa / "map-e2e.html").write_text(PAGE, encoding="utf-8")
    (pwa / "map-e2e.js").write_text(SCRIPT, encoding="utf-8")
    url = f"sqlite:///{root / 'knacka.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_plan(session=session, plan=read_plan(REPO_ROOT / "seeds"))
    run_import(engine, SWEREF_FILE, year=2022)
    with Session(engine) as session:
        surte = session.exec(select(District).where(District.code == "14400103")).one()
        volunteer = User(name="Vera", role="volunteer")
        session.add(volunteer)
        session.flush()
        ale_id = surte.ak_id
        session.add(UserAk(user_id=volunteer.id, ak_id=ale_id))  # type: ignore[arg-type]
        token, _ = create_session(
            session=session, user=volunteer, secret_key=TEST_SECRET, ttl=timedelta(hours=1)
        )
        session.commit()
        surte_id = surte.id
    engine.dispose()
    assert surte_id is not None
    settings = make_settings(url, pwa_dir=Path(pwa))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "server did not start"
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{port}", token, surte_id
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_the_district_screen_shows_its_outline_offline_under_the_apps_csp(
    browser: Browser, app_server: tuple[str, str, int]
):
    base, token, surte_id = app_server
    where = {"longitude": IN_SURTE_NORRA[0], "latitude": IN_SURTE_NORRA[1], "accuracy": 5}
    context = browser.new_context(
        geolocation=where,
        permissions=["geolocation"],
        extra_http_headers={"Authorization": f"Bearer {token}"},
    )
    requests: list[tuple[str, str]] = []
    context.on("request", lambda r: requests.append((r.url, r.post_data or "")))
    page = context.new_page()
    failed: list[str] = []
    # The browser's own favicon probe is the only request the test page does not make.
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    try:
        shown = page.goto(f"{base}/map-e2e.html?district={surte_id}")
        assert shown is not None
        assert "style-src 'self';" in shown.headers["content-security-policy"]
        page.wait_for_function("() => window.ready === true")
        # map.js is precached by the app's service worker in real use; here the browser
        # cache holds it, so it is fetched once while online.
        page.evaluate("() => import('/shared/map.js').then(() => true)")
        context.set_offline(True)
        page.evaluate("() => window.showDistrict()")
        expect(page.locator(".knacka-map-outline")).to_have_count(1)
        expect(page.locator(".knacka-map-source")).to_have_text("Källa: Valmyndigheten")
        hint = page.locator(".knacka-map-hint")
        expect(hint).to_have_text("Du är i Surte norra.")
        context.set_geolocation(
            {**where, "longitude": IN_NODINGE_SODRA[0], "latitude": IN_NODINGE_SODRA[1]}
        )
        expect(hint).to_contain_text("Du är utanför Surte norra.")
        context.set_geolocation(where)
        expect(hint).to_have_text("Du är i Surte norra.")
        assert page.evaluate("() => window.cspViolations") == []
        assert failed == []
        for lon, lat in (IN_SURTE_NORRA, IN_NODINGE_SODRA):
            for text in (f"{lat:.3f}", f"{lon:.3f}"):
                assert not [u for u, body in requests if text in u or text in body]
        paths = sorted({u.removeprefix(base).split("?")[0] for u, _ in requests} - {"/favicon.ico"})
        assert paths == [
            f"/api/districts/{surte_id}/geometry",
            "/api/maps/config",
            "/map-e2e.html",
            "/map-e2e.js",
            "/shared/map.js",
        ]
    finally:
        context.close()
