"""The plan as a workbook: export, check whole, preview exactly, apply at once (both databases)."""

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.plan import Ak, District, Goal, Topic
from api.plan import workbook
from tests.support.workbooks import edited, find_row, plan_state, set_cell


def _export(db: Engine) -> bytes:
    with Session(db) as session:
        return workbook.export_plan(session=session)


def _preview(db: Engine, raw: bytes) -> workbook.Preview:
    with Session(db) as session:
        return workbook.preview(session=session, plan=workbook.read_workbook(raw))


def _import(db: Engine, raw: bytes) -> workbook.Preview:
    with Session(db) as session:
        plan = workbook.read_workbook(raw)
        preview = workbook.preview(session=session, plan=plan)
        workbook.apply(session=session, plan=plan, preview=preview)
        session.commit()
        return preview


def _next_plan(book: Any) -> None:
    """The next plan: a new AK with goals for 2027, a changed goal, a district and a topic."""
    book["AK"].append(["goteborg", "Göteborg", "1480"])
    book["Mål"].append(["goteborg", 2027, 5000, 60])
    book["Mål"].append(["ale", 2027, 3000, 30])
    goals = book["Mål"]
    set_cell(goals, find_row(goals, ak="ale", år=2026), "samtal", 2900)
    districts = book["Valdistrikt"]
    set_cell(districts, find_row(districts, kod="14400101"), "prioriterat", "nej")
    topics = book["Ämnen"]
    book["Ämnen"].append(["kollektivtrafik", "Kollektivtrafik", "ja"])
    set_cell(topics, find_row(topics, slug="klimat"), "aktivt", "nej")


def test_export_then_import_unchanged_changes_nothing(db: Engine):
    raw = _export(db)
    before = plan_state(db)
    preview = _import(db, raw)
    assert preview.changes == []
    assert plan_state(db) == before
    # And the export of the unchanged plan is the same plan again.
    assert _preview(db, _export(db)).changes == []


def test_an_edited_workbook_previews_exactly_its_changes_and_applies_them(db: Engine):
    raw = edited(_export(db), _next_plan)
    before = plan_state(db)
    preview = _preview(db, raw)
    assert plan_state(db) == before  # a preview writes nothing
    assert sorted((c.kind, c.key) for c in preview.changes) == [
        ("ak.add", "goteborg"),
        ("district.unprioritise", "14400101"),
        ("goal.add", "ale/2027"),
        ("goal.add", "goteborg/2027"),
        ("goal.change", "ale/2026"),
        ("topic.add", "kollektivtrafik"),
        ("topic.retire", "klimat"),
    ]
    change = next(c for c in preview.changes if c.kind == "goal.change")
    assert change.before is not None and change.before.startswith("2854 samtal")
    assert change.after.startswith("2900 samtal")

    _import(db, raw)
    with Session(db) as session:
        goteborg = session.exec(select(Ak).where(Ak.slug == "goteborg")).one()
        assert (goteborg.name, goteborg.kommun_code) == ("Göteborg", "1480")
        goal = session.exec(select(Goal).where(Goal.ak_id == goteborg.id)).one()
        assert (goal.year, goal.conversations, goal.members) == (2027, 5000, 60)
        district = session.exec(select(District).where(District.code == "14400101")).one()
        assert district.prioritised is False
        klimat = session.get(Topic, "klimat")
        assert klimat is not None and klimat.retired_at is not None
        assert session.get(Topic, "kollektivtrafik") is not None
    # The same file again: now nothing left to change.
    assert _preview(db, raw).changes == []


def test_an_ak_renamed_in_the_file_is_renamed(db: Engine):
    def rename(book: Any) -> None:
        set_cell(book["AK"], find_row(book["AK"], slug="ale"), "namn", "Ale kommun")

    preview = _import(db, edited(_export(db), rename))
    assert [(c.kind, c.before, c.after) for c in preview.changes] == [
        ("ak.rename", "Ale", "Ale kommun")
    ]
    with Session(db) as session:
        assert session.exec(select(Ak).where(Ak.slug == "ale")).one().name == "Ale kommun"


def _set(sheet: str, match: dict[str, Any], column: str, value: Any) -> Any:
    def edit(book: Any) -> None:
        set_cell(book[sheet], find_row(book[sheet], **match), column, value)

    return edit


def _append(sheet: str, values: list[Any]) -> Any:
    return lambda book: book[sheet].append(values)


def _drop_sheet(name: str) -> Any:
    return lambda book: book.remove(book[name])


