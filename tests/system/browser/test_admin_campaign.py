"""The staff campaign view in Chromium against a real `knacka serve`: the form makes a
campaign, its insights follow new logs live, small districts read "färre än 10 samtal", the
report prints, an organiser sees their own AK, and axe finds nothing serious.

One server per module (SQLite file; PostgreSQL parity of the figures is in tests/campaigns).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import fresh_database
from tests.support.admin_pages import (
    SECRET,
    api_get,
    axe_violations,
    log_now,
    signed_in_page,
    sync,
)
from tests.support.people import make_person
from tests.support.servers import knacka_server

pytestmark = pytest.mark.browser
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        fresh_database("sqlite", tmp_path_factory.mktemp("campaign")) as url,
        knacka_server(url) as base,
    ):
        yield {
            "url": url,
            "base": base,
            "staff": make_person(url, SECRET, "staff"),
            "organiser": make_person(url, SECRET, "organiser", ["ale"]),
            "volunteer": make_person(url, SECRET, "volunteer", ["ale"]),
        }


def a_campaign(server: dict[str, Any], **changes: Any) -> int:
    body = {
        "name": "Tryggheten",
        "starts_on": (TODAY - timedelta(days=3)).isoformat(),
        "ends_on": (TODAY + timedelta(days=3)).isoformat(),
        "topics": ["skola", "trygghet"],
        "goal": 70,
        "question": {"text": "Känner du dig trygg här?", "options": ["Ja", "Nej"]},
    } | changes
    response = httpx.post(
        f"{server['base']}/api/campaigns",
        json=body,
        headers={"Authorization": f"Bearer {server['staff']}"},
    )
    assert response.status_code == 201, response.text
    campaign_id: int = response.json()["id"]
    return campaign_id


def test_staff_make_a_campaign_and_its_insights_follow_new_logs_live(
    server: dict[str, Any], browser: Browser
):
    base = server["base"]
    page = signed_in_page(browser, base, server["staff"], "#/kampanjer")
    page.get_by_role("link", name="Ny kampanj").click()
    form = page.locator("#campaign-form")
    form.get_by_label("Namn").fill("Vården först")
    form.get_by_label("Första dag").fill((TODAY - timedelta(days=1)).isoformat())
    form.get_by_label("Sista dag").fill((TODAY + timedelta(days=9)).isoformat())
    form.get_by_label("Skola").check()
    form.get_by_label("Nytt ämne").fill("Vårdcentralen")
    form.get_by_role("button", name="Lägg till ämnet").click()
    expect(form.get_by_label("Vårdcentralen")).to_be_checked()
    form.get_by_label("Mål i samtal (frivilligt)").fill("100")
    form.get_by_label("Fråga", exact=True).fill("Vad ska vården satsa på?")
    form.get_by_label("Svarsalternativ, ett per rad (2–6)").fill("Fler läkare\nKortare köer")
    expect(form.locator("#campaign-review-note")).to_contain_text("fackligt medlemskap")
    form.get_by_role("button", name="Skapa kampanjen").click()
    expect(form.get_by_role("alert")).to_contain_text("granskat")  # the review is confirmed
    form.get_by_label("Jag har granskat frågan och alternativen").check()
    form.get_by_role("button", name="Skapa kampanjen").click()
    expect(form.get_by_role("status")).to_contain_text("Kampanjen är skapad")
    created = next(
        c for c in api_get(base, server["staff"], "/campaigns") if c["name"] == "Vården först"
    )
    assert created["aks"] is None and created["goal"] == 100
    assert created["topics"] == ["skola", "vardcentralen"]

    form.get_by_role("link", name="Visa insikterna").click()
    view = page.locator('[data-view="campaign"]')
    expect(view).to_have_attribute("data-campaign-id", str(created["id"]))
    expect(view).to_have_attribute("data-scope", "distrikt")
    summary = view.locator('[data-group="summary"] [data-field="conversations"]')
    expect(summary).to_have_text("0")
    expect(page.locator("#live")).to_have_attribute("data-status", "open")

    district = api_get(base, server["volunteer"], "/districts", ak="ale")[0]["id"]
    logs = [
        log_now(district, campaign_id=created["id"], topics=["vardcentralen"], answer=1)
        for _ in range(3)
    ]
    sync(base, server["volunteer"], logs)
    expect(summary).to_have_text("3", timeout=2000)  # no reload, within two seconds
    expect(view.locator('tr[data-topic="vardcentralen"] [data-field="n"]')).to_have_text("3")
    expect(view.locator('#summary-answers tr[data-option="1"] [data-field="n"]')).to_have_text("3")
    expect(view.locator('[data-field="pace-conversations"]')).to_have_text("3")

    # Edit the campaign: its options stay (logs use them), its name changes.
    page.goto(f"/admin#/kampanj-ny?id={created['id']}")
    form = page.locator("#campaign-form")
    expect(form.get_by_label("Namn")).to_have_value("Vården först")
    form.get_by_label("Namn").fill("Vården först, hösten")
    form.get_by_role("button", name="Spara ändringarna").click()
    expect(form.get_by_role("status")).to_contain_text("Ändringarna är sparade")
    page.context.close()


def test_small_districts_read_fewer_than_ten_and_the_report_prints(
    server: dict[str, Any], browser: Browser
):
    base = server["base"]
    campaign = a_campaign(server)
    big, small, other = (
        d["id"] for d in api_get(base, server["staff"], "/districts", ak="ale")[:3]
    )
    logs = [log_now(big, campaign_id=campaign, answer=0) for _ in range(12)]
    logs += [log_now(small, campaign_id=campaign, topics=["trygghet"]) for _ in range(2)]
    logs += [log_now(other, campaign_id=campaign, topics=["trygghet"]) for _ in range(11)]
    for start in range(0, len(logs), 8):
        sync(
            base, make_person(server["url"], SECRET, "volunteer", ["ale"]), logs[start : start + 8]
        )

    page = signed_in_page(browser, base, server["staff"], f"#/kampanj?id={campaign}&ak=ale")
    view = page.locator('[data-view="campaign"]')
    expect(view).to_have_attribute("data-scope", "ak")
    expect(view.locator('[data-group="summary"] [data-field="conversations"]')).to_have_text("25")
    rows = view.locator("#campaign-districts")
    expect(rows.locator(f'tr[data-district-id="{big}"]')).to_have_attribute(
        "data-suppressed", "false"
    )
    for hidden in (small, other):  # 2 is too few; 11 would give the small one away
        row = rows.locator(f'tr[data-district-id="{hidden}"]')
        expect(row).to_have_attribute("data-suppressed", "true")
        expect(row.locator('[data-field="with-topic"]')).to_have_text("färre än 10 samtal")
    expect(view.locator('[data-group="distrikt"] [data-field="conversations"]')).to_have_text("25")

    page.get_by_label("Valdistrikt", exact=True).select_option(value=str(small))
    expect(view).to_have_attribute("data-scope", "district")
    expect(view.locator('[data-group="summary"]')).to_have_attribute("data-suppressed", "true")
    expect(view).to_contain_text("färre än 10 samtal")

    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Skriv ut rapporten")).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    expect(view.locator("#campaign-weeks")).to_be_visible()
    page.context.close()


def test_an_organiser_sees_their_own_ak_only(server: dict[str, Any], browser: Browser):
    base = server["base"]
    campaign = a_campaign(server, name="Ales egen", aks=["ale"])
    page = signed_in_page(browser, base, server["organiser"], "#/kampanjer")
    page.get_by_role("link", name="Ales egen").click()
    view = page.locator('[data-view="campaign"]')
    expect(view).to_have_attribute("data-scope", "ak")
    expect(page.get_by_label("Arbetarekommun")).not_to_contain_text("Hela distriktet")
    expect(page.get_by_role("link", name="Ny kampanj")).to_have_count(0)
    refused = httpx.get(
        f"{base}/api/campaigns/{campaign}/insights",
        headers={"Authorization": f"Bearer {server['organiser']}"},
    )
    assert refused.status_code == 403
    page.context.close()


@pytest.mark.parametrize("hash_", ["#/kampanjer", "#/kampanj-ny", "view", "view-ak"])
def test_the_campaign_pages_pass_axe(server: dict[str, Any], browser: Browser, hash_: str):
    if hash_.startswith("view"):
        campaign = a_campaign(server, name=f"Axe {hash_}")
        hash_ = f"#/kampanj?id={campaign}" + ("&ak=ale" if hash_ == "view-ak" else "")
    page = signed_in_page(browser, server["base"], server["staff"], hash_, bypass_csp=True)
    expect(page.locator("main h1")).not_to_have_text("Knacka")
    expect(page.locator("main")).not_to_contain_text("Hämtar")
    assert axe_violations(page) == []
    page.context.close()


def test_an_organiser_enters_a_stall_tally_and_the_campaign_counts_it(
    server: dict[str, Any], browser: Browser
):
    base = server["base"]
    campaign = a_campaign(server, name="Torgdagen", aks=["ale"])
    page = signed_in_page(browser, base, server["organiser"], "#/ak?ak=ale")
    section = page.locator("#kanaler")
    section.get_by_label("Var").select_option("stall")
    section.get_by_label("Kampanj").select_option(label="Torgdagen")
    section.get_by_label("Samtal", exact=True).fill("6")
    section.get_by_label("Nej tack").fill("2")
    section.get_by_label("Nya medlemmar").fill("1")
    section.get_by_role("button", name="Spara för arbetsplats eller torg").click()
    expect(page.locator("#kanaler-saved")).to_contain_text("6 samtal")
    expect(page.locator("#channel-tally-list")).to_contain_text("Torg, stånd eller evenemang")
    totals = api_get(base, server["staff"], f"/campaigns/{campaign}/totals")
    assert totals["channels"]["stall"] == {"conversations": 6, "declined": 2, "members": 1}
    page.goto(f"/admin#/kampanj?id={campaign}&ak=ale")
    expect(page.locator("#campaign-channels")).to_contain_text("6 samtal vid torg och stånd")
    page.context.close()
