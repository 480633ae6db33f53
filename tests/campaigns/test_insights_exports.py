"""A campaign's insights as CSV and XLSX read back equal to GET /api/campaigns/{id}/insights."""

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.campaigns.test_insights import a_campaign, a_log, insights
from tests.conftest import MakeUser, Person
from tests.support.sync import district_ids, sync

HIDDEN = "färre än 10 samtal"


def expected_tables(body: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """What the file must hold, written from the API's answer by this test itself."""
    scope = body["scope"]
    own = {
        "distrikt": "Distriktet",
        "ak": scope["ak_name"],
        "district": f"{scope.get('name')} ({scope.get('code')})",
    }[scope["level"]]
    groups = [(own, body["summary"])]
    if body["compare"]["ak"]:
        groups.append((scope["ak_name"], body["compare"]["ak"]))
    if body["compare"]["distrikt"]:
        groups.append(("Distriktet", body["compare"]["distrikt"]))
    if body["compare"]["previous"]:
        previous = body["compare"]["previous"]
        groups.append((f"Förra kampanjen: {previous['name']}", previous))
    groups += [(a["name"], a) for a in body.get("aks", [])]
    groups += [(f"{d['name']} ({d['code']})", d) for d in body.get("districts", [])]

    def figures(row: dict[str, Any]) -> list[Any]:
        hidden = row["suppressed"]
        return [
            row["conversations"],
            row["doors"],
            row["members"],
            HIDDEN if hidden else row["with_topic"],
            None if hidden else row["share_with_topic"],
        ]

    topics, answers = [], []
    for name, row in groups:
        if row["suppressed"]:
            topics.append([name, HIDDEN, None, None])
            answers.append([name, HIDDEN, None, None])
        else:
            topics += [[name, t["label"], t["n"], t["share"]] for t in row["topics"]]
            answers += [[name, a["label"], a["n"], a["share"]] for a in row["answers"]]
    return {
        "Översikt": [[name, *figures(row)] for name, row in groups],
        "Per vecka": [[w["week"], *figures(w)] for w in body["weeks"]],
        "Ämnen": topics,
        "Svar på frågan": answers,
    }


def read_csv(data: bytes) -> dict[str, list[list[str]]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    sections: dict[str, list[list[str]]] = {}
    i = 1
    while i < len(rows):
        assert rows[i] == []
        title = rows[i + 1][0]
        body = []
        i += 3  # the empty row, the title, the headers
        while i < len(rows) and rows[i]:
            body.append(rows[i])
            i += 1
        sections[title] = body
    return sections


def as_csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".replace(".", ",")
    return str(value)


def check_files(client: TestClient, who: Person, campaign: int, **params: Any) -> None:
    body = insights(client, who, campaign, **params)
    expected = expected_tables(body)
    base = f"/api/exports/campaigns/{campaign}/insights"
    as_file = client.get(f"{base}.csv", params=params, headers=who.headers)
    assert as_file.status_code == 200 and as_file.headers["content-type"].startswith("text/csv")
    assert read_csv(as_file.content) == {
        k: [[as_csv(v) for v in row] for row in rows] for k, rows in expected.items()
    }
    as_book = client.get(f"{base}.xlsx", params=params, headers=who.headers)
    assert as_book.status_code == 200
    book = load_workbook(io.BytesIO(as_book.content))
    assert book.sheetnames == list(expected)
    for name, rows in expected.items():
        read = [list(r) for r in book[name].iter_rows(min_row=2, values_only=True)]
        assert read == rows, name


def test_the_files_read_back_equal_to_the_api_at_every_level(
    client: TestClient, make_user: MakeUser, staff: Person
):
    earlier = a_campaign(client, staff, name="Förra", ends_on="2026-01-01", starts_on="2025-12-01")
    campaign = a_campaign(client, staff, name="=Vården först")["id"]  # a formula? plain text
    volunteer = make_user("volunteer", aks=["ale", "lerum"])
    big, medium, small = district_ids(client, staff, "ale")[:3]
    lerum = district_ids(client, staff, "lerum")[0]
    logs = [a_log(big, campaign, 0, answer=0) for _ in range(12)]
    logs += [a_log(big, campaign, 8, topics=["jobb"], answer=1) for _ in range(3)]
    logs += [a_log(medium, campaign, 2, topics=["jobb", "skola"]) for _ in range(11)]
    logs += [a_log(small, campaign, 3, topics=[], outcome="not_home") for _ in range(4)]
    logs += [a_log(small, campaign, 3, topics=["sjukvard"], new_member=True) for _ in range(2)]
    logs += [a_log(lerum, campaign, 1, answer=2) for _ in range(5)]
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"created"}
    assert earlier["id"] != campaign
    check_files(client, staff, campaign)
    check_files(client, staff, campaign, ak="ale")
    check_files(client, staff, campaign, district_id=big)
    check_files(client, staff, campaign, district_id=small)
    organiser = make_user("organiser", aks=["ale"])
    check_files(client, organiser, campaign, ak="ale")
    refused = client.get(
        f"/api/exports/campaigns/{campaign}/insights.csv", headers=organiser.headers
    )
    assert refused.status_code == 403