BROKEN: dict[str, tuple[Any, str, int | None, str | None]] = {
    # kind of fault: (edit, sheet, row, column) the problem must name
    "goal not a number": (_set("Mål", {"ak": "ale", "år": 2026}, "samtal", "många"), "Mål", 0, "C"),
    "goal negative": (_set("Mål", {"ak": "ale", "år": 2026}, "medlemmar", -5), "Mål", 0, "D"),
    "year out of range": (_append("Mål", ["ale", 1999, 10, 1]), "Mål", -1, "B"),
    "goal for unknown AK": (_append("Mål", ["kalmar", 2027, 10, 1]), "Mål", -1, "A"),
    "goal twice": (_append("Mål", ["ale", 2026, 10, 1]), "Mål", -1, "B"),
    "AK slug not ASCII": (_append("AK", ["kälmar", "Kälmar", "0880"]), "AK", -1, "A"),
    "AK slug uppercase": (_append("AK", ["Kalmar", "Kalmar", "0880"]), "AK", -1, "A"),
    "kommun code not 4 digits": (_append("AK", ["kalmar", "Kalmar", "088"]), "AK", -1, "C"),
    "kommun code taken": (_append("AK", ["kalmar", "Kalmar", "1440"]), "AK", -1, "C"),
    "kommun code changed": (_set("AK", {"slug": "ale"}, "kommunkod", "1499"), "AK", 0, "C"),
    "AK name too long": (_append("AK", ["kalmar", "K" * 81, "0880"]), "AK", -1, "B"),
    "AK name taken": (_append("AK", ["kalmar", "Ale", "0880"]), "AK", -1, "B"),
    "unknown district": (
        _append("Valdistrikt", ["14409999", "ale", "Påhittat", "", "ja"]),
        "Valdistrikt",
        -1,
        "A",
    ),
    "district renamed": (
        _set("Valdistrikt", {"kod": "14400101"}, "namn", "Annat namn"),
        "Valdistrikt",
        0,
        "C",
    ),
    "district moved to another AK": (
        _set("Valdistrikt", {"kod": "14400101"}, "ak", "lerum"),
        "Valdistrikt",
        0,
        "B",
    ),
    "prioritised not yes or no": (
        _set("Valdistrikt", {"kod": "14400101"}, "prioriterat", "kanske"),
        "Valdistrikt",
        0,
        "E",
    ),
    "topic slug bad": (_append("Ämnen", ["Ny Ämne", "Nytt", "ja"]), "Ämnen", -1, "A"),
    "sheet missing": (_drop_sheet("Mål"), "Mål", None, None),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_workbook_is_refused_whole_and_changes_nothing(db: Engine, kind: str):
    edit, sheet, row, column = BROKEN[kind]
    raw = _export(db)

    def broken(book: Any) -> None:
        _next_plan(book)  # good changes too: none of them may land
        edit(book)

    bad = edited(raw, broken)
    # The row the fault is on: 0 = the matched row, -1 = the last row of the sheet.
    expected_row = row
    if row is not None:
        probe = load_workbook(io.BytesIO(bad))[sheet]
        if row == -1:
            expected_row = probe.max_row
        else:
            match = {"Mål": {"ak": "ale", "år": 2026}, "AK": {"slug": "ale"}}.get(
                sheet, {"kod": "14400101"}
            )
            expected_row = find_row(probe, **match)
    before = plan_state(db)
    with pytest.raises(workbook.WorkbookRefused) as refused:
        _import(db, bad)
    assert plan_state(db) == before
    problems = refused.value.problems
    assert any(
        p.sheet == sheet
        and p.row == expected_row
        and (column is None or (p.column or "").startswith(column))
        for p in problems
    ), [p.text() for p in problems]


def test_a_file_that_is_not_a_workbook_is_refused(db: Engine):
    before = plan_state(db)
    with pytest.raises(workbook.WorkbookRefused) as refused:
        _import(db, b"slug,name\nale,Ale\n")
    assert "Excel-arbetsbok" in refused.value.problems[0].message
    assert plan_state(db) == before


def test_every_problem_is_named_not_only_the_first(db: Engine):
    def two_faults(book: Any) -> None:
        _set("Mål", {"ak": "ale", "år": 2026}, "samtal", "x")(book)
        _append("AK", ["Bad", "Bad", "1"])(book)

    with pytest.raises(workbook.WorkbookRefused) as refused:
        _import(db, edited(_export(db), two_faults))
    sheets = {p.sheet for p in refused.value.problems}
    assert sheets == {"Mål", "AK"}
    assert len(refused.value.problems) >= 3  # samtal, slug, kommunkod
