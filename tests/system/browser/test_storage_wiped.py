"""Phones as they are: the browser wipes Knacka's storage (as Safari does after seven days
unused), and the volunteer stays signed in through the HttpOnly session cookie; the install
hint comes after the first saved log and never nags.

Chromium treats http://127.0.0.1 as a secure context, so it keeps and sends the `Secure`
cookie there, as it does over https in production.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.support.browser import (
    PageErrors,
    axe_violations,
    join,
    new_phone,
    open_district,
    tap,
    wait_ready,
    wait_service_worker,
    wait_until_waiting,
)
from tests.support.browser_server import KnackaServer

pytestmark = pytest.mark.browser
AK = "partille"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
# Everything script-writable, as WebKit's seven-day rule deletes it; cookies are not listed.
WIPE = "indexeddb,local_storage,cache_storage,service_workers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnackaServer]:
    work = tmp_path_factory.mktemp("knacka-wiped")
    knacka = KnackaServer(f"sqlite:///{work / 'knacka.db'}", work)
    knacka.start()
    try:
        yield knacka
    finally:
        knacka.close()


@pytest.fixture(scope="module")
def organiser(server: KnackaServer) -> str:
    return server.add_organiser(AK)


@pytest.fixture(scope="module")
def district(server: KnackaServer, organiser: str) -> dict[str, Any]:
    listed = server.api("GET", f"/api/districts?ak={AK}", organiser)
    return next(d for d in listed if d["prioritised"])


@pytest.fixture
def phone(browser: Browser, server: KnackaServer) -> Iterator[BrowserContext]:
    context = new_phone(browser, server.url)
    yield context
    context.close()


def first_name() -> str:
    return "Vol" + uuid.uuid4().hex[:6]


def wipe_site_storage(context: BrowserContext, page: Page, origin: str) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": WIPE})
    cdp.detach()


def knacka_databases(page: Page) -> list[str]:
    names: list[str] = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
    return names


def session_cookie(context: BrowserContext) -> dict[str, Any] | None:
    return next((dict(c) for c in context.cookies() if c["name"] == "knacka_session"), None)


def logs_of(server: KnackaServer, user_id: int) -> int:
    return sum(1 for r in server.door_logs() if r["user_id"] == user_id)


def test_a_wiped_phone_stays_signed_in_and_logs_again_until_logout(
    phone: BrowserContext, server: KnackaServer, organiser: str, district: dict[str, Any]
):
    page = phone.new_page()
    errors = PageErrors(page)
    name = first_name()
    join(page, server.invite_path(organiser, AK), name)
    wait_service_worker(page)
    user_id = server.volunteer_id(name)
    cookie = session_cookie(phone)
    assert cookie is not None
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/api"
    # The page's scripts cannot read it.
    assert "knacka_session" not in page.evaluate("() => document.cookie")

    open_district(page, district["name"])
    tap(page, "Ej hemma")
    wait_until_waiting(page, 0)
    assert logs_of(server, user_id) == 1

    # The browser deletes what Knacka keeps on the phone; the cookie stays.
    wipe_site_storage(phone, page, server.url)
    page.goto("/")
    wait_ready(page)
    assert "knacka" in knacka_databases(page)  # opened afresh by this start ...
    assert page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("knacka");
          open.onsuccess = () => {
            const get = open.result.transaction("kv").objectStore("kv").get("token");
            get.onsuccess = () => { open.result.close(); resolve(get.result === undefined); };
          };
        })"""
    )  # ... and without the token: the session came from the cookie alone
    page.get_by_role("heading", name=f"Hej {name}!").wait_for()
    wiped = page.locator("#wiped-banner")
    wiped.wait_for()
    assert "Telefonen hade glömt Knacka" in wiped.inner_text()
    assert "Servern har alla dina loggar fram till" in wiped.inner_text()
    page.get_by_role("link", name=district["name"]).first.wait_for()
    assert page.locator("#today-count").inner_text() == "1 dörr"  # the server's figures
    page.locator("#wiped-ok").click()
    assert wiped.is_hidden()

    # Logs again without an invite.
    open_district(page, district["name"])
    tap(page, "Nej tack")
    wait_until_waiting(page, 0)
    assert logs_of(server, user_id) == 2

    # Logout ends both carriers: nothing signs the phone back in, not even another wipe.
    page.goto("/")
    wait_ready(page)
    page.locator("#logout").click()
    page.locator("#logout-dialog").get_by_role("button", name="Logga ut").click()
    page.get_by_text("Du loggar in med en inbjudningslänk").wait_for()
    assert session_cookie(phone) is None
    wipe_site_storage(phone, page, server.url)
    page.goto("/")
    wait_ready(page)
    page.get_by_text("Du loggar in med en inbjudningslänk").wait_for()
    assert page.locator("#wiped-banner").is_hidden()
    assert errors.errors == []


