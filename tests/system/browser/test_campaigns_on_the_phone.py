"""Issue 16 on a phone (390×844) against `knacka serve` (SQLite and PostgreSQL): the campaign's
samtalsstöd card opens offline in large text; a conversation carries the picked campaign, a
topic and an answer; a workplace conversation names the AK only; back online the campaign's
totals on the server hold both within two seconds. Where two campaigns run, the newest is
offered first and the pick is remembered; a campaign that ended meanwhile is dropped by the
server and the phone says so in Swedish. axe finds nothing serious on the new screens."""

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.support.admin_pages import make_account
from tests.support.browser import (
    PHONE,
    PageErrors,
    axe_violations,
    eventually,
    join,
    open_district,
    outbox_entries,
    tap,
    wait_service_worker,
    wait_until_waiting,
)
from tests.support.browser_server import KnackaServer

pytestmark = pytest.mark.browser
AK = "partille"
TODAY = date.today()
GUIDE = "Börja med att säga vem du är.\n\nFråga vad som är viktigast för hen just nu."


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KnackaServer]:
    work = tmp_path_factory.mktemp(f"campaigns-{request.param}")
    url = f"sqlite:///{work / 'knacka.db'}" if request.param == "sqlite" else None
    url = url or create_postgres_database()
    knacka = KnackaServer(url, work)
    knacka.start()
    try:
        yield knacka
    finally:
        knacka.close()
        if request.param == "postgresql":
            drop_postgres_database(url)


@pytest.fixture(scope="module")
def staff(server: KnackaServer) -> str:
    email, password = f"staff-{uuid.uuid4().hex[:6]}@example.se", "Knacka-stab-2026-lösen"
    make_account(server.database_url, "staff", email, password, [])
    answer = server.api("POST", "/api/auth/login", json={"email": email, "password": password})
    return str(answer["access_token"])


def campaign(server: KnackaServer, staff: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Vården först",
        "starts_on": (TODAY - timedelta(days=10)).isoformat(),
        "ends_on": (TODAY + timedelta(days=10)).isoformat(),
        "topics": ["sjukvard", "aldreomsorg"],
        "guide": GUIDE,
        "question": {
            "text": "Vad ska kommunen satsa mest på?",
            "options": ["Vårdcentralen", "Äldreboendet", "Vet inte"],
        },
    } | changes
    return dict(server.api("POST", "/api/campaigns", staff, json=body))


@pytest.fixture(scope="module")
def campaigns(server: KnackaServer, staff: str) -> dict[str, dict[str, Any]]:
    """Two at once in Partille: the older one for every AK, a newer one for Partille only."""
    return {
        "older": campaign(server, staff),
        "newer": campaign(
            server,
            staff,
            name="Trygg i Partille",
            starts_on=TODAY.isoformat(),
            aks=[AK],
            topics=[],
            guide="Prata om tryggheten i området.",
            question=None,
        ),
    }


