"""Browser fixtures: Debian's Chromium through Playwright, as a phone in Swedish.

One browser per module; each test gets its own context (its own IndexedDB and service
worker). Chromium is required: when it is missing the tests fail, they never skip.
"""

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from api.core.config import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
# Screenshots of the screens a test changed, for a person to open after the run.
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "sv-SE",
    "timezone_id": "Europe/Stockholm",
}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_phone(browser: Browser, base_url: str, **extra: Any) -> BrowserContext:
    context = browser.new_context(base_url=base_url, **PHONE, **extra)
    context.set_default_timeout(20_000)
    return context


class PageErrors:
    """Collects uncaught errors and CSP violations: a test fails on any of them."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console: {m.text}")
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )


# --- Reading the app's state the way a user (or their phone) would ----------------------

STORE_JS = """
([store, key]) => new Promise((resolve, reject) => {
  const open = indexedDB.open("knacka");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const objects = db.transaction(store).objectStore(store);
    const request = key === null ? objects.getAll() : objects.get(key);
    request.onsuccess = () => { db.close(); resolve(request.result ?? null); };
    request.onerror = () => { db.close(); reject(request.error); };
  };
})
"""


def store_entries(page: Page, store: str) -> list[dict[str, Any]]:
    """Every entry of one of the phone's IndexedDB stores ("outbox", "mine")."""
    return list(page.evaluate(STORE_JS, [store, None]))


def outbox_entries(page: Page) -> list[dict[str, Any]]:
    """Every entry in the phone's outbox (IndexedDB), waiting or refused."""
    return store_entries(page, "outbox")


def phone_token(page: Page) -> str | None:
    """The session token the phone keeps (IndexedDB kv "token")."""
    token = page.evaluate(STORE_JS, ["kv", "token"])
    return str(token) if token is not None else None


def waiting_shown(page: Page) -> int:
    """The number of waiting logs the screen shows."""
    return int(page.locator("#outbox-count").get_attribute("data-waiting") or "-1")


def wait_until_waiting(page: Page, count: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "n => document.querySelector('#outbox-count')?.dataset.waiting === String(n)",
        arg=count,
        timeout=timeout,
    )


def eventually(page: Page, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Polls a condition (checked through the page, e.g. its IndexedDB) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition did not become true in time")
        page.wait_for_timeout(100)


def wait_ready(page: Page) -> None:
    page.wait_for_function("() => document.documentElement.dataset.ready === 'true'")


def join(page: Page, invite_path: str, name: str = "Anna") -> None:
    """Opens an invite link and signs in with a first name, as a volunteer does."""
    page.goto(invite_path)
    page.get_by_label("Ditt förnamn").fill(name)
    page.get_by_role("button", name="Börja knacka").click()
    page.get_by_role("heading", name=f"Hej {name}!").wait_for()


def open_district(page: Page, name: str) -> None:
    page.get_by_role("link", name=name).first.click()
    page.get_by_role("heading", level=1, name=name).wait_for()


def tap(page: Page, outcome_label: str) -> None:
    """Taps one of the four big buttons; waits until the log is stored on the phone."""
    before = page.locator("#shift-count").get_attribute("data-doors")
    page.get_by_role("button", name=outcome_label, exact=True).click()
    # Stored, and the buttons take the next tap (a tap while one is stored is ignored).
    page.wait_for_function(
        "b => document.querySelector('#shift-count').dataset.doors !== b"
        " && !document.querySelector('.outcomes').dataset.busy",
        arg=before,
    )


def wait_service_worker(page: Page) -> None:
    """Waits until a service worker controls the page (the shell is precached then)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Runs the vendored axe-core on the page; returns serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {
            runOnly: {
              type: "tag",
              values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            },
          });
          return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
          }));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]
