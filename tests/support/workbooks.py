"""Editing an exported plan workbook the way a person would in Excel, and the plan's state."""

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.accounts import AuditEvent
from api.models.plan import Ak, District, Goal, Topic


def edited(raw: bytes, edit: Any) -> bytes:
    """edit(book) changes the openpyxl workbook in place; the saved bytes are returned."""
    book = load_workbook(io.BytesIO(raw))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def find_row(sheet: Any, **match: Any) -> int:
    """The row number whose cells equal `match` by header name."""
    header = [c.value for c in sheet[1]]
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if all(row[header.index(k)] == v for k, v in match.items()):
            return number
    raise AssertionError(f"no row with {match}")


def set_cell(sheet: Any, row: int, column: str, value: Any) -> None:
    header = [c.value for c in sheet[1]]
    sheet.cell(row=row, column=header.index(column) + 1, value=value)


def plan_state(engine: Engine) -> dict[str, Any]:
    """Everything a plan import may touch, with timestamps: equal means nothing was written."""
    with Session(engine) as session:
        return {
            "aks": sorted((a.slug, a.name, a.kommun_code) for a in session.exec(select(Ak))),
            "goals": sorted(
                (g.ak_id, g.year, g.conversations, g.members, g.updated_at.isoformat())
                for g in session.exec(select(Goal))
            ),
            "districts": sorted(
                (d.code, d.prioritised, d.plan_name or "", d.active, d.updated_at.isoformat())
                for d in session.exec(select(District))
            ),
            "topics": sorted(
                (t.slug, t.label, t.position, t.retired_at is None)
                for t in session.exec(select(Topic))
            ),
            "audit": len(session.exec(select(AuditEvent)).all()),
        }
