"""The notice (GDPR art. 13) and the phone that keeps no more than it must (issue 22), on a
real server (`knacka serve`, SQLite) in a phone viewport: the join notice is shown before
"Börja knacka" and "Läs mer" opens the full notice with the server's retention periods; staff
and organisers see the notice at first sign-in and acknowledge it once; "Radera allt på
telefonen" leaves no IndexedDB database, storage, cache or service worker; axe finds no
serious violation on these screens."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import (
    axe_violations,
    eventually,
    join,
    new_phone,
    open_district,
    phone_token,
    store_entries,
    tap,
    wait_service_worker,
)
from tests.support.browser_server import KnackaServer

pytestmark = pytest.mark.browser
AK = "partille"

DATABASES_JS = "async () => (await indexedDB.databases()).map((d) => d.name)"
DAY_MS = 24 * 3600 * 1000
# Moves three logs the app stored back in time: A refused 8 days ago and logged 4 days ago,
# B refused a day ago, C still waiting but logged 4 days ago. Returns their ids.
AGE_JS = """
async (day) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("knacka");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const all = (store) => new Promise((resolve) => {
    const request = db.transaction(store).objectStore(store).getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const mine = (await all("mine")).sort((x, y) => x.created_at - y.created_at);
  const [a, b, c] = mine.map((m) => m.id);
  const now = Date.now();
  const outbox = await all("outbox");
  const tx = db.transaction(["outbox", "mine"], "readwrite");  // no await until it is done
  const refuse = (e, ago) => ({ ...e, state: "refused", code: "rejected", refused_at: now - ago });
  for (const e of outbox) {
    if (e.id === a) tx.objectStore("outbox").put(refuse(e, 8 * day));
    if (e.id === b) tx.objectStore("outbox").put(refuse(e, day));
  }
  for (const m of mine) {
    const old = { ...m, created_at: now - 4 * day, dropped: m.id === a };
    if (m.id === a || m.id === c) tx.objectStore("mine").put(old);
    if (m.id === b) tx.objectStore("mine").put({ ...m, dropped: true });
  }
  await new Promise((resolve) => { tx.oncomplete = resolve; });
  db.close();
  return [a, b, c];
}
"""


CONTACT = "dataskydd@example.se"


class ContactServer(KnackaServer):
    """The server with the partidistrikt's privacy contact set, as production should have."""

    def env(self) -> dict[str, str]:
        return super().env() | {"KNACKA_PRIVACY_CONTACT": CONTACT}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnackaServer]:
    work = tmp_path_factory.mktemp("knacka-privacy")
    knacka = ContactServer(f"sqlite:///{work / 'knacka.db'}", work)
    knacka.start()
    try:
        yield knacka
    finally:
        knacka.close()


@pytest.fixture(scope="module")
def organiser(server: KnackaServer) -> str:
    return server.add_organiser(AK)


