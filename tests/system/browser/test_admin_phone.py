"""Every /admin page at 390×844, as staff and as an organiser: nothing scrolls sideways, no
control lies beyond the right edge, no interactive element is under 44×44 px, no text under
14 px, and axe finds nothing serious. Screenshots go to test-artifacts/screenshots/."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import fresh_database
from tests.support.admin_pages import SECRET, YEAR, axe_violations, signed_in_page
from tests.support.browser import PHONE, SHOTS
from tests.support.people import make_person
from tests.support.servers import knacka_server

pytestmark = pytest.mark.browser
STAFF_PAGES = ["#/oversikt", "#/ak?ak=ale", "#/mal", "#/distrikt", "#/organisatorer", "#/logg"]
SHARED_PAGES = [f"#/rapport?year={YEAR}", "#/sakerhet"]
ORGANISER_PAGES = ["#/ak", "#/pass"]

LAYOUT_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = document.documentElement.scrollWidth > width;
  const bad = [];
  const selector = "a[href], button, input, select, summary, [role=button]";
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (el.closest("[hidden], dialog:not([open]), .skip")) continue;
    if (el.closest("details:not([open])") && el.tagName !== "SUMMARY") continue;
    const label = el.textContent || el.getAttribute("aria-label") || el.name || el.tagName;
    const name = label.trim().slice(0, 40);
    if (r.right > width + 0.5) bad.push(`beyond the edge: ${name}`);
    const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
    if (r.width < 44 || r.height < 44) bad.push(`${size}: ${name}`);
  }
  for (const el of document.querySelectorAll("main *, header *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest("svg");
    const box = svg?.viewBox.baseVal;
    if (box && box.width) size *= svg.getBoundingClientRect().width / box.width;
    if (size < 13.5) bad.push(`text ${size.toFixed(1)} px: ${el.textContent.trim().slice(0, 30)}`);
  }
  return { wide, bad: bad.slice(0, 20) };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        fresh_database("sqlite", tmp_path_factory.mktemp("admin-phone")) as url,
        knacka_server(url) as base,
    ):
        yield {
            "base": base,
            "staff": make_person(url, SECRET, "staff"),
            "organiser": make_person(url, SECRET, "organiser", ["ale"]),
        }


def check(page: Page, who: str, hash_: str) -> None:
    page.goto(f"/admin{hash_}")
    page.locator("main h1").first.wait_for()
    page.wait_for_function("() => !document.querySelector('main').textContent.includes('Hämtar …')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = hash_.strip("#/").split("?")[0] or "start"
    page.screenshot(path=str(SHOTS / f"admin-{who}-{name}.png"), full_page=True)
    layout = page.evaluate(LAYOUT_JS)
    assert not layout["wide"], f"{who} {hash_} scrolls sideways"
    assert layout["bad"] == [], f"{who} {hash_}: {layout['bad']}"
    assert axe_violations(page) == [], f"{who} {hash_}"


@pytest.mark.parametrize("who", ["staff", "organiser"])
def test_every_admin_page_fits_a_phone(server: dict[str, Any], browser: Browser, who: str):
    pages = (STAFF_PAGES if who == "staff" else ORGANISER_PAGES) + SHARED_PAGES
    page = signed_in_page(browser, server["base"], server[who], pages[0], **PHONE, bypass_csp=True)
    try:
        for hash_ in pages:
            check(page, who, hash_)
    finally:
        page.context.close()
