"""Granska loggar in Chromium against a real `knacka serve`: an organiser sees two flags with
what they rest on, marks one "Stämmer" and voids the other's logs (the AK's totals drop);
axe finds no serious violations on the page."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import fresh_database
from tests.support.admin_pages import (
    SECRET,
    YEAR,
    ak_row,
    api_get,
    axe_violations,
    signed_in_page,
    sync,
)
from tests.support.people import make_person
from tests.support.servers import knacka_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        fresh_database("sqlite", tmp_path_factory.mktemp("quality")) as url,
        knacka_server(url) as base,
    ):
        yield {
            "url": url,
            "base": base,
            "staff": make_person(url, SECRET, "staff"),
            "organiser": make_person(url, SECRET, "organiser", ["ale"]),
            "volunteer": make_person(url, SECRET, "volunteer", ["ale"]),
        }


def a_burst(district_id: int, hours_ago: int) -> list[dict[str, Any]]:
    """Six doors nine seconds apart by the phone's clock: possible, but odd."""
    start = (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(second=0, microsecond=0)
    return [
        {
            "id": str(uuid.uuid4()),
            "district_id": district_id,
            "occurred_at": (start + timedelta(seconds=9 * k)).isoformat(),
            "outcome": "not_home",
        }
        for k in range(6)
    ]


def test_an_organiser_keeps_one_flag_and_voids_the_other(server: dict[str, Any], browser: Browser):
    base, organiser = server["base"], server["organiser"]
    first, second = api_get(base, organiser, "/districts", ak="ale")[:2]
    sync(base, server["volunteer"], a_burst(first["id"], 3))
    sync(base, server["volunteer"], a_burst(second["id"], 2))
    doors = ak_row(api_get(base, server["staff"], "/totals", year=YEAR), "ale")["doors"]

    page = signed_in_page(browser, base, organiser, "#/granska?ak=ale", bypass_csp=True)
    expect(page.get_by_role("heading", name="Granska loggar: Ale", level=1)).to_be_visible()
    flags = page.locator("#quality-open li.flag")
    expect(flags).to_have_count(2)
    expect(flags.first).to_contain_text("Många dörrar på kort tid")
    expect(flags.first).to_contain_text("Dörrar inom samma minut enligt telefonens klocka: 6 kl.")
    expect(flags.first).to_contain_text(first["name"])
    assert axe_violations(page) == []

    # Stämmer: the logs stay, the flag moves to the decided ones.
    flags.first.get_by_role("button", name="Stämmer").click()
    expect(page.locator("#quality-saved")).to_contain_text("Markerad som stämmer")
    expect(flags).to_have_count(1)
    expect(page.locator("#quality-resolved")).to_contain_text("Stämmer")

    # Stryk loggarna: asked first, then the six logs are voided and the totals drop at once.
    flags.first.get_by_role("button", name="Stryk loggarna").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Stryka loggarna?")
    dialog.get_by_role("button", name="Stryk loggarna").click()
    expect(page.locator("#quality-saved")).to_contain_text("6 loggar strukna")
    expect(page.locator("#quality-none")).to_have_text("Inget att granska just nu.")
    after = ak_row(api_get(base, server["staff"], "/totals", year=YEAR), "ale")["doors"]
    assert after == doors - 6
    assert axe_violations(page) == []
    page.context.close()


def test_a_volunteer_never_sees_the_review(server: dict[str, Any]):
    answer = httpx.get(
        f"{server['base']}/api/quality",
        params={"ak": "ale"},
        headers={"Authorization": f"Bearer {server['volunteer']}"},
    )
    assert answer.status_code == 403
