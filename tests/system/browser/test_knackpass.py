"""Knackpass in a phone's browser on a real server: the organiser creates a shift in /admin, a
newcomer signs up from the link with one tap after the name, logs doors offline during the
shift, the figures show them; the leader checks people in offline, once. axe finds nothing
serious on the new screens."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from api.core.config import REPO_ROOT
from tests.support.admin_pages import axe_violations as admin_axe
from tests.support.admin_pages import signed_in_page
from tests.support.browser import (
    PHONE,
    PageErrors,
    axe_violations,
    new_phone,
    outbox_entries,
    tap,
    wait_ready,
    wait_service_worker,
    wait_until_waiting,
)
from tests.support.browser_server import SECRET, KnackaServer
from tests.support.people import make_person

pytestmark = pytest.mark.browser
AK = "ale"
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"knackpass-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnackaServer]:
    knacka = KnackaServer(
        f"sqlite:///{tmp_path_factory.mktemp('knackpass') / 'k.db'}",
        tmp_path_factory.mktemp("knackpass-work"),
    )
    knacka.start()
    try:
        yield knacka
    finally:
        knacka.close()


@pytest.fixture(scope="module")
def organiser(server: KnackaServer) -> str:
    return server.add_organiser(AK)


@pytest.fixture
def phone(browser: Browser, server: KnackaServer) -> Iterator[BrowserContext]:
    context = new_phone(browser, server.url, bypass_csp=True)
    yield context
    context.close()


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact", "serious") in ("serious", "critical")]


def create_in_admin(
    browser: Browser, server: KnackaServer, organiser: str
) -> tuple[Page, int, str]:
    """The organiser's phone: /admin → Knackpass → a shift today that is on now."""
    page = signed_in_page(
        browser, server.url, organiser, f"#/pass?ak={AK}", **PHONE, bypass_csp=True
    )
    page.get_by_role("heading", name="Knackpass – Ale", level=1).wait_for()
    assert serious(admin_axe(page)) == []
    form = page.locator("#shift-new")
    # On all day (the browser keeps Stockholm time), so "now" is inside it whenever this runs.
    form.get_by_label("Från").fill("00:01")
    form.get_by_label("Till").fill("23:59")
    place = form.get_by_label("Samlingsplats")
    assert "offentlig plats" in form.inner_text()
    assert "hemadress" in form.inner_text()
    place.fill("Ale torg, vid biblioteket")
    form.locator("input[name=district]").first.check()
    form.get_by_role("button", name="Skapa passet").click()
    page.locator("#signup-url").wait_for()
    page.get_by_role("img", name="QR-kod med anmälningslänken").wait_for()
    assert page.get_by_role("button", name="Dela länken").is_visible()
    assert serious(admin_axe(page)) == []
    shot(page, "admin-shift")
    url = page.locator("#signup-url").input_value()
    shift_id = int(page.url.split("shift=")[1])
    return page, shift_id, url[len(server.url) :]


def test_organiser_creates_newcomer_signs_up_logs_offline_and_the_summary_shows_it(
    browser: Browser, server: KnackaServer, organiser: str, phone: BrowserContext
):
    admin, shift_id, link = create_in_admin(browser, server, organiser)

    page = phone.new_page()
    errors = PageErrors(page)
    page.goto(link)
    page.get_by_role("heading", name="Knacka dörr med oss").wait_for()
    assert "Ale torg, vid biblioteket" in page.locator("#shift-facts").inner_text()
    assert serious(axe_violations(page)) == []
    shot(page, "link")
    page.get_by_label("Ditt förnamn").fill("Sara")
    taps = 0
    page.get_by_role("button", name="Jag kommer").click()
    taps += 1
    page.get_by_role("heading", name="Du är anmäld").wait_for()
    assert page.get_by_role("link", name="Lägg till i kalendern").get_attribute("href") == (
        f"/api/shifts/{shift_id}/calendar.ics"
    )
    assert page.locator("#reminder-slot").count() == 1
    wait_service_worker(page)
    assert serious(axe_violations(page)) == []
    shot(page, "signed-up")
    district = page.locator("#shift-facts ~ section .district-link").first
    district_name = district.inner_text()
    district.click()
    taps += 1
    assert taps <= 2  # after the name: signed up and at the doors
    page.get_by_role("heading", level=1, name=district_name).wait_for()

    phone.set_offline(True)
    tap(page, "Ej hemma")
    tap(page, "Nej tack")
    tap(page, "Kom inte in")
    wait_until_waiting(page, 3)
    waiting = [e for e in outbox_entries(page) if e["kind"] == "log"]
    assert {e["log"]["shift_id"] for e in waiting} == {shift_id}
    phone.set_offline(False)
    wait_until_waiting(page, 0)

    # The organiser sees Sara and the doors on the shift.
    admin.reload()
    admin.locator("#signup-list", has_text="Sara").wait_for()
    summary = admin.locator("#shift-summary")
    summary.wait_for()
    text = summary.inner_text()
    assert "Dörrar\n3" in text or "Dörrar\t3" in text, text
    assert "Kom\n1" in text or "Kom\t1" in text, text

    # The shift ends: Sara's phone thanks her with her own and the group's figures.
    now = datetime.now(UTC)
    server.api(
        "PATCH",
        f"/api/shifts/{shift_id}",
        organiser,
        json={"ends_at": (now - timedelta(seconds=5)).isoformat()},
    )
    page.goto(f"/pass/{shift_id}")
    wait_ready(page)
    page.locator("#thanks-mine", has_text="Du: 3 dörrar").wait_for()
    assert "1 person, 3 dörrar" in page.locator("#thanks-group").inner_text()
    assert serious(axe_violations(page)) == []
    shot(page, "thanks")
    admin.reload()
    admin.get_by_role("heading", name="Efter passet").wait_for()
    shot(admin, "admin-after")
    assert "Alla anmälda kom." in admin.locator("#no-shows").inner_text()
    # The printable sheet: who signed up, to tick, and the tally grid, on A4.
    admin.goto(f"/admin#/passlapp?ak={AK}&shift={shift_id}")
    admin.get_by_role("heading", name="Räknelista").wait_for()
    assert "Sara" in admin.locator("table.names").inner_text()
    assert "Kom inte in" in admin.locator("table.tally:not(.names)").inner_text()
    assert serious(admin_axe(admin)) == []
    admin.emulate_media(media="print")
    shot(admin, "sheet-print")
    admin.emulate_media(media="screen")
    admin.goto(f"/admin#/pass?ak={AK}")
    admin.locator("#retention-table").wait_for()
    assert serious(admin_axe(admin)) == []
    shot(admin, "admin-list")
    assert errors.errors == []
    admin.context.close()