@pytest.fixture
def phone(browser: Browser, server: KnackaServer) -> Iterator[Page]:
    # axe is injected as a script: these pages bypass the CSP to allow that.
    context = new_phone(browser, server.url, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_the_join_notice_is_shown_before_joining_and_read_more_opens_it(
    phone: Page, server: KnackaServer, organiser: str
):
    phone.goto(server.invite_path(organiser, AK))
    notice = phone.locator("#join-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Vi sparar aldrig något om de boende")
    expect(notice).to_contain_text("Loggar som verkar orimliga kan granskas av din organisatör.")
    # The notice comes before the button that joins.
    before = phone.evaluate(
        """() => {
          const notice = document.querySelector("#join-notice");
          const button = [...document.querySelectorAll("button")]
            .find(b => b.textContent === "Börja knacka");
          return Boolean(notice.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert before
    full = notice.locator(".notice-full")
    expect(full).to_have_count(0)
    assert axe_violations(phone) == []
    notice.get_by_text("Läs mer").click()
    expect(full).to_be_visible()
    expect(full).to_contain_text("Socialdemokraterna i Göteborgsområdet")
    expect(full).to_contain_text("organisatörer och partidistriktets anställda")
    expect(full).to_contain_text("Integritetsskyddsmyndigheten")
    # Where to turn with questions and to use one's rights (art. 13).
    contact = full.locator(".notice-contact").get_by_role("link", name=CONTACT)
    expect(contact).to_have_attribute("href", f"mailto:{CONTACT}")
    expect(full).to_contain_text("kan granskas")
    # The periods are the server's (api/ops/retention.py), not a copy in the page.
    periods: list[dict[str, Any]] = server.api("GET", "/api/privacy/notice")["periods"]
    for row in periods:
        expect(full.locator(".notice-periods")).to_contain_text(row["kept"])
    assert axe_violations(phone) == []


def test_erase_everything_on_the_phone_leaves_no_indexeddb_data(
    phone: Page, server: KnackaServer, organiser: str
):
    join(phone, server.invite_path(organiser, AK), name="Rut")
    wait_service_worker(phone)
    assert "knacka" in phone.evaluate(DATABASES_JS)
    token = phone_token(phone)
    assert server.api("GET", "/api/me", token)["name"] == "Rut"
    phone.get_by_role("button", name="Logga ut").click()
    dialog = phone.locator("#logout-dialog")
    expect(dialog).to_be_visible()
    assert axe_violations(phone) == []
    dialog.get_by_role("button", name="Radera allt på telefonen").click()
    expect(phone.get_by_role("heading", name="Allt är raderat från telefonen")).to_be_visible()
    eventually(phone, lambda: phone.evaluate(DATABASES_JS) == [])
    assert phone.evaluate("() => localStorage.length + sessionStorage.length") == 0
    assert phone.evaluate("async () => (await caches.keys()).length") == 0
    registrations = "async () => (await navigator.serviceWorker.getRegistrations()).length"
    assert phone.evaluate(registrations) == 0
    assert axe_violations(phone) == []
    # The session ended on the server too.
    signed_out = httpx.get(f"{server.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert signed_out.status_code == 401


def test_staff_and_organisers_see_the_notice_at_first_sign_in_once(
    browser: Browser, server: KnackaServer
):
    token = server.add_organiser(AK)
    context = browser.new_context(
        base_url=server.url, bypass_csp=True, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto("/admin")
        page.evaluate("(t) => sessionStorage.setItem('knacka.admin.token', t)", token)
        page.reload()
        expect(page.get_by_role("heading", name="Om dina uppgifter")).to_be_visible()
        page.get_by_text("Läs mer").click()
        expect(page.locator(".notice-full")).to_contain_text("Partidistriktets anställda")
        expect(page.locator(".notice-periods")).not_to_contain_text("Hämtar")
        assert axe_violations(page) == []
        page.get_by_role("button", name="Jag har läst").click()
        expect(page.get_by_role("heading", name="Om dina uppgifter")).to_have_count(0)
        me = server.api("GET", "/api/me", token)
        assert me["notice_acknowledged_at"] is not None
        page.reload()
        page.locator("main h1").first.wait_for()
        expect(page.get_by_role("heading", name="Om dina uppgifter")).to_have_count(0)
    finally:
        context.close()


def test_the_phone_forgets_refused_logs_after_7_days_and_its_own_notes_after_3(
    phone: Page, server: KnackaServer, organiser: str
):
    join(phone, server.invite_path(organiser, AK), name="Ove")
    wait_service_worker(phone)
    open_district(phone, phone.locator(".district-name").first.inner_text())
    phone.context.set_offline(True)  # the three logs stay on the phone
    for _ in range(3):
        tap(phone, "Ej hemma")
    a, b, c = phone.evaluate(AGE_JS, DAY_MS)
    phone.reload()  # each start of the app prunes what has expired
    phone.get_by_role("button", name="Ej hemma", exact=True).wait_for()
    outbox = {e["id"]: e["state"] for e in store_entries(phone, "outbox")}
    mine = {m["id"] for m in store_entries(phone, "mine")}
    assert a not in outbox  # refused over 7 days ago: gone
    assert outbox[b] == "refused"  # refused yesterday: still shown why
    assert c in outbox  # waiting work is the volunteer's: never expires on the phone
    assert mine == {b}  # the notes of logs made 4 days ago are gone
