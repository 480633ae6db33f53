"""The /admin pages in Chromium against a real `knacka serve`: organisers invite, assign and
enter a tally; the staff dashboard follows logs, goal edits and retired districts live.

One server per module (SQLite file; the API's PostgreSQL parity is in tests/routes), one browser.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import fresh_database
from tests.support.admin_pages import (
    SECRET,
    WATCH_CSP,
    YEAR,
    ak_row,
    api_get,
    axe_violations,
    log_now,
    make_account,
    signed_in_page,
    sync,
)
from tests.support.browser import CHROMIUM_ARGS
from tests.support.people import make_person
from tests.support.servers import knacka_server

pytestmark = pytest.mark.browser
ORGANISER = ("olle@example.se", "olle-har-ett-bra-losen")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        fresh_database("sqlite", tmp_path_factory.mktemp("admin")) as url,
        knacka_server(url) as base,
    ):
        make_account(url, "organiser", *ORGANISER, aks=["ale"])
        yield {
            "url": url,
            "base": base,
            "staff": make_person(url, SECRET, "staff"),
            "volunteer": make_person(url, SECRET, "volunteer", ["ale"]),
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def no_csp_violations(page: Page) -> None:
    assert page.evaluate("window.cspViolations") == []


def test_an_organiser_signs_in_invites_assigns_and_enters_a_tally(
    server: dict[str, Any], browser: Browser
):
    base = server["base"]
    page = browser.new_context(base_url=base).new_page()
    page.add_init_script(WATCH_CSP)
    page.goto("/admin")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("Skriv din e-postadress.")
    page.get_by_label("E-post").fill(ORGANISER[0])
    page.get_by_label("Lösenord").fill(ORGANISER[1])
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Ale", level=1)).to_be_visible()

    # A group link for five, with its QR code.
    page.get_by_label("Hur många får använda länken?").fill("5")
    page.get_by_role("button", name="Skapa inbjudan").click()
    link = page.get_by_label("Inbjudningslänk")
    expect(link).to_be_visible()
    url = link.input_value()
    assert "/join/" in url
    qr = page.get_by_role("img", name="QR-kod med inbjudningslänken")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.decode().then(() => true, () => false)")  # it renders
    expect(page.locator("#inbjudan li").first).to_contain_text("för 5 personer")

    # Lost the link? After a reload it is shown again from the list, the same link and code.
    page.reload()
    listed = page.locator("#invite-list li").first
    listed.get_by_role("button", name="Visa länken").click()
    expect(listed.get_by_label("Inbjudningslänk")).to_have_value(url)
    expect(listed.get_by_role("img", name="QR-kod med inbjudningslänken")).to_be_visible()

    # A volunteer joins through it; the organiser sees them after a reload of the view.
    code = url.rsplit("/", 1)[1]
    joined = httpx.post(f"{base}/api/auth/redeem", json={"code": code, "name": "Vilma Volontär"})
    assert joined.status_code == 200, joined.text
    page.reload()
    expect(page.get_by_label("Nytt namn för Vilma Volontär")).to_have_value("Vilma Volontär")

    # Assign her a district for a period.
    page.get_by_label("Volontär", exact=True).select_option(label="Vilma Volontär")
    page.locator("#uppdrag").get_by_label("Valdistrikt").select_option(index=1)
    district_name = page.locator("#uppdrag select[name=district_id] option").nth(1).inner_text()
    page.get_by_label("Till och med (frivillig)").fill(f"{YEAR}-12-31")
    page.get_by_role("button", name="Ge uppdraget").click()
    expect(page.locator("#assignment-list")).to_contain_text(f"Vilma Volontär: {district_name}")
    mine = api_get(base, joined.json()["access_token"], "/assignments/mine")
    assert [a["district"]["name"] for a in mine] == [district_name]

    # A paper tally of four conversations: the AK's progress shows it.
    page.locator("#papper").get_by_label("Valdistrikt").select_option(label=district_name)
    page.locator("#papper").get_by_label("Samtal", exact=True).fill("4")
    page.locator("#papper").get_by_label("Ej hemma").fill("6")
    page.get_by_role("button", name="Spara räkningen").click()
    expect(page.locator("#papper-saved")).to_contain_text("Räkningen är sparad för")
    totals = api_get(base, server["staff"], "/totals", year=YEAR)
    expect(page.locator("#ak-conversations")).to_have_text(
        str(ak_row(totals, "ale")["conversations"])
    )
    expect(page.locator("#tally-list")).to_contain_text("4 samtal, 6 ej hemma")

    # The printable tally sheet for that district.
    page.get_by_role("link", name=f"Skriv ut blankett för {district_name}").click()
    expect(page.get_by_role("heading", name=f"Räknelista: {district_name}")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Skriv ut")).to_be_hidden()
    no_csp_violations(page)
    page.context.close()


def test_a_volunteers_log_shows_on_the_dashboard_at_once_and_later_ones_within_two_seconds(
    server: dict[str, Any], browser: Browser
):
    base = server["base"]
    page = signed_in_page(browser, base, server["staff"], f"#/oversikt?year={YEAR}")
    cell = page.locator('tr[data-ak="ale"] [data-field="conversations"]')
    expect(page.locator("#live")).to_have_attribute("data-status", "open")
    before = ak_row(api_get(base, server["staff"], "/totals", year=YEAR), "ale")["conversations"]
    expect(cell).to_have_text(str(before))
    district_id = api_get(base, server["volunteer"], "/districts", ak="ale")[0]["id"]

    # A quiet spell after the opening snapshot: the next change goes out at once.
    page.wait_for_timeout(1100)
    sync(base, server["volunteer"], [log_now(district_id)])
    expect(cell).to_have_text(str(before + 1), timeout=1000)  # no reload, within a second
    # Changes right after one that went out are coalesced into the next interval (about a
    # second): the dashboard is never more than two seconds behind.
    sync(base, server["volunteer"], [log_now(district_id), log_now(district_id)])
    expect(cell).to_have_text(str(before + 3), timeout=2000)
    # Campaign days: the big-screen mode keeps following the stream.
    page.get_by_role("button", name="Storskärm").click()
    expect(page.locator("body")).to_have_class("big-screen")
    sync(base, server["volunteer"], [log_now(district_id)])
    expect(cell).to_have_text(str(before + 4), timeout=2000)
    no_csp_violations(page)
    page.context.close()


def test_a_goal_edit_and_a_retired_district_show_at_once_and_keep_old_logs(
    server: dict[str, Any], browser: Browser
):
    base, staff = server["base"], server["staff"]
    dashboard = signed_in_page(browser, base, staff, f"#/oversikt?year={YEAR}")
    expect(dashboard.locator("#live")).to_have_attribute("data-status", "open")
    editor = signed_in_page(browser, base, staff, f"#/mal?year={YEAR}")

    editor.get_by_label("Samtalsmål för Ale").fill("4321")
    editor.get_by_label("Medlemsmål för Ale").fill("43")
    editor.get_by_role("button", name="Spara Ale").click()
    expect(editor.get_by_text("Sparat.")).to_be_visible()
    ale = dashboard.locator('tr[data-ak="ale"]')
    expect(ale).to_contain_text("4 321", timeout=2500)

    # Retire a district with logs and one without: the logs stay counted, the unvisited
    # list drops the retired one, all without a reload.
    districts = api_get(base, staff, "/districts", ak="ale")
    visited = districts[0]
    unvisited = next(d for d in districts if d["id"] != visited["id"])
    sync(base, server["volunteer"], [log_now(visited["id"])])
    count = ak_row(api_get(base, staff, "/totals", year=YEAR), "ale")["conversations"]
    cell = ale.locator('[data-field="conversations"]')
    expect(cell).to_have_text(str(count), timeout=2500)
    expect(dashboard.locator(f'#unvisited li[data-id="{unvisited["id"]}"]')).to_have_count(1)

    editor.goto("/admin#/distrikt?ak=ale")
    editor.get_by_role("button", name=f"Avveckla {visited['name']}").click()
    expect(editor.get_by_role("button", name=f"Återställ {visited['name']}")).to_be_visible()
    editor.get_by_role("button", name=f"Avveckla {unvisited['name']}").click()
    expect(editor.get_by_role("button", name=f"Återställ {unvisited['name']}")).to_be_visible()

    # One coalescing interval of the live stream (1 s) plus the list's refetch.
    expect(dashboard.locator(f'#unvisited li[data-id="{unvisited["id"]}"]')).to_have_count(
        0, timeout=2500
    )
    expect(cell).to_have_text(str(count))
    assert ak_row(api_get(base, staff, "/totals", year=YEAR), "ale")["conversations"] == count
    for d in (visited, unvisited):
        assert d["id"] not in [x["id"] for x in api_get(base, staff, "/districts", ak="ale")]
    no_csp_violations(dashboard)
    no_csp_violations(editor)
    dashboard.context.close()
    editor.context.close()


@pytest.mark.parametrize(
    "hash_",
    [
        "",
        f"#/oversikt?year={YEAR}",
        "#/ak?ak=ale",
        "#/mal",
        "#/distrikt",
        "#/rapport",
        "#/sakerhet",
    ],
)
def test_the_pages_pass_axe(server: dict[str, Any], browser: Browser, hash_: str):
    token = server["staff"] if hash_ else "not-signed-in"
    page = signed_in_page(browser, server["base"], token, hash_, bypass_csp=True)
    if hash_:
        expect(page.locator("main h1")).not_to_have_text("Knacka")
    else:
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Hämtar")
    assert axe_violations(page) == []
    page.context.close()


@pytest.mark.parametrize("hash_", [f"#/oversikt?year={YEAR}", "#/ak?ak=ale", "#/rapport"])
def test_on_a_phone_the_pages_do_not_scroll_sideways_and_targets_are_large(
    server: dict[str, Any], browser: Browser, hash_: str
):
    page = signed_in_page(
        browser, server["base"], server["staff"], hash_, viewport={"width": 390, "height": 844}
    )
    expect(page.locator("main h1")).not_to_have_text("Knacka")
    expect(page.locator("main")).not_to_contain_text("Hämtar")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    small = page.evaluate(
        """() => [...document.querySelectorAll(
               "main button, main select, main input:not([type=checkbox])")]
             .filter(el => el.offsetParent !== null)
             .map(el => el.getBoundingClientRect())
             .filter(r => r.height < 44).length"""
    )
    assert small == 0
    page.context.close()


def test_staff_create_an_organiser_and_change_their_aks(server: dict[str, Any], browser: Browser):
    page = signed_in_page(browser, server["base"], server["staff"], "#/organisatorer")
    form = page.locator("form", has=page.get_by_role("heading", name="Ny organisatör"))
    form.get_by_label("Namn").fill("Nora Ny")
    form.get_by_label("E-post").fill("nora@example.se")
    form.get_by_label("Första lösenord").fill("nora-har-ett-bra-losen")
    form.get_by_label("Kungälv").check()
    form.get_by_role("button", name="Skapa konto").click()
    row = page.get_by_role("row", name="Nora Ny")
    expect(row).to_contain_text("Kungälv")
    row.get_by_text("Byt arbetarekommuner").click()
    row.get_by_label("Tjörn").check()
    row.get_by_role("button", name="Spara arbetarekommuner").click()
    expect(page.get_by_role("row", name="Nora Ny")).to_contain_text("Kungälv, Tjörn")
    no_csp_violations(page)
    page.context.close()


def test_staff_add_a_colleague_and_close_the_account_in_admin(
    server: dict[str, Any], browser: Browser
):
    page = signed_in_page(browser, server["base"], server["staff"], "#/organisatorer")
    section = page.locator("#staff-accounts")
    form = section.locator("form")
    form.get_by_label("Namn").fill("Stina Stab")
    form.get_by_label("E-post").fill("stina@example.se")
    form.get_by_label("Första lösenord").fill("stina-har-ett-bra-losen")
    form.get_by_role("button", name="Skapa konto för anställd").click()
    row = section.get_by_role("row", name="Stina Stab")
    expect(row).to_be_visible()
    signed_in = httpx.post(
        f"{server['base']}/api/auth/login",
        json={"email": "stina@example.se", "password": "stina-har-ett-bra-losen"},
    )
    assert signed_in.status_code == 200, signed_in.text
    assert api_get(server["base"], signed_in.json()["access_token"], "/me")["role"] == "staff"
    row.get_by_role("button", name="Stäng av").click()
    row = section.get_by_role("row", name="Stina Stab (avstängd)")
    expect(row.get_by_role("button", name="Öppna Stina Stabs konto")).to_be_visible()
    closed = httpx.post(
        f"{server['base']}/api/auth/login",
        json={"email": "stina@example.se", "password": "stina-har-ett-bra-losen"},
    )
    assert closed.status_code == 401
    no_csp_violations(page)
    page.context.close()


def _post(base: str, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(
        f"{base}/api{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_revoking_unassigning_and_striking_ask_first_and_cancel_keeps_everything(
    server: dict[str, Any], browser: Browser
):
    base, staff = server["base"], server["staff"]
    district = api_get(base, staff, "/districts", ak="ale")[1]
    vera = make_person(server["url"], SECRET, "volunteer", ["ale"], name="Vera Frågad")
    vera_id = api_get(base, vera, "/me")["id"]
    invite = _post(base, staff, "/invites", {"ak": "ale", "label": "till Kerstin"})
    _post(base, staff, "/assignments", {"district_id": district["id"], "user_id": vera_id})
    _post(
        base,
        staff,
        "/tallies",
        {"district_id": district["id"], "date": f"{YEAR}-01-02", "conversation": 3},
    )
    page = signed_in_page(browser, base, staff, "#/ak?ak=ale")
    buttons = [
        (
            page.get_by_role("button", name="Dra tillbaka ”till Kerstin”"),
            "Dra tillbaka ”till Kerstin”?",
            "Dra tillbaka länken",
        ),
        (
            page.get_by_role("button", name=f"Ta bort uppdraget Vera Frågad: {district['name']}"),
            "Ta bort uppdraget?",
            "Ta bort uppdraget",
        ),
        (
            page.get_by_role("button", name=f"Stryk räkningen {YEAR}-01-02, {district['name']}"),
            "Stryka räkningen?",
            "Stryk räkningen",
        ),
    ]
    for button, title, _ in buttons:
        button.click()
        dialog = page.get_by_role("dialog", name=title)
        expect(dialog).to_be_visible()
        # Focus starts on "Avbryt": a stray tap never confirms.
        expect(dialog.get_by_role("button", name="Avbryt")).to_be_focused()
        dialog.get_by_role("button", name="Avbryt").click()
        expect(dialog).to_have_count(0)
        expect(button).to_be_visible()
    listed = api_get(base, staff, "/invites", ak="ale")
    assert not next(i for i in listed if i["id"] == invite["id"])["revoked"]
    assert len(api_get(base, vera, "/assignments/mine")) == 1

    for button, title, yes in buttons:
        button.click()
        page.get_by_role("dialog", name=title).get_by_role("button", name=yes).click()
        expect(button).to_have_count(0)
    listed = api_get(base, staff, "/invites", ak="ale")
    assert next(i for i in listed if i["id"] == invite["id"])["revoked"]
    assert api_get(base, vera, "/assignments/mine") == []
    tallies = api_get(base, staff, "/tallies", ak="ale", year=YEAR)
    assert all(t["voided_at"] for t in tallies if t["date"] == f"{YEAR}-01-02")
    no_csp_violations(page)
    page.context.close()


def test_staff_take_out_one_persons_events_and_extract_from_the_audit_page(
    server: dict[str, Any], browser: Browser
):
    base, staff = server["base"], server["staff"]
    me = api_get(base, server["volunteer"], "/me")
    page = signed_in_page(browser, base, staff, "#/logg")
    rights = page.locator("#person-rights")
    # Nothing chosen: a clear word, no request.
    rights.get_by_role("button", name="Ladda ner registerutdrag").click()
    expect(rights.get_by_role("alert")).to_have_text("Välj en person.")

    rights.get_by_label("Arbetarekommun").select_option(label="Ale")
    rights.get_by_label("Person").select_option(label=f"{me['name']} (id {me['id']})")
    with page.expect_download() as info:
        rights.get_by_role("button", name="Ladda ner registerutdrag").click()
    download = info.value
    assert download.suggested_filename == f"knacka-utdrag-{me['id']}.json"
    extract = download.path().read_text(encoding="utf-8")
    assert me["name"] in extract and str(me["id"]) in extract

    # Her events only: the extract just taken is among them, audited like every read.
    rights.get_by_role("button", name="Visa personens händelser").click()
    body = page.locator("table.figures tbody")
    expect(body).to_contain_text("Tog ut registerutdrag")
    for row in body.locator("tr").all():  # each entry is by or about her
        cells = row.locator("td")
        assert str(me["id"]) in (cells.nth(1).inner_text(), cells.nth(3).inner_text())
    rights.get_by_role("button", name="Visa alla").click()
    expect(page.locator("table.figures tbody")).to_contain_text("Läste åtkomstloggen")
    # Staff have no AK: they are found under the partidistrikt's own heading.
    own = api_get(base, staff, "/me")
    rights.get_by_label("Arbetarekommun").select_option(label="Partidistriktets anställda")
    expect(rights.get_by_label("Person").locator("option")).to_contain_text(
        [f"{own['name']} (id {own['id']})"]
    )
    no_csp_violations(page)
    page.context.close()
