"""The outbox's reaction to each answer a server (or the network) can give, one by one.

The browser runs the real app against a real local HTTP server (standin.py) whose answers
to /api/sync are scripted per test: no request is intercepted or mocked in the browser.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import (
    PageErrors,
    eventually,
    join,
    new_phone,
    open_district,
    outbox_entries,
    tap,
    wait_ready,
    wait_until_waiting,
)
from tests.support.standin import Answer, StandIn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def standin() -> Iterator[StandIn]:
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def page(browser: Browser, standin: StandIn) -> Iterator[Page]:
    standin.reset()
    context = new_phone(browser, standin.url)
    page = context.new_page()
    errors = PageErrors(page)
    join(page, "/join/TESTKOD")
    open_district(page, "Partille Centrum")
    yield page
    context.close()
    assert errors.errors == []


def log_offline(page: Page, count: int) -> None:
    """Logs `count` doors with the network off, so they wait together in the outbox."""
    page.context.set_offline(True)
    for _ in range(count):
        tap(page, "Ej hemma")
    wait_until_waiting(page, count)


def back_online(page: Page) -> None:
    page.context.set_offline(False)


def ids(entries: list[dict]) -> list[str]:
    return sorted(e["id"] for e in entries)


def sent_ids(standin: StandIn) -> list[str]:
    return [log["id"] for call in standin.calls for log in call.body["logs"]]


def test_acknowledged_logs_leave_the_outbox_and_are_sent_once(page: Page, standin: StandIn):
    log_offline(page, 3)
    queued = ids(outbox_entries(page))
    back_online(page)
    wait_until_waiting(page, 0)
    assert outbox_entries(page) == []
    assert sorted(sent_ids(standin)) == queued
    assert page.locator("#outbox-count").inner_text() == "Alla loggar är skickade"


def test_only_the_ids_the_server_acknowledged_leave(page: Page, standin: StandIn):
    log_offline(page, 2)
    first, second = ids(outbox_entries(page))
    standin.answer_next(
        Answer.json(
            200,
            {
                "results": [
                    {"id": first, "status": "created"},
                    {"id": "00000000-0000-4000-8000-000000000000", "status": "created"},
                ]
            },
        )
    )
    back_online(page)
    calls = standin.wait_for_calls(2)
    wait_until_waiting(page, 0)
    assert [log["id"] for log in calls[1].body["logs"]] == [second]


def test_refused_logs_are_kept_and_shown(page: Page, standin: StandIn):
    log_offline(page, 3)
    a, b, c = ids(outbox_entries(page))
    standin.answer_next(
        Answer.json(
            200,
            {
                "results": [
                    {"id": a, "status": "duplicate"},
                    {"id": b, "status": "conflict"},
                    {"id": c, "status": "rejected", "code": "district_not_allowed"},
                ]
            },
        )
    )
    back_online(page)
    refused = page.locator(".refused-item")
    refused.nth(1).wait_for()
    assert refused.count() == 2
    text = page.locator("#refused").inner_text()
    assert "2 loggar togs inte emot" in text
    assert "Du får inte logga i det här valdistriktet." in text
    kept = {e["id"]: e for e in outbox_entries(page)}
    assert set(kept) == {b, c}
    assert {e["state"] for e in kept.values()} == {"refused"}
    assert kept[c]["code"] == "district_not_allowed"
    wait_until_waiting(page, 0)
    # Refused logs are not sent again by themselves; the volunteer removes them.
    page.get_by_role("button", name="Ta bort").first.click()
    page.wait_for_function("() => document.querySelectorAll('.refused-item').length === 1")
    assert len(standin.calls) == 1


def test_captive_portal_page_is_not_an_acknowledgement(page: Page, standin: StandIn):
    log_offline(page, 2)
    queued = ids(outbox_entries(page))
    portal = b"<!doctype html><title>Wifi</title><p>Logga in p\xc3\xa5 n\xc3\xa4tet</p>"
    standin.answer_next(Answer(200, portal, content_type="text/html; charset=utf-8"))
    back_online(page)
    standin.wait_for_calls(1)
    page.locator("#outbox-detail", has_text="annan sida än Knacka").wait_for()
    assert ids(outbox_entries(page)) == queued
    # The next try (after the backoff) reaches the real server and is acknowledged.
    standin.wait_for_calls(2)
    wait_until_waiting(page, 0)
    assert sorted(sent_ids(standin)) == sorted(queued * 2)


def test_json_200_without_results_is_not_an_acknowledgement(page: Page, standin: StandIn):
    log_offline(page, 1)
    standin.answer_next(Answer.json(200, {"status": "ok"}))
    back_online(page)
    standin.wait_for_calls(2)
    wait_until_waiting(page, 0)
    assert len(set(sent_ids(standin))) == 1


def test_401_pauses_keeps_everything_and_resumes_after_a_new_sign_in(page: Page, standin: StandIn):
    log_offline(page, 2)
    queued = ids(outbox_entries(page))
    standin.answer_next(Answer.json(401, {"detail": "Sign in first", "code": "not_authenticated"}))
    back_online(page)
    banner = page.locator("#signin-banner")
    banner.wait_for()
    assert "Du behöver logga in igen" in banner.inner_text()
    assert "2 loggar är sparade" in banner.inner_text()
    assert ids(outbox_entries(page)) == queued
    # Paused: neither a reload nor coming online sends anything.
    page.reload()
    wait_ready(page)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    banner.wait_for()
    assert len(standin.calls) == 1
    assert ids(outbox_entries(page)) == queued
    join(page, "/join/NYKOD")
    wait_until_waiting(page, 0)
    assert len(standin.calls) == 2
    assert sorted(log["id"] for log in standin.calls[1].body["logs"]) == queued
    assert page.locator("#signin-banner").is_hidden()


def test_413_splits_the_batch(page: Page, standin: StandIn):
    log_offline(page, 4)
    queued = ids(outbox_entries(page))
    standin.answer_next(Answer.json(413, {"detail": "Too many logs", "code": "payload_too_large"}))
    back_online(page)
    wait_until_waiting(page, 0)
    sizes = [len(call.body["logs"]) for call in standin.calls]
    assert sizes == [4, 2, 2]
    assert sorted(log["id"] for c in standin.calls[1:] for log in c.body["logs"]) == queued


@pytest.mark.parametrize("status", [409, 422])
def test_a_refused_request_is_split_until_the_refused_log_is_found(
    page: Page, standin: StandIn, status: int
):
    log_offline(page, 2)
    code = {409: "conflict", 422: "invalid_item"}[status]
    refusal = Answer.json(status, {"detail": "No", "code": code})
    standin.answer_next(refusal, refusal)
    back_online(page)
    page.locator(".refused-item").wait_for()
    wait_until_waiting(page, 0)
    sizes = [len(call.body["logs"]) for call in standin.calls]
    assert sizes == [2, 1, 1]
    refused = [e for e in outbox_entries(page) if e["state"] == "refused"]
    assert [e["id"] for e in refused] == [standin.calls[1].body["logs"][0]["id"]]
    assert refused[0]["code"] == code
    assert page.locator(".refused-item").count() == 1


def test_a_4xx_that_is_not_our_server_refuses_nothing(page: Page, standin: StandIn):
    log_offline(page, 1)
    standin.answer_next(Answer(422, b"<html>proxy</html>", content_type="text/html"))
    back_online(page)
    wait_until_waiting(page, 0)
    assert [len(c.body["logs"]) for c in standin.calls] == [1, 1]
    assert outbox_entries(page) == []


def test_429_retry_after_is_honoured(page: Page, standin: StandIn):
    log_offline(page, 1)
    standin.answer_next(
        Answer.json(429, {"detail": "Slow down", "code": "too_many"}, **{"Retry-After": "3"})
    )
    back_online(page)
    page.locator("#outbox-detail", has_text="mycket att göra").wait_for()
    # "Skicka nu" does not jump the queue the server asked for.
    page.get_by_role("button", name="Skicka nu").click()
    calls = standin.wait_for_calls(2)
    wait_until_waiting(page, 0)
    assert calls[1].at - calls[0].at >= 3.0


def test_5xx_is_retried_with_backoff(page: Page, standin: StandIn):
    log_offline(page, 2)
    queued = ids(outbox_entries(page))
    standin.answer_next(
        Answer.json(500, {"detail": "Boom", "code": "internal"}),
        Answer.json(503, {"detail": "Busy", "code": "unavailable"}, **{"Retry-After": "1"}),
        Answer(502, b"Bad gateway", content_type="text/plain"),
    )
    back_online(page)
    calls = standin.wait_for_calls(4)
    wait_until_waiting(page, 0)
    assert outbox_entries(page) == []
    for call in calls:
        assert sorted(log["id"] for log in call.body["logs"]) == queued
    gaps = [b.at - a.at for a, b in zip(calls, calls[1:], strict=False)]
    # Backoff: each wait at least the jittered minimum (0.8 x 1 s, Retry-After 1 s, 0.8 x 4 s).
    assert gaps[0] >= 0.75 and gaps[1] >= 1.0 and gaps[2] >= 3.0


def test_connection_reset_keeps_the_logs(page: Page, standin: StandIn):
    log_offline(page, 2)
    queued = ids(outbox_entries(page))
    standin.answer_next(Answer(reset=True))
    back_online(page)
    page.locator("#outbox-detail", has_text="Fick ingen kontakt").wait_for()
    assert ids(outbox_entries(page)) == queued
    standin.wait_for_calls(2)
    wait_until_waiting(page, 0)
    acked = standin.calls[1].body["logs"]
    assert sorted(log["id"] for log in acked) == queued


def test_undo_drops_a_waiting_log_and_voids_a_sent_one(page: Page, standin: StandIn):
    page.context.set_offline(True)
    tap(page, "Nej tack")
    page.get_by_role("button", name="Ångra", exact=True).click()
    wait_until_waiting(page, 0)
    assert outbox_entries(page) == []
    back_online(page)
    tap(page, "Kom inte in")
    calls = standin.wait_for_calls(1)
    wait_until_waiting(page, 0)
    sent = calls[0].body["logs"][0]
    assert sent["outcome"] == "no_access"
    page.get_by_role("button", name="Ångra", exact=True).click()
    page.locator("#undo-toast", has_text="Ångrat").wait_for()
    standin.wait_until(lambda: len(standin.voids) == 1)
    assert standin.voids == [sent["id"]]
    eventually(page, lambda: outbox_entries(page) == [])
    assert len(standin.calls) == 1


def test_logging_out_with_waiting_logs_warns_first_and_keeps_them(page: Page, standin: StandIn):
    log_offline(page, 2)
    queued = ids(outbox_entries(page))
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.get_by_role("button", name="Logga ut").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "2 loggar är inte skickade" in dialog.inner_text()
    dialog.get_by_role("button", name="Avbryt").click()
    page.get_by_role("heading", name="Hej Anna!").wait_for()
    page.get_by_role("button", name="Logga ut").click()
    dialog.get_by_role("button", name="Logga ut ändå").click()
    page.get_by_text("Du loggar in med en inbjudningslänk").wait_for()
    assert ids(outbox_entries(page)) == queued
    # The next sign-in on this phone sends them.
    back_online(page)
    join(page, "/join/IGEN")
    wait_until_waiting(page, 0)
    assert sorted(sent_ids(standin)) == queued


def test_a_refused_workplace_log_is_named_by_its_channel_in_swedish(page: Page, standin: StandIn):
    page.get_by_role("link", name="← Alla valdistrikt").click()
    page.context.set_offline(True)
    page.get_by_role("link", name="Samtal på arbetsplats eller torg").click()
    page.get_by_role("button", name="Samtal", exact=True).click()
    wait_until_waiting(page, 1)
    (entry,) = outbox_entries(page)
    assert entry["log"]["channel"] == "workplace" and entry["log"]["ak"] == "partille"
    results = [{"id": entry["id"], "status": "rejected", "code": "ak_not_allowed"}]
    standin.answer_next(Answer.json(200, {"results": results}))
    back_online(page)
    page.locator(".refused-item").wait_for()
    text = page.locator("#refused").inner_text()
    assert "Samtal på arbetsplats" in text
    assert "Du får inte logga i den arbetarekommunen." in text