@pytest.fixture
def page(server: KnackaServer, browser: Browser) -> Iterator[Page]:
    # CSP bypassed for axe only.
    context = browser.new_context(base_url=server.url, **PHONE, bypass_csp=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = PageErrors(page)
    yield page
    context.close()
    assert errors.errors == []


def joined(page: Page, server: KnackaServer) -> None:
    organiser = server.add_organiser(AK)
    join(page, server.invite_path(organiser, AK), name="Kim")
    wait_service_worker(page)  # the shell is kept offline from here


def no_serious_violations(page: Page, screen: str) -> None:
    assert axe_violations(page) == [], screen


def totals(server: KnackaServer, staff: str, campaign_id: int) -> dict[str, Any]:
    return dict(server.api("GET", f"/api/campaigns/{campaign_id}/totals", staff))


def test_card_offline_a_campaign_conversation_and_a_workplace_reach_the_totals(
    page: Page, server: KnackaServer, staff: str, campaigns: dict[str, dict[str, Any]]
) -> None:
    older = campaigns["older"]
    joined(page, server)
    district = page.locator(".district-name").first.inner_text()
    page.context.set_offline(True)

    open_district(page, district)
    picker = page.locator("#campaign-bar")
    # Two run in Partille: the most recently started is offered first.
    expect(picker.get_by_role("button", name="Trygg i Partille")).to_have_attribute(
        "aria-pressed", "true"
    )
    picker.get_by_role("button", name="Vården först").click()
    expect(picker.get_by_role("button", name="Vården först")).to_have_attribute(
        "aria-pressed", "true"
    )
    no_serious_violations(page, "district with two campaigns")

    page.get_by_role("link", name="Samtalsstöd").click()
    page.get_by_role("heading", level=1, name="Samtalsstöd").wait_for()
    guide = page.locator(".guide p").first
    assert guide.inner_text() == "Börja med att säga vem du är."
    assert "Fråga vad som är viktigast" in page.locator(".guide").inner_text()
    # Large text: well above the app's body text.
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    assert float(guide.evaluate(size)) >= 1.25 * float(page.locator("body").evaluate(size))
    for option in older["question"]["options"]:
        assert page.get_by_role("listitem").filter(has_text=option).count() == 1
    no_serious_violations(page, "samtalsstöd card")
    page.get_by_role("link", name="← Tillbaka till dörrarna").click()
    page.get_by_role("heading", level=1, name=district).wait_for()

    tap(page, "Samtal")
    quick = page.locator("#quick-step")
    quick.get_by_text("Vad ska kommunen satsa mest på?").wait_for()
    # Only the campaign's topics are offered.
    offered = quick.locator("[data-topic]").evaluate_all("l => l.map(e => e.dataset.topic)")
    assert sorted(offered) == ["aldreomsorg", "sjukvard"]
    answer = quick.get_by_role("button", name="Äldreboendet")
    answer.click()  # one tap
    expect(answer).to_have_attribute("aria-pressed", "true")
    quick.locator('[data-topic="sjukvard"]').click()
    no_serious_violations(page, "quick step with a question")
    quick.get_by_role("button", name="Klar").click()

    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.get_by_role("link", name="Samtal på arbetsplats eller torg").click()
    page.get_by_role("heading", level=1, name="Arbetsplats eller torg").wait_for()
    why = page.locator("#channel-why").inner_text()
    assert "avslöja om någon är med i facket" in why
    assert page.locator("[data-topic], [data-answer], input, textarea").count() == 0
    assert page.get_by_role("button", name="Ej hemma").count() == 0
    page.locator('[data-value="workplace"]').click()
    # The pick made at the door holds here too.
    expect(
        page.locator("#campaign-bar").get_by_role("button", name="Vården först")
    ).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Blev medlem").click()
    no_serious_violations(page, "workplace or stall")
    page.get_by_role("button", name="Samtal", exact=True).click()
    page.locator("#undo-toast").get_by_text("Sparat: Samtal, ny medlem.").wait_for()
    expect(page.locator("#channel-count")).to_have_attribute("data-conversations", "1")
    wait_until_waiting(page, 2)

    sent = {e["log"].get("channel", "door"): e["log"] for e in outbox_entries(page)}
    assert sent["door"]["campaign_id"] == older["id"] and sent["door"]["answer"] == 1
    assert sent["door"]["topics"] == ["sjukvard"]
    workplace = sent["workplace"]
    assert workplace["ak"] == AK and workplace["campaign_id"] == older["id"]
    assert workplace["new_member"] is True
    assert not {"district_id", "topics", "answer"} & set(workplace)

    page.context.set_offline(False)

    def both_counted() -> bool:
        body = totals(server, staff, older["id"])
        return (
            body["conversations"] == 1
            and [a["n"] for a in body["answers"]] == [0, 1, 0]
            and body["topics"] == [{"slug": "sjukvard", "n": 1}]
            and body["channels"]["workplace"]["conversations"] == 1
            and body["recruits"] == 1
        )

    eventually(page, both_counted, timeout=2.0)
    wait_until_waiting(page, 0)
    assert page.locator("#warned-banner").count() == 0  # nothing was dropped


def test_the_pick_is_remembered_and_a_campaign_that_ended_is_dropped_with_a_reason(
    page: Page, server: KnackaServer, staff: str, campaigns: dict[str, dict[str, Any]]
) -> None:
    ended = campaign(
        server, staff, name="Sista veckan", starts_on=(TODAY + timedelta(days=0)).isoformat()
    )
    joined(page, server)
    district = page.locator(".district-name").first.inner_text()
    open_district(page, district)
    picker = page.locator("#campaign-bar")
    # Three run now; the newest started today (the higher id first among equals).
    picker.get_by_role("button", name="Sista veckan").wait_for()
    picker.get_by_role("button", name="Vården först").click()
    expect(picker.locator('[aria-pressed="true"]')).to_have_text("Vården först")
    page.reload()
    page.get_by_role("heading", level=1, name=district).wait_for()
    expect(picker.locator('[aria-pressed="true"]')).to_have_text("Vården först")
    picker.get_by_role("button", name="Sista veckan").click()
    expect(picker.locator('[aria-pressed="true"]')).to_have_text("Sista veckan")

    # The phone logs offline with the card it has; meanwhile staff end the campaign early.
    page.context.set_offline(True)
    tap(page, "Nej tack")
    (entry,) = [e for e in outbox_entries(page) if e["state"] == "waiting"]
    assert entry["log"]["campaign_id"] == ended["id"]
    body = {
        "name": "Sista veckan",
        "starts_on": (TODAY - timedelta(days=3)).isoformat(),
        "ends_on": (TODAY - timedelta(days=1)).isoformat(),
        "topics": ["sjukvard", "aldreomsorg"],
        "guide": GUIDE,
        "question": ended["question"],
    }
    server.api("PUT", f"/api/campaigns/{ended['id']}", staff, json=body)
    page.context.set_offline(False)
    banner = page.locator("#warned-banner")
    banner.wait_for()
    assert "Sparad utan kampanj" in banner.inner_text()
    assert "Nej tack" in banner.inner_text()
    no_serious_violations(page, "a log stored without its campaign")
    banner.get_by_role("button", name="Jag förstår").click()
    banner.wait_for(state="detached")
    assert totals(server, staff, ended["id"])["doors"] == 0
