"""Staff handle the next plan in /admin: upload a workbook, read the preview, confirm; confirm
the successors of a split district; organisers see where to knock next. axe on each page.

One server (SQLite file; the API's PostgreSQL parity is in tests/routes and tests/plan).
"""

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect, sync_playwright
from sqlmodel import Session, select

from api.core.db import make_engine
from api.models.plan import District
from tests.conftest import fresh_database
from tests.support.admin_pages import SECRET, api_get, axe_violations, signed_in_page
from tests.support.browser import CHROMIUM_ARGS
from tests.support.districts import SWEREF_FILE, run_import, split_division
from tests.support.people import make_person
from tests.support.servers import knacka_server
from tests.support.workbooks import edited, find_row, set_cell

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        fresh_database("sqlite", tmp_path_factory.mktemp("plan")) as url,
        knacka_server(url) as base,
    ):
        engine = make_engine(url)
        try:
            # The 2022 division with electorate, then a 2026 one splitting Nödinge södra.
            run_import(engine, SWEREF_FILE, year=2022)
            with Session(engine) as session:
                for district in session.exec(select(District)).all():
                    district.electorate, district.turnout_pct = 1700, 80.0
                    session.add(district)
                session.commit()
            run_import(engine, split_division("14400101", ("14400190", "14400191")), year=2026)
        finally:
            engine.dispose()
        yield {"url": url, "base": base, "staff": make_person(url, SECRET, "staff")}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _exported(server: dict[str, Any]) -> bytes:
    response = httpx.get(
        f"{server['base']}/api/plan/workbook",
        headers={"Authorization": f"Bearer {server['staff']}"},
        timeout=30,
    )
    assert response.status_code == 200
    return response.content


def test_staff_upload_a_workbook_see_the_preview_and_confirm(
    server: dict[str, Any], browser: Browser
):
    def next_plan(book: Any) -> None:
        book["AK"].append(["goteborg", "Göteborg", "1480"])
        book["Mål"].append(["goteborg", 2027, 5000, 60])

    raw = edited(_exported(server), next_plan)
    page = signed_in_page(browser, server["base"], server["staff"], "#/plan")
    expect(page.get_by_role("heading", name="Planen", level=1)).to_be_visible()
    page.get_by_label("Ändrad arbetsbok").set_input_files(
        {"name": "plan.xlsx", "mimeType": XLSX, "buffer": raw}
    )
    page.get_by_role("button", name="Förhandsgranska ändringarna").click()
    changes = page.locator("#workbook-changes li")
    expect(changes).to_have_count(2)
    expect(changes.nth(0)).to_contain_text("Ny AK: Göteborg")
    expect(changes.nth(1)).to_contain_text("Nytt mål goteborg 2027: 5000 samtal, 60 medlemmar")
    # Nothing is saved until the button is pressed.
    assert all(g["ak"] != "goteborg" for g in _goals(server))
    page.get_by_role("button", name="Spara 2 ändringar").click()
    expect(page.locator("#workbook-applied")).to_have_text("Sparat: 2 ändringar.")
    assert {"ak": "goteborg", "year": 2027, "conversations": 5000, "members": 60} in _goals(server)
    page.context.close()


def _goals(server: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        return list(api_get(server["base"], server["staff"], "/goals", year=2027))
    except AssertionError:
        return []


def test_a_broken_workbook_names_every_problem_in_swedish(server: dict[str, Any], browser: Browser):
    def broken(book: Any) -> None:
        goals = book["Mål"]
        set_cell(goals, find_row(goals, ak="ale", år=2026), "samtal", "många")

    raw = edited(_exported(server), broken)
    row = find_row(load_workbook(io.BytesIO(raw))["Mål"], ak="ale", år=2026)
    page = signed_in_page(browser, server["base"], server["staff"], "#/plan")
    page.get_by_label("Ändrad arbetsbok").set_input_files(
        {"name": "plan.xlsx", "mimeType": XLSX, "buffer": raw}
    )
    page.get_by_role("button", name="Förhandsgranska ändringarna").click()
    expect(page.get_by_role("alert")).to_contain_text("Filen avvisades och inget ändrades")
    expect(page.locator("#workbook-problems li")).to_have_text(
        [f"Blad Mål, rad {row}, kolumn C (samtal): ska vara ett heltal, inte 'många'"]
    )
    page.context.close()


def test_staff_confirm_both_halves_of_a_split_district(server: dict[str, Any], browser: Browser):
    page = signed_in_page(browser, server["base"], server["staff"], "#/plan", bypass_csp=True)
    item = page.locator("#successor-list li", has_text="14400101")
    expect(item).to_be_visible()
    # axe with the pending successor and its choices on the page.
    assert axe_violations(page) == []
    first, second = (
        item.get_by_role("checkbox", name="14400190"),
        item.get_by_role("checkbox", name="14400191"),
    )
    # The largest overlap is ticked; the other half of the split is one more tick.
    expect(item.locator("input:checked")).to_have_count(1)
    for box in (first, second):
        box.check()
    item.get_by_role("button", name="Bekräfta ersättare för").click()
    expect(page.locator("#successor-list li", has_text="14400101")).to_have_count(0)
    districts = api_get(server["base"], server["staff"], "/districts", ak="ale")
    assert {d["code"] for d in districts if d["prioritised"]} >= {"14400190", "14400191"}
    page.context.close()


def test_the_organiser_page_ranks_where_to_knock(server: dict[str, Any], browser: Browser):
    page = signed_in_page(browser, server["base"], server["staff"], "#/ak?ak=ale")
    ranking = page.locator("#knock-ranking li")
    expect(ranking.first).to_be_visible(timeout=10_000)
    expect(page.locator("#coverage-table")).to_contain_text("Uppskattade hushåll")
    page.get_by_label("Visa täckning (dörrar mot uppskattade hushåll)").check()
    expect(page.get_by_text("Täckning").first).to_be_visible()
    page.context.close()


def test_the_organiser_page_with_where_to_knock_passes_axe(
    server: dict[str, Any], browser: Browser
):
    page = signed_in_page(browser, server["base"], server["staff"], "#/ak?ak=ale", bypass_csp=True)
    expect(page.locator("#knock-ranking li").first).to_be_visible(timeout=10_000)
    expect(page.locator("main h1")).not_to_have_text("Knacka")
    expect(page.locator("main")).not_to_contain_text("Hämtar")
    assert axe_violations(page) == []
    page.context.close()
