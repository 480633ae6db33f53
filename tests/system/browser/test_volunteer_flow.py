"""A volunteer's day on a real server (`knacka serve`, SQLite and PostgreSQL): invite link,
logged doors, no network, no server, a killed browser, an expired session, a new app
version. Whatever happens, the server ends up holding exactly what was logged, once."""

import contextlib
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    PageErrors,
    eventually,
    join,
    new_phone,
    open_district,
    outbox_entries,
    tap,
    wait_ready,
    wait_service_worker,
    wait_until_waiting,
)
from tests.support.browser_server import KnackaServer

pytestmark = pytest.mark.browser
AK = "partille"

MINE_JS = """
() => new Promise((resolve, reject) => {
  const open = indexedDB.open("knacka");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const request = db.transaction("mine").objectStore("mine").getAll();
    request.onsuccess = () => { db.close(); resolve(request.result); };
  };
})
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KnackaServer]:
    work = tmp_path_factory.mktemp(f"knacka-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{work / 'knacka.db'}"
    else:
        url = create_postgres_database()
    knacka = KnackaServer(url, work)
    knacka.start()
    try:
        yield knacka
    finally:
        knacka.close()
        if request.param == "postgresql":
            drop_postgres_database(url)


@pytest.fixture(scope="module")
def organiser(server: KnackaServer) -> str:
    return server.add_organiser(AK)


@pytest.fixture(scope="module")
def districts(server: KnackaServer, organiser: str) -> list[dict[str, Any]]:
    """The AK's prioritised districts (Bilaga 3), as the API lists them."""
    listed = server.api("GET", f"/api/districts?ak={AK}", organiser)
    prioritised = [d for d in listed if d["prioritised"]]
    assert len(prioritised) >= 2
    return prioritised


@pytest.fixture
def phone(browser: Browser, server: KnackaServer) -> Iterator[BrowserContext]:
    context = new_phone(browser, server.url)
    yield context
    context.close()


def first_name() -> str:
    return "Vol" + uuid.uuid4().hex[:6]


def mine(page: Page) -> list[dict[str, Any]]:
    """This phone's own logs (kept beside the outbox), not undone."""
    return [m for m in page.evaluate(MINE_JS) if not m["dropped"] and not m["voided_at"]]


def rows_of(server: KnackaServer, user_ids: set[int]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in server.door_logs() if r["user_id"] in user_ids}


def conversation(page: Page, *, topic: bool = False, member: bool = False) -> None:
    tap(page, "Samtal")
    page.get_by_role("heading", name="Samtal sparat").wait_for()
    if topic:
        page.locator("[data-topic]").first.click()
    if member:
        page.get_by_role("button", name="Blev medlem").click()
    page.get_by_role("button", name="Klar").click()


def test_invite_to_logged_doors_offline_and_back(
    phone: BrowserContext, server: KnackaServer, organiser: str, districts: list[dict]
):
    page = phone.new_page()
    errors = PageErrors(page)
    name = first_name()
    join(page, server.invite_path(organiser, AK), name)
    wait_service_worker(page)
    user_id = server.volunteer_id(name)
    assigned = districts[1]
    server.api(
        "POST",
        "/api/assignments",
        organiser,
        json={"district_id": assigned["id"], "user_id": user_id},
    )
    page.reload()
    wait_ready(page)
    # Assigned district first, then the AK's other prioritised ones; the AK's goal shown.
    mine_section = page.get_by_role("region", name="Dina valdistrikt")
    mine_section.locator(".district-link", has_text=assigned["name"]).wait_for()
    links = page.locator(".district-link .district-name").all_inner_texts()
    assert links[0] == assigned["name"]
    assert districts[0]["name"] in links[1:]
    assert "samtal" in page.locator("#ak-progress").inner_text()

    open_district(page, assigned["name"])
    conversation(page, topic=True, member=True)
    tap(page, "Ej hemma")
    tap(page, "Nej tack")
    wait_until_waiting(page, 0)

    phone.set_offline(True)
    page.locator("#offline-banner").wait_for()
    assert "Dina loggar är sparade" in page.locator("#offline-banner").inner_text()
    tap(page, "Kom inte in")
    tap(page, "Ej hemma")
    conversation(page)
    wait_until_waiting(page, 3)

    page.reload()  # offline: the service worker opens the app from its cache
    wait_ready(page)
    page.get_by_role("heading", level=1, name=assigned["name"]).wait_for()
    assert page.locator("#outbox-count").inner_text() == "3 loggar väntar på att skickas"
    tap(page, "Ej hemma")
    wait_until_waiting(page, 4)

    phone.set_offline(False)
    wait_until_waiting(page, 0)
    logged = {m["id"]: m for m in mine(page)}
    assert len(logged) == 7
    held = rows_of(server, {user_id})
    assert set(held) == set(logged)
    for log_id, row in held.items():
        assert row["outcome"] == logged[log_id]["outcome"]
        assert row["district_id"] == assigned["id"]
        assert row["voided_at"] is None
    outcomes = sorted(r["outcome"] for r in held.values())
    assert outcomes == sorted(["conversation"] * 2 + ["not_home"] * 3 + ["declined", "no_access"])
    members = [r for r in held.values() if r["new_member"]]
    assert len(members) == 1 and members[0]["topics"] != ""
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.locator("#today-count", has_text="7 dörrar").wait_for()
    # The service worker keeps the app's files only, never an API answer.
    cached = cached_paths(page)
    assert "/index.html" in cached and "/js/outbox.js" in cached
    assert [p for p in cached if p.startswith("/api/")] == []
    assert errors.errors == []


