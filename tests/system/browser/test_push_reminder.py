"""Web Push in Chromium, end to end without the internet (issue 15): a real server
(`knacka serve`, its push loop running) sends a reminder to the stand-in push service, which
checks the VAPID signature and decrypts it; the decrypted message is delivered to the app's
service worker (CDP ServiceWorker.deliverPushMessage), which shows the neutral notification.

The browser cannot subscribe to a real push service here, so the test registers the stand-in's
subscription for the signed-in phone through the API, as the app's "Påminn mig" does.
The opt-in control: where notifications are refused it explains why and offers the calendar
file instead; where they are allowed it subscribes and tells the server.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import update
from sqlmodel import Session

from api.models.push import PushSubscription
from api.models.shifts import ShiftSignup
from tests.support.browser import eventually, join, new_phone, phone_token, wait_service_worker
from tests.support.browser_server import KnackaServer
from tests.support.push_service import PushService

pytestmark = pytest.mark.browser
AK = "partille"
MEETING_POINT = "Partille torg, vid fontänen"

NOTIFICATIONS_JS = """
async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map((n) => ({
    title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url,
  }));
}
"""
MOUNT_JS = """
async (shiftId) => {
  const { pushOptIn } = await import("/js/push.js");
  const main = document.getElementById("main");
  main.replaceChildren(pushOptIn({ shiftId }));
}
"""


class PushingServer(KnackaServer):
    """The server with its push loop every second and the stand-in as a push service."""

    def env(self) -> dict[str, str]:
        return super().env() | {
            "KNACKA_PUSH_INTERVAL_SECONDS": "1",
            "KNACKA_PUSH_SERVICE_HOSTS": "127.0.0.1",
        }


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnackaServer]:
    work = tmp_path_factory.mktemp("knacka-push")
    knacka = PushingServer(f"sqlite:///{work / 'knacka.db'}", work)
    knacka.start()
    try:
        yield knacka
    finally:
        knacka.close()


@pytest.fixture(scope="module")
def organiser(server: KnackaServer) -> str:
    return server.add_organiser(AK)


@pytest.fixture
def context(browser: Browser, server: KnackaServer) -> Iterator[BrowserContext]:
    context = new_phone(browser, server.url)
    try:
        yield context
    finally:
        context.close()


def a_shift(server: KnackaServer, organiser: str, starts_in: timedelta) -> dict[str, Any]:
    districts = server.api("GET", "/api/districts", organiser, params={"ak": AK})
    starts = datetime.now(UTC).replace(second=0, microsecond=0) + starts_in
    shift: dict[str, Any] = server.api(
        "POST",
        "/api/shifts",
        organiser,
        json={
            "ak": AK,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "meeting_point": MEETING_POINT,
            "district_ids": [districts[0]["id"]],
        },
    )
    return shift


def signed_in_phone(context: BrowserContext, server: KnackaServer, organiser: str) -> Page:
    page = context.new_page()
    join(page, server.invite_path(organiser, AK), name="Pia")
    wait_service_worker(page)
    return page


def registration_id(page: Page, cdp: Any) -> str:
    found: dict[str, str] = {}

    def seen(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            if not registration.get("isDeleted"):
                found[registration["scopeURL"]] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")
    eventually(page, lambda: bool(found))
    return next(iter(found.values()))


def test_a_reminder_reaches_the_service_worker_and_shows_neutral_text(
    context: BrowserContext, server: KnackaServer, organiser: str, push_service: PushService
):
    context.grant_permissions(["notifications"])
    page = signed_in_phone(context, server, organiser)
    token = phone_token(page)
    shift = a_shift(server, organiser, starts_in=timedelta(minutes=50))
    server.api("POST", f"/api/shifts/{shift['id']}/signup", token)
    with Session(server.engine) as session:  # signed up well before: the hour's reminder is owed
        session.execute(
            update(ShiftSignup)
            .where(ShiftSignup.shift_id == shift["id"])  # type: ignore[arg-type]
            .values(signed_up_at=datetime.now(UTC) - timedelta(days=2))
        )
        session.commit()
    key = server.api("GET", "/api/push/key")["public_key"]
    subscription = push_service.subscribe(server_key=key)
    server.api("POST", "/api/push/subscriptions", token, json=subscription)

    # The server's own push loop sends it; the stand-in verified VAPID and decrypted it.
    eventually(page, lambda: bool(push_service.for_endpoint(subscription["endpoint"])))
    [message] = push_service.for_endpoint(subscription["endpoint"])
    assert push_service.refused() == []
    cdp = context.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": server.url,
            "registrationId": registration_id(page, cdp),
            "data": json.dumps(message.payload, ensure_ascii=False),
        },
    )

    eventually(page, lambda: bool(page.evaluate(NOTIFICATIONS_JS)))
    [shown] = page.evaluate(NOTIFICATIONS_JS)
    assert shown["title"] == "Knackpass"
    assert shown["body"].startswith("Du har ett knackpass i dag kl. ")
    assert shown["tag"] == f"knackpass-{shift['id']}"
    assert shown["url"] == f"/pass/{shift['id']}"
    for secret in (MEETING_POINT, "Partille", "Socialdemokraterna"):
        assert secret not in json.dumps(shown, ensure_ascii=False)


def test_refused_notifications_get_the_calendar_file_and_the_reason(
    context: BrowserContext, server: KnackaServer, organiser: str
):
    page = signed_in_phone(context, server, organiser)
    shift = a_shift(server, organiser, starts_in=timedelta(days=2))
    # Asked, the browser says no (what a refused permission prompt answers).
    page.evaluate("() => { Notification.requestPermission = async () => 'denied'; }")
    page.evaluate(MOUNT_JS, shift["id"])
    page.get_by_role("button", name="Påminn mig").click()
    expect(page.get_by_text("Aviseringar är avstängda för Knacka")).to_be_visible()
    link = page.get_by_role("link", name="Lägg till i kalendern")
    expect(link).to_have_attribute("href", f"/api/shifts/{shift['id']}/calendar.ics")


def test_allowed_notifications_subscribe_and_tell_the_server(
    context: BrowserContext, server: KnackaServer, organiser: str, push_service: PushService
):
    context.grant_permissions(["notifications"])
    page = signed_in_phone(context, server, organiser)
    shift = a_shift(server, organiser, starts_in=timedelta(days=2))
    # No real push service here: the browser's subscribe() answers with the stand-in's.
    fake = push_service.subscribe()
    page.evaluate(
        """(json) => {
          PushManager.prototype.subscribe = async () => ({
            endpoint: json.endpoint, toJSON: () => json, unsubscribe: async () => true,
          });
        }""",
        fake,
    )
    page.evaluate(MOUNT_JS, shift["id"])
    page.get_by_role("button", name="Påminn mig").click()
    expect(page.get_by_text("Påminnelser är på: 1 dygn och 1 tim före passet.")).to_be_visible()
    with Session(server.engine) as session:
        stored = session.query(PushSubscription).all()
        assert fake["endpoint"] in [s.endpoint for s in stored]


def test_logging_out_drops_the_browsers_push_subscription(
    context: BrowserContext, server: KnackaServer, organiser: str, push_service: PushService
):
    context.grant_permissions(["notifications"])
    page = signed_in_phone(context, server, organiser)
    fake = push_service.subscribe()
    token = phone_token(page)
    server.api("POST", "/api/push/subscriptions", token, json=fake)
    # The browser holds that subscription; dropping it is recorded on the page.
    page.evaluate(
        """(json) => {
          window.unsubscribed = false;
          PushManager.prototype.getSubscription = async () => ({
            endpoint: json.endpoint, toJSON: () => json,
            unsubscribe: async () => { window.unsubscribed = true; return true; },
          });
        }""",
        fake,
    )
    page.get_by_role("button", name="Logga ut").click()
    page.get_by_role("dialog").get_by_role("button", name="Logga ut", exact=True).click()
    expect(page.get_by_role("heading", name="Hej Pia!")).to_have_count(0)
    assert page.evaluate("window.unsubscribed") is True
    with Session(server.engine) as session:
        assert fake["endpoint"] not in [s.endpoint for s in session.query(PushSubscription).all()]
