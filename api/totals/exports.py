"""The year's figures as CSV (Swedish spreadsheet locale) and XLSX.

Who sees what follows docs/PRODUCT.md ("Roles and access"): totals per AK go to every signed-in
user; the per-district and per-week tables only cover AKs the caller organises (staff: every AK).
"""

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from api.totals.dashboard import AK_HEADERS, DISTRICT_HEADERS, WEEK_HEADERS

SECTIONS = (
    ("ak", "Per arbetarekommun", AK_HEADERS),
    ("district", "Per valdistrikt", DISTRICT_HEADERS),
    ("week", "Per vecka", WEEK_HEADERS),
)


# A text cell starting with one of these is a formula to a spreadsheet (DDE, HYPERLINK ...).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralised(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made plain text with a leading apostrophe
    (what spreadsheets themselves use to mark text); numbers stay numbers."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_LEADS):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    # A Swedish spreadsheet reads "0,45" as a number and "0.45" as text.
    if isinstance(value, float):
        return f"{value:.4f}".replace(".", ",")
    return "" if value is None else neutralised(value)


Section = tuple[str, str, tuple[str, ...] | list[str]]  # (key, title, headers)


def to_csv(year: int, tables: dict[str, list[list[Any]]]) -> bytes:
    """UTF-8 with BOM and `;`: opens straight in Excel or LibreOffice set to Swedish."""
    return sections_csv(f"Knacka – resultat {year}", SECTIONS, tables)


def to_xlsx(year: int, tables: dict[str, list[list[Any]]]) -> bytes:
    """One sheet per table; the header row bold, shares formatted as per cent."""
    return sections_xlsx(f"Knacka – resultat {year}", SECTIONS, tables)


def sections_csv(
    title: str, sections: Sequence[Section], tables: dict[str, list[list[Any]]]
) -> bytes:
    """The sections, each a title row, a header row and its rows, separated by an empty row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralised(title)])
    for key, name, headers in sections:
        writer.writerow([])
        writer.writerow([neutralised(name)])
        writer.writerow([neutralised(h) for h in headers])
        writer.writerows([_csv_cell(v) for v in row] for row in tables[key])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sections_xlsx(
    title: str, sections: Sequence[Section], tables: dict[str, list[list[Any]]]
) -> bytes:
    """One sheet per section; the header row bold, shares ("Andel …") formatted as per cent."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for key, name, headers in sections:
        sheet = book.create_sheet(name)
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in tables[key]:
            sheet.append([neutralised(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text begins with
        for index, header in enumerate(headers, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(header) + 2)
            if header.startswith("Andel"):
                for cell in sheet[letter][1:]:
                    cell.number_format = "0.0%"
        sheet.freeze_panes = "A2"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
