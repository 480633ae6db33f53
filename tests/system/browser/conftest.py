"""Browser journeys: one Playwright and one Chromium per session (tests/support/browser.py)."""

from tests.support.browser import browser, playwright  # noqa: F401  (fixtures)
