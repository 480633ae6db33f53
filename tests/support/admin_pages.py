"""Shared by the /admin browser tests: people, logs and a page signed in with a token."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page
from sqlmodel import Session

from api.accounts.users import create_account
from api.core.db import make_engine, utcnow
from api.models.accounts import Role
from api.plan import catalogue

SECRET = "test-secret-key"  # what tests/support/servers.py gives the server
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
YEAR = datetime.now(UTC).year

# Collects CSP violations; added through Playwright, so the page's own CSP does not apply.
WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def make_account(
    url: str,
    role: str,
    email: str,
    password: str,
    aks: list[str],
    *,
    notice_acknowledged: bool = True,
) -> None:
    """A staff member or organiser who signs in with e-mail and password.

    By default they have already acknowledged the privacy notice (issue 22), so pages open
    straight away; tests of the first sign-in pass notice_acknowledged=False."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            user = create_account(
                session=session,
                email=email,
                password=password,
                role=Role(role),
                name=f"{role.capitalize()} Testsson",
                aks=[catalogue.get_ak_by_slug(session=session, slug=s) for s in aks],
            )
            if notice_acknowledged:
                user.notice_acknowledged_at = utcnow()
                session.add(user)
            session.commit()
    finally:
        engine.dispose()


# Each log 7 s before the one before (cycling within 12 minutes): at most 9 a minute, within
# what a person can knock (api/door_logs/plausibility.py).
_spread = itertools.count()


def log_now(district_id: int, **changes: Any) -> dict[str, Any]:
    back = timedelta(seconds=7 * (next(_spread) % 100))
    item: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "district_id": district_id,
        "occurred_at": (datetime.now(UTC) - back).isoformat(),
        "outcome": "conversation",
        "topics": ["skola"],
        "new_member": False,
        "left_material": False,
    }
    return item | changes


def sync(base: str, token: str, logs: list[dict[str, Any]]) -> None:
    response = httpx.post(
        f"{base}/api/sync", json={"logs": logs}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert {r["status"] for r in response.json()["results"]} == {"created"}, response.text


def api_get(base: str, token: str, path: str, **params: Any) -> Any:
    response = httpx.get(
        f"{base}/api{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def ak_row(totals: dict[str, Any], ak: str) -> dict[str, Any]:
    return dict(next(a for a in totals["aks"] if a["ak"] == ak))


def signed_in_page(browser: Browser, base: str, token: str, hash_: str, **context: Any) -> Page:
    """A page of /admin with the token already in sessionStorage, opened at `hash_`."""
    # The privacy notice of the first sign-in is tested on its own (test_privacy_notice.py).
    httpx.post(f"{base}/api/me/notice", headers={"Authorization": f"Bearer {token}"})
    page = browser.new_context(base_url=base, **context).new_page()
    page.add_init_script(WATCH_CSP)
    page.goto("/admin")
    page.evaluate("(t) => sessionStorage.setItem('knacka.admin.token', t)", token)
    page.goto(f"/admin{hash_}")
    page.reload()  # a new hash alone would not start the page again
    return page


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core findings (the page's context must bypass its CSP)."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .filter(v => v.impact === "serious" || v.impact === "critical")
             .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
    )
    return list(found)