def test_undo_drops_a_waiting_log_and_voids_a_sent_one(
    phone: BrowserContext, server: KnackaServer, organiser: str, districts: list[dict]
):
    page = phone.new_page()
    name = first_name()
    join(page, server.invite_path(organiser, AK), name)
    user_id = server.volunteer_id(name)
    open_district(page, districts[0]["name"])
    phone.set_offline(True)
    tap(page, "Ej hemma")
    page.get_by_role("button", name="Ångra", exact=True).click()
    wait_until_waiting(page, 0)
    phone.set_offline(False)
    tap(page, "Nej tack")
    wait_until_waiting(page, 0)
    [sent] = rows_of(server, {user_id}).values()
    page.get_by_role("button", name="Ångra", exact=True).click()
    page.locator("#undo-toast", has_text="Ångrat").wait_for()
    eventually(page, lambda: outbox_entries(page) == [])
    [row] = rows_of(server, {user_id}).values()
    assert row["id"] == sent["id"] and row["outcome"] == "declined"
    assert row["voided_at"] is not None
    assert page.locator("#shift-count").get_attribute("data-doors") == "0"


def test_server_down_then_back(
    phone: BrowserContext, server: KnackaServer, organiser: str, districts: list[dict]
):
    page = phone.new_page()
    name = first_name()
    join(page, server.invite_path(organiser, AK), name)
    wait_service_worker(page)
    user_id = server.volunteer_id(name)
    open_district(page, districts[0]["name"])
    server.stop()
    try:
        tap(page, "Ej hemma")
        tap(page, "Kom inte in")
        page.locator("#outbox-detail", has_text="Fick ingen kontakt").wait_for()
        page.reload()  # the server is down: the app still opens, from the cache
        wait_ready(page)
        page.get_by_role("heading", level=1, name=districts[0]["name"]).wait_for()
        tap(page, "Nej tack")
        wait_until_waiting(page, 3)
    finally:
        server.start()
    # No tap needed: the backoff timer finds the server again by itself.
    wait_until_waiting(page, 0, timeout=90_000)
    assert set(rows_of(server, {user_id})) == {m["id"] for m in mine(page)}
    assert len(rows_of(server, {user_id})) == 3


