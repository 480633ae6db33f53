"""Exports open in a Swedish spreadsheet (UTF-8 BOM, `;`) and in openpyxl, equal /api/totals."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, server_receives_at, sync


def _some_logs(client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    server_receives_at(monkeypatch, "2026-05-13T12:00:00+02:00")
    for ak in ("ale", "lerum"):
        vera = make_user("volunteer", aks=[ak])
        ids = district_ids(client, vera, ak)
        logs = [
            a_log(ids[0], occurred_at="2026-05-04T12:00:00+02:00"),
            a_log(ids[0], occurred_at="2026-05-12T12:00:00+02:00", new_member=True),
            a_log(ids[-1], occurred_at="2026-05-12T13:00:00+02:00", outcome="not_home"),
        ]
        assert {r["status"] for r in sync(client, vera, logs)} == {"created"}


def _sections(body: bytes) -> dict[str, list[list[str]]]:
    """The CSV's sections by title: its header row, then its rows."""
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows[1:]:
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections


def _number(cell: str) -> int:
    return int(cell.replace("\u00a0", "").replace(" ", ""))


def _totals(client: TestClient, who: Person) -> dict[str, Any]:
    return dict(client.get("/api/totals", params={"year": 2026}, headers=who.headers).json())


def test_the_csv_reads_back_equal_to_the_totals(
    client: TestClient, staff: Person, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    _some_logs(client, make_user, monkeypatch)
    response = client.get("/api/exports/totals.csv", params={"year": 2026}, headers=staff.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "knacka-2026.csv" in response.headers["content-disposition"]
    sections = _sections(response.content)
    header, *rows = sections["Per arbetarekommun"]
    assert header[:3] == ["Arbetarekommun", "Samtal", "Samtalsmål (Bilaga 1)"]
    read = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    totals = _totals(client, staff)
    for ak in totals["aks"]:
        row = read[ak["name"]]
        assert _number(row["Samtal"]) == ak["conversations"]
        assert _number(row["Samtalsmål (Bilaga 1)"]) == ak["conversation_goal"]
        assert _number(row["Dörrar"]) == ak["doors"]
        assert _number(row["Nya medlemmar vid dörren"]) == ak["members"]
        assert _number(row["Medlemsmål netto (Bilaga 2)"]) == ak["member_goal"]
    assert _number(read["Totalt"]["Samtal"]) == totals["total"]["conversations"]
    # Shares use the Swedish decimal comma.
    assert "," in read["Ale"]["Andel av samtalsmålet"]

    district_header, *district_rows = sections["Per valdistrikt"]
    assert district_header[:3] == ["Arbetarekommun", "Valdistriktskod", "Valdistrikt"]
    ale_conversations = sum(_number(r[4]) for r in district_rows if r[0] == "Ale")
    assert ale_conversations == _number(read["Ale"]["Samtal"]) == 2
    week_header, *week_rows = sections["Per vecka"]
    assert week_header == [
        "Arbetarekommun",
        "Vecka",
        "Samtal",
        "Dörrar",
        "Nya medlemmar vid dörren",
    ]
    assert ["Ale", "2026-V19", "1", "1", "0"] in week_rows
    assert ["Ale", "2026-V20", "1", "2", "1"] in week_rows


def test_the_xlsx_reads_back_equal_to_the_totals(
    client: TestClient, staff: Person, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    _some_logs(client, make_user, monkeypatch)
    response = client.get("/api/exports/totals.xlsx", params={"year": 2026}, headers=staff.headers)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Per arbetarekommun", "Per valdistrikt", "Per vecka"]
    header, *rows = list(book["Per arbetarekommun"].iter_rows(values_only=True))
    read = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    totals = _totals(client, staff)
    for ak in totals["aks"]:
        row = read[ak["name"]]
        assert (row["Samtal"], row["Samtalsmål (Bilaga 1)"], row["Dörrar"]) == (
            ak["conversations"],
            ak["conversation_goal"],
            ak["doors"],
        )
        assert (row["Nya medlemmar vid dörren"], row["Medlemsmål netto (Bilaga 2)"]) == (
            ak["members"],
            ak["member_goal"],
        )
    assert read["Totalt"]["Samtal"] == totals["total"]["conversations"]
    districts = list(book["Per valdistrikt"].iter_rows(values_only=True))[1:]
    assert sum(r[4] for r in districts if r[0] == "Lerum") == 2
    weeks = list(book["Per vecka"].iter_rows(values_only=True))[1:]
    assert ("Lerum", "2026-V20", 1, 2, 1) in weeks


def test_organisers_get_detail_for_their_own_ak_only_and_volunteers_none(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
):
    _some_logs(client, make_user, monkeypatch)
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    for who, detail_aks in ((olle, {"Ale"}), (vera, set())):
        body = client.get("/api/exports/totals.csv", params={"year": 2026}, headers=who.headers)
        sections = _sections(body.content)
        # Totals per AK are for everyone signed in: all eleven AKs and the sum.
        assert len(sections["Per arbetarekommun"]) == 1 + 11 + 1
        assert {r[0] for r in sections["Per valdistrikt"][1:]} == detail_aks
        assert {r[0] for r in sections["Per vecka"][1:]} == detail_aks


def test_exports_need_a_session(client: TestClient):
    for path in ("/api/exports/totals.csv", "/api/exports/totals.xlsx"):
        assert client.get(path, params={"year": 2026}).status_code == 401


FORMULAS = ['=HYPERLINK("http://x";"klicka")', "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]


def test_formula_leading_names_reach_the_exports_as_plain_text(
    client: TestClient, staff: Person, make_user: MakeUser
):
    # Failed before the fix: the CSV carried `=HYPERLINK(...)` as is, the XLSX a live formula.
    vera = make_user("volunteer", aks=["ale"])
    ids = district_ids(client, staff, "ale")[: len(FORMULAS)]
    for district_id, name in zip(ids, FORMULAS, strict=True):
        renamed = client.patch(
            f"/api/districts/{district_id}", json={"name": name}, headers=staff.headers
        )
        assert renamed.status_code == 200, renamed.text
    year = datetime.now(UTC).year
    sync(client, vera, [a_log(d) for d in ids])

    csv_body = client.get("/api/exports/totals.csv", params={"year": year}, headers=staff.headers)
    names = {r[2] for r in _sections(csv_body.content)["Per valdistrikt"][1:]}
    assert {"'" + n for n in FORMULAS} <= names
    assert not any(n.lstrip().startswith(("=", "+", "-", "@")) for n in names)

    xlsx = client.get("/api/exports/totals.xlsx", params={"year": year}, headers=staff.headers)
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = {c.value: c.data_type for row in book["Per valdistrikt"].iter_rows() for c in row}
    for name in FORMULAS:
        assert cells["'" + name] == "s"