def test_the_leader_checks_in_offline_and_it_counts_once(
    browser: Browser, server: KnackaServer, organiser: str, phone: BrowserContext
):
    # Lena joins by invite; the organiser makes her the leader of a shift Kim signed up to.
    page = phone.new_page()
    page.goto(server.invite_path(organiser, AK))
    page.get_by_label("Ditt förnamn").fill("Lena")
    page.get_by_role("button", name="Börja knacka").click()
    page.get_by_role("heading", name="Hej Lena!").wait_for()
    wait_service_worker(page)
    lena = server.volunteer_id("Lena")
    districts = server.api("GET", f"/api/districts?ak={AK}", organiser)
    starts = datetime.now(UTC) + timedelta(hours=1)
    shift = server.api(
        "POST",
        "/api/shifts",
        organiser,
        json={
            "ak": AK,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "meeting_point": "Nödinge station",
            "district_ids": [districts[0]["id"]],
            "leader_id": lena,
        },
    )
    kim = server.api("POST", "/api/auth/redeem", json={"code": shift["signup_code"], "name": "Kim"})
    assert kim["access_token"]
    # Home shows the next shift; it opens the shift with its people.
    page.reload()
    wait_ready(page)
    page.locator("#next-shift", has_text="Nödinge station").wait_for()
    page.get_by_role("link", name="Visa passet").click()
    page.get_by_role("button", name="Checka in Kim").wait_for()
    assert serious(axe_violations(page)) == []
    shot(page, "leader")

    phone.set_offline(True)
    page.get_by_role("button", name="Checka in Kim").click()
    page.locator("#checkin-list", has_text="skickas när nätet finns").wait_for()
    # Offline the screen comes back from the phone's copy, the check-in still waiting.
    page.reload()
    wait_ready(page)
    page.locator("#checkin-list", has_text="Incheckad").wait_for()
    assert [e["user_id"] for e in outbox_entries(page) if e["kind"] == "checkin"] == [
        server.volunteer_id("Kim")
    ]
    phone.set_offline(False)
    # Sent: the list says "Incheckad" without "skickas när nätet finns".
    page.locator("#checkin-list", has_text="Incheckad").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('#checkin-list')?.textContent.includes('skickas')"
    )
    summary = server.api("GET", f"/api/shifts/{shift['id']}/summary", organiser)
    assert summary["came"] == 1
    assert server.requests(f"POST /api/shifts/{shift['id']}/checkins") == 1


def test_staff_set_when_reminders_go_out(server: KnackaServer, browser: Browser):
    staff = make_person(server.database_url, SECRET, "staff")
    page = signed_in_page(browser, server.url, staff, f"#/pass?ak={AK}")
    hours = page.get_by_label("Timmar före passet")
    assert hours.input_value() == "24, 1"  # the defaults
    hours.fill("48; 1,5")
    page.get_by_role("button", name="Spara påminnelserna").click()
    expect(page.locator("#lead-saved")).to_have_text(
        "Sparat. Påminnelser 48 h och 1,5 h före passet."
    )
    assert server.api("GET", "/api/push/key")["lead_minutes"] == [2880, 90]
    hours.fill("0")
    page.get_by_role("button", name="Spara påminnelserna").click()
    expect(page.get_by_role("alert")).to_contain_text("Skriv upp till tre tider")
    assert server.api("GET", "/api/push/key")["lead_minutes"] == [2880, 90]
    page.context.close()
