"""Where to knock next: coverage against estimated households, turnout, and the ranking."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from api.models.plan import District
from api.plan.district_import import read_turnout_csv, set_turnout
from api.totals.coverage import VOTERS_PER_HOUSEHOLD
from tests.conftest import Person
from tests.support.districts import RIKSDAG_CSV, log_in_year


def _set(db: Engine, code: str, **values: Any) -> int:
    with Session(db) as session:
        district = session.exec(select(District).where(District.code == code)).one()
        for key, value in values.items():
            setattr(district, key, value)
        session.add(district)
        session.commit()
        assert district.id is not None
        return district.id


def _view(client: TestClient, who: Person, year: int = 2025) -> dict[str, Any]:
    response = client.get(
        "/api/totals/where-to-knock", params={"ak": "ale", "year": year}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_prioritised_districts_rank_by_low_turnout_and_low_coverage(
    client: TestClient, db: Engine, staff: Person
):
    # Three prioritised districts of Ale with 1 700 röstberättigade each (~1 000 households).
    low_turnout = _set(db, "14400101", electorate=1700, turnout_pct=70.0, turnout_year=2022)
    high_turnout = _set(db, "14400103", electorate=1700, turnout_pct=85.0, turnout_year=2022)
    covered = _set(db, "14400105", electorate=1700, turnout_pct=70.0, turnout_year=2022)
    no_electorate = _set(db, "14400519", electorate=None, turnout_pct=60.0, turnout_year=2022)
    log_in_year(db, user_id=staff.id, district_id=covered, year=2025, n=800)
    log_in_year(db, user_id=staff.id, district_id=low_turnout, year=2024, n=900)  # other year

    view = _view(client, staff)
    rows = {r["district_id"]: r for r in view["districts"]}
    households = round(1700 / VOTERS_PER_HOUSEHOLD)
    assert rows[covered]["households_estimate"] == households
    assert rows[covered]["doors"] == 800
    assert rows[covered]["coverage"] == round(800 / households, 4)
    assert rows[low_turnout]["doors"] == 0 and rows[low_turnout]["coverage"] == 0
    assert rows[high_turnout]["turnout_pct"] == 85.0
    assert "1,7" in view["assumption"]

    order = [r["district_id"] for r in view["ranking"]]
    # Alafors and Älvängen södra have no röstberättigade imported: they are not ranked.
    assert order == [low_turnout, high_turnout, covered]
    assert no_electorate in view["unranked"] and no_electorate not in order
    assert all(rows[i]["prioritised"] for i in order)


def test_the_view_reads_rollups_never_door_log(client: TestClient, db: Engine, staff: Person):
    covered = _set(db, "14400105", electorate=1700)
    log_in_year(db, user_id=staff.id, district_id=covered, year=2025, n=3)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        view = _view(client, staff)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any("door_count_year" in s for s in seen)
    assert not [s for s in seen if re.search(r"\bdoor_log\b", s)]
    assert next(r for r in view["districts"] if r["district_id"] == covered)["doors"] == 3


def test_turnout_from_the_riksdag_file_reaches_the_view(
    client: TestClient, db: Engine, staff: Person
):
    turnout = read_turnout_csv(RIKSDAG_CSV.read_bytes())
    assert turnout["14400101"] == 83.76 and not any(c[4:6] == "98" for c in turnout)
    with Session(db) as session:
        changed = set_turnout(session=session, turnout=turnout, year=2022)
        session.commit()
    assert "14400101" in changed
    rows = {r["code"]: r for r in _view(client, staff)["districts"]}
    assert (rows["14400101"]["turnout_pct"], rows["14400101"]["turnout_year"]) == (83.76, 2022)


def test_a_renumbered_district_gets_the_figure_of_its_comparable_2022_district(db: Engine):
    with Session(db) as session:
        changed = set_turnout(
            session=session,
            turnout={"14400101": 80.0},
            year=2022,
            comparable={"14400103": "14400101"},
        )
        session.commit()
        by_code = {d.code: d for d in session.exec(select(District))}
    assert sorted(changed) == ["14400101", "14400103"]
    assert by_code["14400103"].turnout_pct == 80.0
