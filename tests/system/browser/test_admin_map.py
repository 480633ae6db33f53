"""Organisers and staff see their districts on a map shaded by conversations (issue 9)."""

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from api.core.config import REPO_ROOT
from tests.conftest import fresh_database
from tests.support.admin_pages import SECRET, api_get, log_now, signed_in_page, sync
from tests.support.browser import CHROMIUM_ARGS
from tests.support.people import make_person
from tests.support.servers import VENV, knacka_server, server_env

pytestmark = pytest.mark.browser
DATA = REPO_ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        fresh_database("sqlite", tmp_path_factory.mktemp("adminmap")) as url,
        knacka_server(url) as base,
    ):
        imported = subprocess.run(
            [
                str(VENV / "bin" / "knacka"),
                "districts",
                "import",
                str(DATA / "vd_14_ale_kungalv_ockero_epsg3006.json"),
                "--division-year",
                "2022",
                "--electorate",
                str(DATA / "riksdag-2022-per-valdistrikt-ale-kungalv-ockero.csv"),
            ],
            cwd=REPO_ROOT,
            env=server_env(url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert imported.returncode == 0, imported.stderr
        yield {
            "base": base,
            "organiser": make_person(url, SECRET, "organiser", ["ale"]),
            "volunteer": make_person(url, SECRET, "volunteer", ["ale"]),
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_the_organiser_sees_the_aks_districts_shaded_and_per_thousand_voters(
    server: dict[str, Any], browser: Browser, tmp_path: Path
):
    base = server["base"]
    districts = api_get(base, server["volunteer"], "/districts", ak="ale")
    surte = next(d for d in districts if d["code"] == "14400103")
    sync(base, server["volunteer"], [log_now(surte["id"]) for _ in range(3)])
    page = signed_in_page(browser, base, server["organiser"], "#/ak?ak=ale")
    figure = page.locator("figure.knacka-map")
    expect(figure).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Källa: Valmyndigheten").first).to_be_visible()
    # Every district of Ale is drawn, and Surte norra carries its count in its label.
    drawn = set(figure.locator("[data-id]").evaluate_all("els => els.map(e => e.dataset.id)"))
    assert drawn == {str(d["id"]) for d in districts if d["active"]}
    expect(figure.locator(f'[data-id="{surte["id"]}"] title')).to_contain_text("3")
    page.get_by_label("Visa per 1 000 röstberättigade").check()
    expect(page.get_by_text("Samtal per 1 000 röstberättigade").first).to_be_visible()
    page.close()