def test_install_hint_after_the_first_log_never_again_after_not_now(
    phone: BrowserContext, server: KnackaServer, organiser: str, district: dict[str, Any]
):
    page = phone.new_page()
    errors = PageErrors(page)
    join(page, server.invite_path(organiser, AK), first_name())
    wait_ready(page)
    line = page.locator("#keep-line")
    line.wait_for()
    # Whether storage is persistent is shown, and is what the browser answered.
    persisted = page.evaluate("async () => navigator.storage.persisted()")
    assert line.get_attribute("data-state") == ("persistent" if persisted else "at-risk")
    assert page.locator("#install-hint").count() == 0  # not before the first log

    open_district(page, district["name"])
    assert page.locator("#install-hint").count() == 0
    tap(page, "Ej hemma")
    hint = page.locator("#install-hint")
    hint.wait_for()
    assert "Lägg Knacka på hemskärmen" in hint.inner_text()
    page.get_by_role("button", name="Inte nu").click()
    hint.wait_for(state="detached")
    tap(page, "Kom inte in")
    wait_until_waiting(page, 0)
    assert page.locator("#install-hint").count() == 0
    page.reload()  # on the district screen
    wait_ready(page)
    page.get_by_role("heading", level=1, name=district["name"]).wait_for()
    tap(page, "Ej hemma")
    wait_until_waiting(page, 0)
    assert page.locator("#install-hint").count() == 0
    assert errors.errors == []


def test_on_an_iphone_the_hint_shows_the_share_steps(
    browser: Browser, server: KnackaServer, organiser: str, district: dict[str, Any]
):
    context = new_phone(browser, server.url, user_agent=IPHONE_UA)
    try:
        page = context.new_page()
        join(page, server.invite_path(organiser, AK), first_name())
        open_district(page, district["name"])
        tap(page, "Ej hemma")
        hint = page.locator("#install-hint")
        hint.wait_for()
        text = hint.inner_text()
        assert "Dela" in text and "Lägg till på hemskärmen" in text
    finally:
        context.close()


def test_axe_finds_no_serious_violations_in_the_hint_and_the_wiped_notice(
    browser: Browser, server: KnackaServer, organiser: str, district: dict[str, Any]
):
    context = new_phone(browser, server.url, bypass_csp=True)  # axe is injected inline
    try:
        page = context.new_page()
        join(page, server.invite_path(organiser, AK), first_name())
        open_district(page, district["name"])
        tap(page, "Ej hemma")
        page.locator("#install-hint").wait_for()
        wait_until_waiting(page, 0)
        assert axe_violations(page) == []
        wipe_site_storage(context, page, server.url)
        page.goto("/")
        wait_ready(page)
        page.locator("#wiped-banner").wait_for()
        page.locator("#keep-line").wait_for()
        assert axe_violations(page) == []
    finally:
        context.close()


AGE_WAITING_JS = """
() => new Promise((resolve, reject) => {
  const open = indexedDB.open("knacka");
  open.onsuccess = () => {
    const tx = open.result.transaction("outbox", "readwrite");
    const store = tx.objectStore("outbox");
    const all = store.getAll();
    all.onsuccess = () => {
      for (const e of all.result) store.put({ ...e, queued_at: Date.now() - 2 * 86400000 });
    };
    tx.oncomplete = () => { open.result.close(); resolve(all.result.length); };
    tx.onerror = () => reject(tx.error);
  };
})
"""


def test_logs_waiting_over_a_day_are_said_plainly_with_send_now(
    phone: BrowserContext, server: KnackaServer, organiser: str, district: dict[str, Any]
):
    page = phone.new_page()
    join(page, server.invite_path(organiser, AK), first_name())
    wait_service_worker(page)
    open_district(page, district["name"])
    # The server is out of reach (the phone itself thinks it is online): the log waits.
    phone.route("**/api/sync", lambda route: route.abort())
    tap(page, "Ej hemma")
    wait_until_waiting(page, 1)
    assert page.locator("#stale-banner").is_hidden()  # a fresh log is no news
    assert page.evaluate(AGE_WAITING_JS) == 1
    page.reload()
    wait_ready(page)
    stale = page.locator("#stale-banner")
    stale.wait_for()
    assert "har väntat i mer än ett dygn" in stale.inner_text()
    # The server answers again; the outbox is backing off, so "Skicka nu" is what sends it.
    phone.unroute("**/api/sync")
    page.locator("#send-stale").click()
    wait_until_waiting(page, 0)
    stale.wait_for(state="hidden")


# What Android Chrome fires when it could install the site: the app keeps it for its own button.
INSTALL_PROMPT_JS = """
() => {
  window.installPrompted = 0;
  const event = new Event("beforeinstallprompt", { cancelable: true });
  event.prompt = async () => { window.installPrompted += 1; };
  event.userChoice = Promise.resolve({ outcome: "accepted", platform: "web" });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}
"""


def test_on_android_the_hint_opens_the_browsers_install_prompt_once(
    phone: BrowserContext, server: KnackaServer, organiser: str, district: dict[str, Any]
):
    page = phone.new_page()
    errors = PageErrors(page)
    join(page, server.invite_path(organiser, AK), first_name())
    wait_ready(page)
    # The browser's own banner is held back (never before the first log).
    assert page.evaluate(INSTALL_PROMPT_JS) is True
    assert page.locator("#install-hint").count() == 0
    open_district(page, district["name"])
    tap(page, "Ej hemma")
    hint = page.locator("#install-hint")
    hint.get_by_role("button", name="Installera Knacka").click()
    hint.wait_for(state="detached")  # answered in the browser's dialog: the hint is done
    assert page.evaluate("window.installPrompted") == 1
    tap(page, "Kom inte in")
    assert page.locator("#install-hint").count() == 0
    assert errors.errors == []
