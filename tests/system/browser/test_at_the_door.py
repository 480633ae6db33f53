"""Issue 19 at 390×844: the invite from a server whose KNACKA_PUBLIC_URL is unset (another port)
opens the app; sign-out asks first; "Klar" stays in the viewport; the status bar's colour
follows its meaning; a log undone from "Senaste loggar" five minutes later leaves the totals.
Screenshots of each screen go to test-artifacts/screenshots/. One server, one browser."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import MetaData, Table, select

from tests.support.browser import (
    PHONE,
    SHOTS,
    axe_violations,
    eventually,
    join,
    open_district,
    tap,
    wait_until_waiting,
)
from tests.support.browser_server import KnackaServer

pytestmark = pytest.mark.browser
AK = "partille"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=False)
    assert axe_violations(page) == [], name


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnackaServer]:
    work: Path = tmp_path_factory.mktemp("door")
    knacka = KnackaServer(f"sqlite:///{work / 'knacka.db'}", work, public_url=False)
    knacka.start()
    try:
        yield knacka
    finally:
        knacka.close()


@pytest.fixture()
def page(server: KnackaServer, browser: Browser) -> Iterator[Page]:
    # No base_url: the invite's own link is opened. CSP bypassed for axe only.
    context = browser.new_context(**PHONE, bypass_csp=True)
    yield context.new_page()
    context.close()


def joined(page: Page, server: KnackaServer) -> str:
    organiser = server.add_organiser(AK)
    invite = server.api("POST", "/api/invites", organiser, json={"ak": AK})
    # Not the old default http://127.0.0.1:8000: the port this server really serves.
    assert invite["url"].startswith(f"{server.url}/join/"), invite["url"]
    join(page, invite["url"])
    return organiser


def test_an_invite_from_a_server_on_another_port_opens_the_app(page: Page, server: KnackaServer):
    joined(page, server)
    assert page.locator("header.top").get_attribute("data-state") == "sent"
    shot(page, "home-after-invite")


def test_signing_out_asks_first_and_says_a_new_invite_is_needed(page: Page, server: KnackaServer):
    joined(page, server)
    page.get_by_role("button", name="Logga ut").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "ny inbjudningslänk" in dialog.inner_text()
    shot(page, "logout-asks")
    dialog.get_by_role("button", name="Avbryt").click()
    assert page.get_by_role("heading", name="Hej Anna!").is_visible()  # still signed in
    page.context.set_offline(True)
    open_district(page, page.locator(".district-name").first.inner_text())
    tap(page, "Ej hemma")
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.get_by_role("button", name="Logga ut").click()
    text_ = page.get_by_role("dialog").inner_text()
    assert "1 logg är inte skickad" in text_ and "stannar den" in text_


def test_klar_is_in_reach_and_the_status_bar_says_waiting_in_amber(
    page: Page, server: KnackaServer
):
    joined(page, server)
    name = page.locator(".district-name").first.inner_text()
    open_district(page, name)
    page.context.set_offline(True)
    tap(page, "Samtal")
    wait_until_waiting(page, 1)
    expect(page.locator("header.top")).to_have_attribute("data-state", "waiting")
    done = page.locator("#quick-done").bounding_box()
    assert done is not None and done["y"] + done["height"] <= 844, done
    facts = page.locator(".chip-fact").first.evaluate("e => getComputedStyle(e).borderRadius")
    topics = page.locator(".chip:not(.chip-fact)").first.evaluate(
        "e => getComputedStyle(e).borderRadius"
    )
    assert facts != topics  # "Blev medlem" does not look like a topic
    shot(page, "quick-step-waiting")
    page.locator("#quick-done").click()
    page.context.set_offline(False)
    wait_until_waiting(page, 0)
    # The count and the bar's colour are drawn one after the other: wait for the colour too.
    expect(page.locator("header.top")).to_have_attribute("data-state", "sent")


def test_a_log_undone_from_the_recent_list_five_minutes_later_leaves_the_totals(
    page: Page, server: KnackaServer
):
    organiser = joined(page, server)
    open_district(page, page.locator(".district-name").first.inner_text())
    tap(page, "Nej tack")
    wait_until_waiting(page, 0)
    (log,) = [r for r in server.door_logs() if r["voided_at"] is None][-1:]
    # Five minutes pass: on the server's clock and on the phone's note of the ack.
    table = Table("door_log", MetaData(), autoload_with=server.engine)
    with server.engine.begin() as db:
        for raw_id, received in db.execute(select(table.c.id, table.c.received_at)).all():
            if str(uuid.UUID(str(raw_id))) == log["id"]:
                db.execute(
                    table.update()
                    .where(table.c.id == raw_id)
                    .values(received_at=received - timedelta(minutes=5))
                )
    page.evaluate(
        """id => new Promise((resolve) => {
          const open = indexedDB.open("knacka");
          open.onsuccess = () => {
            const tx = open.result.transaction("mine", "readwrite");
            const store = tx.objectStore("mine");
            store.get(id).onsuccess = (e) => {
              const m = e.target.result;
              store.put({ ...m, acked_at: m.acked_at - 5 * 60 * 1000 });
            };
            tx.oncomplete = () => { open.result.close(); resolve(); };
          };
        })""",
        str(log["id"]),
    )
    page.reload()
    item = page.locator(f'.recent-item[data-id="{log["id"]}"]')
    item.wait_for()
    shot(page, "recent-logs")
    before = server.api("GET", "/api/totals?year=" + str(log["counted_on"].year), organiser)
    item.get_by_role("button").click()
    eventually(
        page,
        lambda: any(r["id"] == log["id"] and r["voided_at"] for r in server.door_logs()),
    )
    after = server.api("GET", "/api/totals?year=" + str(log["counted_on"].year), organiser)
    assert after != before
