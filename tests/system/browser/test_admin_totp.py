"""/admin when the server demands two-step verification (KNACKA_REQUIRE_TOTP=true, as in
production): an organiser enrols from the page with an authenticator code, keeps the recovery
codes, reaches their AK's page and later signs in with a code. Also: a switched-off volunteer
is shown as such and can be switched on again.
"""

import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import fresh_database
from tests.support.admin_pages import SECRET, WATCH_CSP, make_account, signed_in_page
from tests.support.browser import CHROMIUM_ARGS, SHOTS
from tests.support.people import make_person
from tests.support.servers import knacka_server

pytestmark = pytest.mark.browser
ORGANISER = ("tova@example.se", "tova-har-ett-bra-losen")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        fresh_database("sqlite", tmp_path_factory.mktemp("admin-totp")) as url,
        knacka_server(url, KNACKA_REQUIRE_TOTP="true") as base,
    ):
        make_account(url, "organiser", *ORGANISER, aks=["ale"])
        yield {"url": url, "base": base}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page: Page) -> None:
    page.goto("/admin")
    page.get_by_label("E-post").fill(ORGANISER[0])
    page.get_by_label("Lösenord").fill(ORGANISER[1])
    page.get_by_role("button", name="Logga in").click()


def test_an_organiser_enrols_keeps_the_codes_and_signs_in_with_a_code(
    server: dict[str, Any], browser: Browser
):
    page = browser.new_context(base_url=server["base"]).new_page()
    page.add_init_script(WATCH_CSP)
    sign_in(page)

    expect(page.get_by_role("heading", name="Slå på tvåstegsverifiering")).to_be_visible()
    qr = page.get_by_role("img", name="QR-kod att skanna med appen för tvåstegsverifiering")
    expect(qr).to_be_visible()
    # The server's SVG decodes as an image (a broken one would reject).
    assert qr.evaluate("img => img.decode().then(() => true, () => false)")
    secret = page.locator("#totp-secret").inner_text()
    totp = pyotp.TOTP(secret)

    page.get_by_label("Kod från appen").fill("12")
    page.get_by_role("button", name="Slå på").click()
    expect(page.get_by_role("alert")).to_have_text("Skriv de sex siffrorna från appen.")
    page.get_by_label("Kod från appen").fill(totp.now())
    page.get_by_role("button", name="Slå på").click()

    expect(page.get_by_role("heading", name="Spara koderna")).to_be_visible()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.get_by_role("button", name="Jag har sparat koderna").click()
    expect(page.get_by_role("heading", name="Ale", level=1)).to_be_visible()
    assert page.evaluate("window.cspViolations") == []

    # The Säkerhet page now only says it is on: no new secret over an enabled one.
    page.get_by_role("link", name="Säkerhet").click()
    expect(page.get_by_role("status").filter(has_text="redan på")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()

    # Signing in again asks for a code; the next step's code (the enrolment one is spent).
    sign_in(page)
    # Asked for calmly: a status line, no error, the field not marked wrong.
    expect(page.locator("#login-next-step")).to_have_text(
        "Lösenordet stämmer. Skriv nu koden från din app."
    )
    expect(page.get_by_role("alert")).to_be_hidden()
    code_field = page.get_by_label("Kod från din app för tvåstegsverifiering")
    expect(code_field).not_to_have_attribute("aria-invalid", "")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-totp-asked.png"))
    code_field.fill("000000")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("Koden stämmer inte. Försök igen.")
    expect(code_field).to_have_attribute("aria-invalid", "")
    code_field.fill(totp.at(time.time() + totp.interval))
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Ale", level=1)).to_be_visible()
    assert page.evaluate("window.cspViolations") == []
    page.context.close()


def test_a_switched_off_volunteer_shows_as_such_and_is_switched_on_again(
    server: dict[str, Any], browser: Browser
):
    # Staff with a token made directly (no password, so no TOTP demand) manage Ale here.
    staff = make_person(server["url"], SECRET, "staff")
    make_person(server["url"], SECRET, "volunteer", ["ale"])
    page = signed_in_page(browser, server["base"], staff, "#/ak?ak=ale")
    row = page.locator("#volontarer li").first
    expect(row.get_by_role("button", name="Stäng av")).to_be_visible()
    expect(row).not_to_contain_text("Avstängd")
    row.get_by_role("button", name="Stäng av").click()
    row = page.locator("#volontarer li").first
    expect(row.locator(".tag")).to_have_text("Avstängd")
    row.get_by_role("button", name="Slå på").click()
    expect(
        page.locator("#volontarer li").first.get_by_role("button", name="Stäng av")
    ).to_be_visible()
    expect(page.locator("#volontarer li").first).not_to_contain_text("Avstängd")
    assert page.evaluate("window.cspViolations") == []
    page.context.close()


def test_a_locked_sign_in_says_how_long_to_wait(server: dict[str, Any], browser: Browser):
    # Last in the module: the failures stay on this account for the window (15 minutes).
    make_account(server["url"], "organiser", "lasse@example.se", "lasse-har-ett-losen", aks=["ale"])
    page = browser.new_context(base_url=server["base"]).new_page()
    page.goto("/admin")
    page.get_by_label("E-post").fill("lasse@example.se")
    for _ in range(5):
        page.get_by_label("Lösenord").fill("fel-losen-varje-gang")
        page.get_by_role("button", name="Logga in").click()
        expect(page.get_by_role("alert")).to_have_text(
            "E-post eller lösenord stämmer inte. Försök igen."
        )
        page.evaluate("document.querySelector('[role=alert]').hidden = true")
    page.get_by_label("Lösenord").fill("lasse-har-ett-losen")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("För många försök. Försök igen om 15 minuter.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-login-locked.png"))
    page.context.close()