def kill_browser_of(profile: Path) -> None:
    """SIGKILL the Chromium started on this profile: no shutdown, no flushing."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in cmdline]
        if any(a == f"--user-data-dir={profile}" for a in args) and not any(
            a.startswith("--type=") for a in args
        ):
            os.kill(int(entry.name), signal.SIGKILL)
            return
    raise AssertionError("no browser process found for the profile")


def test_browser_killed_while_logs_wait(
    playwright: Playwright,
    server: KnackaServer,
    organiser: str,
    districts: list[dict],
    tmp_path: Path,
):
    profile = tmp_path / "profile"
    options: dict[str, Any] = dict(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, base_url=server.url, **PHONE
    )
    first = playwright.chromium.launch_persistent_context(str(profile), **options)
    page = first.new_page()
    name = first_name()
    join(page, server.invite_path(organiser, AK), name)
    wait_service_worker(page)
    user_id = server.volunteer_id(name)
    open_district(page, districts[0]["name"])
    first.set_offline(True)
    tap(page, "Ej hemma")
    tap(page, "Nej tack")
    tap(page, "Kom inte in")
    wait_until_waiting(page, 3)
    stored = {e["id"] for e in outbox_entries(page)}
    kill_browser_of(profile)
    # The browser is gone; closing only tidies up Playwright's side.
    with contextlib.suppress(Exception):
        first.close()

    assert rows_of(server, {user_id}) == {}
    requests_before = server.sync_requests()

    # Relaunched still offline: the logs are there, and the app opens from its cache.
    again = playwright.chromium.launch_persistent_context(str(profile), offline=True, **options)
    try:
        page = again.pages[0] if again.pages else again.new_page()
        page.goto("/")
        wait_ready(page)
        wait_until_waiting(page, 3)
        assert {e["id"] for e in outbox_entries(page)} == stored
        again.set_offline(False)
        wait_until_waiting(page, 0)
        held = rows_of(server, {user_id})
        assert set(held) == stored
        # Sent once: one request carried them, nothing was sent twice.
        eventually(page, lambda: server.sync_requests() > requests_before)
        assert server.sync_requests() == requests_before + 1
    finally:
        again.close()


def test_expired_session_never_drops_a_log(
    phone: BrowserContext, server: KnackaServer, organiser: str, districts: list[dict]
):
    page = phone.new_page()
    name = first_name()
    join(page, server.invite_path(organiser, AK), name)
    user_id = server.volunteer_id(name)
    open_district(page, districts[0]["name"])
    phone.set_offline(True)
    tap(page, "Ej hemma")
    conversation(page, member=True)
    wait_until_waiting(page, 2)
    server.revoke_sessions(user_id)
    phone.set_offline(False)
    banner = page.locator("#signin-banner")
    banner.wait_for()
    assert "Du behöver logga in igen" in banner.inner_text()
    tap(page, "Nej tack")  # logging goes on while the session is gone
    wait_until_waiting(page, 3)
    page.reload()
    wait_ready(page)
    banner.wait_for()
    assert len(outbox_entries(page)) == 3
    assert rows_of(server, {user_id}) == {}

    name_again = first_name()
    join(page, server.invite_path(organiser, AK), name_again)
    wait_until_waiting(page, 0)
    new_id = server.volunteer_id(name_again)
    held = rows_of(server, {user_id, new_id})
    assert set(held) == {m["id"] for m in mine(page)}
    assert len(held) == 3
    assert page.locator("#signin-banner").is_hidden()


def cached_paths(page: Page) -> list[str]:
    return list(
        page.evaluate(
            """async () => {
              const paths = [];
              for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) {
                  paths.push(new URL(request.url).pathname);
                }
              }
              return paths;
            }"""
        )
    )


def shell_caches(page: Page) -> list[str]:
    return list(page.evaluate("() => caches.keys()"))


def test_new_app_version_while_logs_wait(
    phone: BrowserContext, server: KnackaServer, organiser: str, districts: list[dict]
):
    page = phone.new_page()
    name = first_name()
    join(page, server.invite_path(organiser, AK), name)
    wait_service_worker(page)
    eventually(page, lambda: len(shell_caches(page)) == 1)
    old_cache = shell_caches(page)[0]
    user_id = server.volunteer_id(name)
    open_district(page, districts[0]["name"])
    phone.set_offline(True)
    tap(page, "Ej hemma")
    tap(page, "Kom inte in")
    wait_until_waiting(page, 2)
    # The logs keep waiting: the session ended while the phone was offline.
    server.revoke_sessions(user_id)
    phone.set_offline(False)
    page.locator("#signin-banner").wait_for()

    css = server.pwa_dir / "css" / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* deploy 2 */\n", encoding="utf-8")
    css_loads, outbox_js_loads = (
        server.requests("GET /css/app.css"),
        server.requests("GET /js/outbox.js"),
    )
    page.evaluate("() => { window.stillTheSamePage = true; }")
    tap(page, "Samtal")  # in the middle of logging: the quick step is open
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    update = page.get_by_role("button", name="Ny version – ladda om")
    update.wait_for()
    # Offered, never forced: the page was not reloaded and the quick step is still open.
    assert page.evaluate("() => window.stillTheSamePage === true")
    assert page.get_by_role("heading", name="Samtal sparat").is_visible()
    assert len(outbox_entries(page)) == 3
    # The update downloaded the changed file only; the others came from the HTTP cache.
    eventually(page, lambda: server.requests("GET /css/app.css") == css_loads + 1)
    assert server.requests("GET /js/outbox.js") == outbox_js_loads

    with page.expect_navigation():
        update.click()
    wait_ready(page)
    assert page.evaluate("() => window.stillTheSamePage") is None
    eventually(page, lambda: shell_caches(page) not in ([], [old_cache]))
    assert old_cache not in shell_caches(page)
    assert len(outbox_entries(page)) == 3
    page.locator("#signin-banner").wait_for()

    name_again = first_name()
    join(page, server.invite_path(organiser, AK), name_again)
    wait_until_waiting(page, 0)
    new_id = server.volunteer_id(name_again)
    held = rows_of(server, {user_id, new_id})
    assert set(held) == {m["id"] for m in mine(page)}
    assert len(held) == 3
