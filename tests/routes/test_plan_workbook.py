"""Staff export the plan, upload an edited workbook, see the preview and confirm it."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import Person
from tests.support.workbooks import edited, find_row, plan_state, set_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(client: TestClient, staff: Person) -> bytes:
    response = client.get("/api/plan/workbook", headers=staff.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    return response.content


def _post(client: TestClient, staff: Person, path: str, raw: bytes, **params: str) -> Any:
    headers = staff.headers | {"Content-Type": XLSX}
    return client.post(f"/api/plan/workbook/{path}", content=raw, headers=headers, params=params)


def _new_ak_with_2027_goals(book: Any) -> None:
    book["AK"].append(["goteborg", "Göteborg", "1480"])
    book["Mål"].append(["goteborg", 2027, 5000, 60])
    book["Mål"].append(["ale", 2027, 3000, 30])


def test_goals_for_2027_and_a_new_ak_reach_goals_and_totals(
    client: TestClient, staff: Person, db: Engine
):
    raw = edited(_export(client, staff), _new_ak_with_2027_goals)
    before = plan_state(db)
    preview = _post(client, staff, "preview", raw)
    assert preview.status_code == 200
    body = preview.json()
    assert sorted((c["kind"], c["key"]) for c in body["changes"]) == [
        ("ak.add", "goteborg"),
        ("goal.add", "ale/2027"),
        ("goal.add", "goteborg/2027"),
    ]
    assert plan_state(db) == before

    applied = _post(client, staff, "apply", raw, digest=body["digest"])
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"] == 3

    goals = client.get("/api/goals", params={"year": 2027}, headers=staff.headers).json()
    assert {"ak": "goteborg", "year": 2027, "conversations": 5000, "members": 60} in goals
    assert {"ak": "ale", "year": 2027, "conversations": 3000, "members": 30} in goals
    totals = client.get("/api/totals", params={"year": 2027}, headers=staff.headers).json()
    row = next(a for a in totals["aks"] if a["ak"] == "goteborg")
    assert (row["name"], row["conversation_goal"], row["member_goal"]) == ("Göteborg", 5000, 60)
    assert totals["total"]["conversation_goal"] == 8000
    aks = client.get("/api/aks", headers=staff.headers).json()
    assert {"slug": "goteborg", "name": "Göteborg", "kommun_code": "1480"} in aks
    audit = client.get("/api/audit", headers=staff.headers).json()
    assert any(e["action"] == "plan.import" for e in audit)


def test_a_confirm_after_the_plan_moved_applies_nothing(
    client: TestClient, staff: Person, db: Engine
):
    raw = edited(_export(client, staff), _new_ak_with_2027_goals)
    digest = _post(client, staff, "preview", raw).json()["digest"]
    # Someone else sets Ale's 2027 goal between the preview and the confirm.
    client.put(
        "/api/goals/ale/2027", json={"conversations": 1, "members": 1}, headers=staff.headers
    )
    before = plan_state(db)
    stale = _post(client, staff, "apply", raw, digest=digest)
    assert stale.status_code == 409
    assert stale.json()["code"] == "plan_changed"
    assert plan_state(db) == before


def test_a_broken_workbook_is_refused_with_every_problem_in_swedish(
    client: TestClient, staff: Person, db: Engine
):
    def broken(book: Any) -> None:
        _new_ak_with_2027_goals(book)
        goals = book["Mål"]
        set_cell(goals, find_row(goals, ak="ale", år=2026), "samtal", "många")

    raw = edited(_export(client, staff), broken)
    before = plan_state(db)
    for path, params in (("preview", {}), ("apply", {"digest": "0" * 32})):
        response = _post(client, staff, path, raw, **params)
        assert response.status_code == 422
        assert response.json()["code"] == "workbook_refused"
        [problem] = response.json()["detail"]
        assert problem["sheet"] == "Mål"
        assert problem["column"] == "C (samtal)"
        assert isinstance(problem["row"], int) and problem["row"] >= 2
        assert "heltal" in problem["message"]
    assert plan_state(db) == before


def test_an_upload_that_is_not_a_workbook_is_refused(client: TestClient, staff: Person):
    response = _post(client, staff, "preview", b"not a workbook")
    assert response.status_code == 422
    assert "Excel-arbetsbok" in response.json()["detail"][0]["message"]
