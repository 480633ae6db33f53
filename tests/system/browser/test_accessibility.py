"""Every screen of the volunteer app: axe-core finds no serious or critical violation, every
tap target is at least 48 x 48 px, and at 200 % text size nothing needs sideways scrolling.

axe-core is vendored unmodified in tests/support/vendor/ (see README.md there). The pages run
against the stand-in server (standin.py) so every state (refused logs, an ended session, a
new version) can be brought about on purpose.
"""

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from api.core.config import REPO_ROOT
from tests.support.browser import (
    axe_violations,
    join,
    new_phone,
    open_district,
    tap,
    wait_service_worker,
    wait_until_waiting,
)
from tests.support.standin import CANNED, Answer, StandIn

pytestmark = pytest.mark.browser
MIN_TARGET_PX = 48

TARGETS_JS = """
(min) => [...document.querySelectorAll("a, button, input, select, textarea, [role=button]")]
  .filter(el => el.getClientRects().length > 0 && el.offsetParent !== null)
  .filter(el => { const r = el.getBoundingClientRect(); return r.right > 0 && r.bottom > 0; })
  .map(el => { const r = el.getBoundingClientRect();
    return { text: (el.innerText || el.getAttribute("aria-label") || el.id || el.tagName).trim(),
             width: r.width, height: r.height }; })
  .filter(t => t.width < min || t.height < min)
"""

OVERFLOW_JS = """
() => {
  const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  const clipped = [...document.querySelectorAll("button, a, p, h1, h2, label, span")]
    .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1
                  && getComputedStyle(el).overflowX === "hidden")
    .map(el => el.innerText.slice(0, 40));
  return { wide, clipped, scrollWidth: document.documentElement.scrollWidth };
}
"""


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    pwa = tmp_path_factory.mktemp("a11y") / "pwa"
    shutil.copytree(REPO_ROOT / "pwa", pwa)
    server = StandIn(pwa_dir=pwa).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser: Browser, standin: StandIn) -> Iterator[Page]:
    standin.reset()
    # axe is injected as a script: only this module's pages bypass the CSP to allow that.
    context = new_phone(browser, standin.url, bypass_csp=True)
    yield context.new_page()
    context.close()


