"""The staff dashboard's stream survives a server restart: the page reconnects by itself and
shows the right numbers, including logs written while the server was down."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from sqlmodel import Session, select

from api.core.db import make_engine
from api.door_logs.ingest import Caller, ingest
from api.models.accounts import User, UserAk
from api.models.plan import Ak, District
from tests.conftest import fresh_database
from tests.support.admin_pages import SECRET, YEAR, ak_row, api_get, log_now, signed_in_page, sync
from tests.support.browser import CHROMIUM_ARGS
from tests.support.people import make_person
from tests.support.servers import free_port, knacka_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _write_logs_straight_to_the_database(url: str, count: int) -> None:
    """Another writer while this server is down: the reconnect snapshot must include these."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            ak = session.exec(select(Ak).where(Ak.slug == "ale")).one()
            district = session.exec(select(District).where(District.ak_id == ak.id)).first()
            assert district is not None
            user = User(name="Offline", role="volunteer")
            session.add(user)
            session.flush()
            session.add(UserAk(user_id=user.id, ak_id=ak.id))  # type: ignore[arg-type]
            assert user.id is not None and district.id is not None
            result = ingest(
                session=session,
                caller=Caller(user_id=user.id, role="volunteer", aks=["ale"]),
                items=[log_now(district.id) for _ in range(count)],
                now=datetime.now(UTC),
            )
            session.commit()
            assert {r["status"] for r in result.results} == {"created"}
    finally:
        engine.dispose()


def test_the_dashboard_reconnects_after_a_restart_and_shows_the_right_numbers(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
):
    port = free_port()
    with fresh_database("sqlite", tmp_path_factory.mktemp("restart")) as url:
        with knacka_server(url, port=port) as base:
            staff = make_person(url, SECRET, "staff")
            volunteer = make_person(url, SECRET, "volunteer", ["ale"])
            district_id = api_get(base, volunteer, "/districts", ak="ale")[0]["id"]
            sync(base, volunteer, [log_now(district_id)])
            page = signed_in_page(browser, base, staff, f"#/oversikt?year={YEAR}")
            live = page.locator("#live")
            cell = page.locator('tr[data-ak="ale"] [data-field="conversations"]')
            expect(live).to_have_attribute("data-status", "open")
            expect(cell).to_have_text("1")

        # The server is gone: the page says so and keeps trying.
        expect(live).to_have_attribute("data-status", "waiting", timeout=10_000)
        _write_logs_straight_to_the_database(url, 2)

        with knacka_server(url, port=port) as base:
            expect(live).to_have_attribute("data-status", "open", timeout=30_000)
            expect(cell).to_have_text("3")  # the opening snapshot, no reload
            totals = api_get(base, staff, "/totals", year=YEAR)
            assert ak_row(totals, "ale")["conversations"] == 3
            # The new stream is live too.
            sync(base, volunteer, [log_now(district_id)])
            # Right after the opening snapshot a change waits for the interval's end: ≤ 2 s.
            expect(cell).to_have_text("4", timeout=2000)
            assert page.evaluate("window.cspViolations") == []
            page.context.close()