def check(page: Page, screen: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{screen}: {violations}"
    small = page.evaluate(TARGETS_JS, MIN_TARGET_PX)
    assert small == [], f"{screen}: tap targets under {MIN_TARGET_PX} px: {small}"
    page.evaluate("() => { document.documentElement.style.fontSize = '225%'; }")
    try:
        overflow = page.evaluate(OVERFLOW_JS)
        assert not overflow["wide"], f"{screen} at 200 % text scrolls sideways: {overflow}"
        assert overflow["clipped"] == [], f"{screen} at 200 % text clips: {overflow}"
    finally:
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")


def test_join_screen(page: Page):
    page.goto("/join/KOD123")
    page.get_by_label("Ditt förnamn").wait_for()
    check(page, "join")
    page.get_by_role("button", name="Börja knacka").click()
    page.get_by_text("Skriv ditt förnamn.").wait_for()
    assert page.get_by_label("Ditt förnamn").get_attribute("aria-invalid") == "true"
    check(page, "join with an error")


def test_home_and_district_screens(page: Page):
    join(page, "/join/KOD123")
    check(page, "home")
    open_district(page, "Partille Centrum")
    page.locator(".knacka-map-outline").wait_for()
    check(page, "district with its map")
    # No permission for the position in this context: the map says what to do.
    page.get_by_role("button", name="Visa var jag är").click()
    page.locator(".knacka-map-hint", has_text="Tillåt platsen").wait_for()
    check(page, "district map without the position allowed")
    tap(page, "Samtal")
    page.get_by_role("heading", name="Samtal sparat").wait_for()
    page.get_by_role("button", name="Sjukvård").click()
    assert page.get_by_role("button", name="Sjukvård").get_attribute("aria-pressed") == "true"
    check(page, "quick step after a conversation")
    page.get_by_role("button", name="Klar").click()
    page.get_by_role("button", name="Ångra", exact=True).wait_for()
    check(page, "district with undo")


def test_offline_waiting_refused_and_signed_out(page: Page, standin: StandIn):
    join(page, "/join/KOD123")
    open_district(page, "Partille Centrum")
    page.context.set_offline(True)
    tap(page, "Ej hemma")
    tap(page, "Nej tack")
    tap(page, "Kom inte in")
    wait_until_waiting(page, 3)
    page.locator("#offline-banner").wait_for()
    check(page, "offline with waiting logs")

    def refuse_first(body: dict) -> Answer:
        first, *rest = body["logs"]
        results = [{"id": first["id"], "status": "rejected", "code": "unknown_district"}]
        return Answer.json(200, {"results": results + [{"id": r["id"]} for r in rest]})

    standin.answer_next(
        refuse_first, Answer.json(401, {"detail": "No", "code": "not_authenticated"})
    )
    page.context.set_offline(False)
    page.locator("#signin-banner").wait_for()
    page.locator(".refused-item").wait_for()
    check(page, "refused log and ended session")
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.get_by_role("button", name="Logga ut").click()
    page.get_by_role("dialog").wait_for()
    check(page, "logout warning")


def test_update_offer(page: Page, standin: StandIn):
    join(page, "/join/KOD123")
    wait_service_worker(page)
    css: Path = standin.pwa_dir / "css" / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* a11y deploy */\n", encoding="utf-8")
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    page.get_by_role("button", name="Ny version – ladda om").wait_for()
    check(page, "update offered")


def test_the_buttons_do_not_move_under_the_thumb(page: Page, standin: StandIn):
    """Logging, sending and the undo bar never shift the four buttons (no mis-taps)."""
    join(page, "/join/KOD123")
    open_district(page, "Partille Centrum")
    page.locator(".knacka-map-outline").wait_for()
    button = page.get_by_role("button", name="Nej tack", exact=True)
    before = button.bounding_box()
    for _ in range(3):
        tap(page, "Nej tack")
        assert button.bounding_box() == before
    wait_until_waiting(page, 0)
    assert button.bounding_box() == before
    assert len(standin.calls) >= 1


def test_campaign_screens(page: Page, monkeypatch: pytest.MonkeyPatch):
    """Two campaigns at once, the samtalsstöd card, the question, workplace or stall."""
    day = date.today()
    base = {
        "starts_on": (day - timedelta(days=5)).isoformat(),
        "ends_on": (day + timedelta(days=5)).isoformat(),
        "aks": None,
        "goal": None,
        "topics": ["sjukvard"],
    }
    campaigns = [
        base
        | {
            "id": 2,
            "name": "Trygg i Partille med ett långt kampanjnamn",
            "starts_on": day.isoformat(),
            "guide": "Säg vem du är.\n\nFråga vad som känns otryggt.",
            "question": {
                "text": "Vad behövs mest?",
                "options": ["Fler poliser", "Bättre belysning"],
            },
        },
        base | {"id": 1, "name": "Vården först", "guide": "Börja med vården.", "question": None},
    ]
    monkeypatch.setitem(CANNED, "/api/campaigns", campaigns)
    join(page, "/join/KOD123")
    open_district(page, "Partille Centrum")
    page.locator("#campaign-bar").get_by_role("button", name="Vården först").wait_for()
    check(page, "district with two campaigns")
    page.get_by_role("link", name="Samtalsstöd").click()
    page.get_by_role("heading", level=1, name="Samtalsstöd").wait_for()
    page.get_by_role("heading", name="Vad behövs mest?").wait_for()
    check(page, "samtalsstöd card")
    page.get_by_role("link", name="← Tillbaka till dörrarna").click()
    tap(page, "Samtal")
    page.get_by_role("button", name="Bättre belysning").click()
    check(page, "quick step with the campaign's question")
    page.get_by_role("button", name="Klar").click()
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.get_by_role("link", name="Samtal på arbetsplats eller torg").click()
    page.get_by_role("heading", level=1, name="Arbetsplats eller torg").wait_for()
    check(page, "workplace or stall")
    page.get_by_role("button", name="Samtal", exact=True).click()
    page.get_by_role("button", name="Ångra", exact=True).first.wait_for()
    check(page, "workplace or stall with undo")
