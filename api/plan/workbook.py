"""The plan as a workbook, both ways: AKs, goals per AK and year, districts, topics.

Export writes what is stored; import reads an edited copy back. The whole file is checked first
(every problem named by sheet, row and column), then compared with the database into a list of
changes (the preview), then applied by the caller in one transaction. Rows left out of the file
delete nothing: an AK, a goal, a district or a topic is never removed by a workbook.
Exporting and importing unchanged gives no changes.
"""

import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.types import SLUG_PATTERN
from api.models.plan import Ak, District, Goal, Topic

AK_SHEET, GOAL_SHEET, DISTRICT_SHEET, TOPIC_SHEET = "AK", "Mål", "Valdistrikt", "Ämnen"

COLUMNS: dict[str, list[str]] = {
    AK_SHEET: ["slug", "namn", "kommunkod"],
    GOAL_SHEET: ["ak", "år", "samtal", "medlemmar"],
    DISTRICT_SHEET: ["kod", "ak", "namn", "plannamn", "prioriterat"],
    TOPIC_SHEET: ["slug", "etikett", "aktivt"],
}

README_SHEET = "Läs mig"

README = [
    "Planen i Knacka: ändra i bladen AK, Mål, Valdistrikt och Ämnen och läs in filen igen.",
    "En ny rad i AK lägger till en arbetarekommun (slug med små bokstäver a-z, 0-9 och -).",
    "En ny rad i Mål lägger till mål för en AK och ett år; en ändrad siffra ändrar målet.",
    "Valdistrikt: ändra prioriterat (ja/nej) och plannamn. Nya distrikt kommer från "
    "Valmyndighetens fil (knacka districts import), inte härifrån.",
    "Ämnen: en ny rad lägger till ett ämne; aktivt nej tar bort det ur appen "
    "(historiken finns kvar).",
    "En rad som tas bort ur filen tar inte bort något i Knacka.",
    "Filen kontrolleras först i sin helhet; ett enda fel gör att inget ändras.",
]

MAX_ROWS = 5_000

MAX_COUNT = 10_000_000

YEARS = (2000, 2100)

_SLUG = re.compile(SLUG_PATTERN)

_KOMMUN = re.compile(r"^\d{4}$")

_CODE = re.compile(r"^\d{8}$")

_TEXT_OK = re.compile(r"^[^\x00-\x1f]+$")

_YES = {"ja", "j", "x", "yes", "true", "1"}

_NO = {"nej", "n", "no", "false", "0", ""}


@dataclass(frozen=True)
class Problem:
    """One fault in the file, where a person finds it: sheet, row and column as Excel shows."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def where(self) -> str:
        parts = [f"Blad {self.sheet!r}"]
        if self.row is not None:
            parts.append(f"rad {self.row}")
        if self.column is not None:
            parts.append(f"kolumn {self.column}")
        return ", ".join(parts)

    def text(self) -> str:
        return f"{self.where()}: {self.message}"


class WorkbookRefused(ValueError):
    """The file is refused whole; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.text() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Change:
    """One change the file makes, as the preview shows it and the import applies it."""

    kind: str
    key: str
    before: str | None
    after: str
    description: str


@dataclass
class AkRow:
    row: int
    slug: str
    name: str
    kommun_code: str


@dataclass
class GoalRow:
    row: int
    ak: str
    year: int
    conversations: int
    members: int


@dataclass
class DistrictRow:
    row: int
    code: str
    ak: str
    name: str
    plan_name: str | None
    prioritised: bool


@dataclass
class TopicRow:
    row: int
    slug: str
    label: str
    active: bool


@dataclass
class PlanFile:
    aks: list[AkRow] = field(default_factory=list)
    goals: list[GoalRow] = field(default_factory=list)
    districts: list[DistrictRow] = field(default_factory=list)
    topics: list[TopicRow] = field(default_factory=list)


@dataclass
class Preview:
    changes: list[Change]

    @property
    def digest(self) -> str:
        """Names exactly these changes: a confirm applies what was previewed, or nothing."""
        body = json.dumps([asdict(c) for c in self.changes], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:32]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for change in self.changes:
            out[change.kind] = out.get(change.kind, 0) + 1
        return out


# --- Export -------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "ja" if value else "nej"


def export_plan(*, session: Session) -> bytes:
    """The current plan as an .xlsx a person can edit in Excel or LibreOffice."""
    aks = list(session.exec(select(Ak).order_by(Ak.name)).all())
    slug_of = {a.id: a.slug for a in aks}
    rows: dict[str, list[list[Any]]] = {
        AK_SHEET: [[a.slug, a.name, a.kommun_code] for a in aks],
        GOAL_SHEET: [
            [slug_of[g.ak_id], g.year, g.conversations, g.members]
            for g in sorted(
                session.exec(select(Goal)).all(), key=lambda g: (slug_of[g.ak_id], g.year)
            )
        ],
        DISTRICT_SHEET: [
            [d.code, slug_of[d.ak_id], d.name, d.plan_name or "", _yes_no(d.prioritised)]
            for d in session.exec(
                select(District).where(col(District.active).is_(True)).order_by(District.code)
            ).all()
        ],
        TOPIC_SHEET: [
            [t.slug, t.label, _yes_no(t.retired_at is None)]
            for t in session.exec(select(Topic).order_by(col(Topic.position), col(Topic.slug)))
        ],
    }
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, columns in COLUMNS.items():
        sheet = book.create_sheet(name)
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows[name]:
            sheet.append(values)
        # Codes are text: Excel must not drop a leading zero or turn them into numbers.
        for index, column in enumerate(columns, start=1):
            width = max([len(column), *(len(str(v[index - 1])) for v in rows[name])]) + 2
            sheet.column_dimensions[get_column_letter(index)].width = min(width, 60)
            if column in ("kommunkod", "kod"):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "@"
        sheet.freeze_panes = "A2"
    info = book.create_sheet(README_SHEET)
    for line in README:
        info.append([line])
    info.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Reading the file ---------------------------------------------------------------------


class _Sheet:
    """One sheet's rows as dicts by column name, with problems collected, not raised."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name, self.problems = name, problems
        self.positions: dict[str, int] = {}

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        where = None
        if column is not None and column in self.positions:
            where = f"{get_column_letter(self.positions[column] + 1)} ({column})"
        elif column is not None:
            where = column
        self.problems.append(Problem(self.name, row, where, message))

    def rows(self, sheet: Any) -> Iterator[tuple[int, dict[str, Any]]]:
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None) or ()
        names = [str(h).strip().lower() if h is not None else "" for h in header]
        for column in COLUMNS[self.name]:
            if column in names:
                self.positions[column] = names.index(column)
        missing = [c for c in COLUMNS[self.name] if c not in self.positions]
        if missing:
            self.problem(1, None, f"kolumnen saknas: {', '.join(missing)}")
            return
        for number, values in enumerate(lines, start=2):
            if number > MAX_ROWS + 1:
                self.problem(number, None, f"för många rader (högst {MAX_ROWS})")
                return
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield (
                number,
                {c: values[i] if i < len(values) else None for c, i in self.positions.items()},
            )

    def text(self, row: int, column: str, value: Any, *, required: bool = True) -> str | None:
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.problem(row, column, "värde saknas")
            return None
        if len(text) > 120 or not _TEXT_OK.match(text):
            self.problem(row, column, "för lång text eller otillåtna tecken")
            return None
        return text

    def code(self, row: int, column: str, value: Any, digits: int) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = f"{value:0{digits}d}"
        elif isinstance(value, float) and value.is_integer() and value >= 0:
            value = f"{int(value):0{digits}d}"
        text = "" if value is None else str(value).strip()
        if not (_KOMMUN if digits == 4 else _CODE).match(text):
            self.problem(row, column, f"ska vara {digits} siffror, inte {text[:20]!r}")
            return None
        return text

    def count(self, row: int, column: str, value: Any, low: int, high: int) -> int | None:
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and value.replace(" ", "").replace("\u00a0", "").isdigit():
            number = int(value.replace(" ", "").replace("\u00a0", ""))
        if number is None:
            self.problem(row, column, f"ska vara ett heltal, inte {str(value)[:20]!r}")
            return None
        if not low <= number <= high:
            self.problem(row, column, f"ska ligga mellan {low} och {high}, inte {number}")
            return None
        return number

    def flag(self, row: int, column: str, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        self.problem(row, column, f"skriv ja eller nej, inte {text[:20]!r}")
        return None

    def slug(self, row: int, column: str, value: Any) -> str | None:
        text = "" if value is None else str(value).strip()
        if not text or len(text) > 40 or not _SLUG.match(text):
            self.problem(
                row, column, f"{text[:40]!r} är ingen giltig slug (små a-z, 0-9 och bindestreck)"
            )
            return None
        return text

    def unique(self, seen: dict[Any, int], key: Any, row: int, column: str, what: str) -> None:
        if key in seen:
            self.problem(row, column, f"{what} finns redan på rad {seen[key]}")
        else:
            seen[key] = row


def read_workbook(raw: bytes) -> PlanFile:
    """Every value checked on its own and within the file; raises WorkbookRefused on any fault."""
    problems: list[Problem] = []
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not xlsx
        raise WorkbookRefused(
            [Problem("(filen)", None, None, "filen är ingen Excel-arbetsbok (.xlsx)")]
        ) from None
    try:
        plan = PlanFile()
        missing = [name for name in COLUMNS if name not in book.sheetnames]
        for name in missing:
            problems.append(Problem(name, None, None, "bladet saknas i filen"))
        if not missing:
            _read_aks(book[AK_SHEET], _Sheet(AK_SHEET, problems), plan)
            _read_goals(book[GOAL_SHEET], _Sheet(GOAL_SHEET, problems), plan)
            _read_districts(book[DISTRICT_SHEET], _Sheet(DISTRICT_SHEET, problems), plan)
            _read_topics(book[TOPIC_SHEET], _Sheet(TOPIC_SHEET, problems), plan)
    finally:
        book.close()
    if problems:
        raise WorkbookRefused(problems)
    return plan


def _read_aks(sheet: Any, s: _Sheet, plan: PlanFile) -> None:
    slugs: dict[Any, int] = {}
    names: dict[Any, int] = {}
    codes: dict[Any, int] = {}
    for row, v in s.rows(sheet):
        slug = s.slug(row, "slug", v["slug"])
        name = s.text(row, "namn", v["namn"])
        if name is not None and len(name) > 80:
            s.problem(row, "namn", "högst 80 tecken")
            name = None
        code = s.code(row, "kommunkod", v["kommunkod"], 4)
        if slug:
            s.unique(slugs, slug, row, "slug", f"AK:n {slug!r}")
        if name:
            s.unique(names, name.lower(), row, "namn", f"Namnet {name!r}")
        if code:
            s.unique(codes, code, row, "kommunkod", f"Kommunkoden {code}")
        if slug and name and code:
            plan.aks.append(AkRow(row, slug, name, code))


def _read_goals(sheet: Any, s: _Sheet, plan: PlanFile) -> None:
    seen: dict[Any, int] = {}
    for row, v in s.rows(sheet):
        ak = s.slug(row, "ak", v["ak"])
        year = s.count(row, "år", v["år"], *YEARS)
        conversations = s.count(row, "samtal", v["samtal"], 0, MAX_COUNT)
        members = s.count(row, "medlemmar", v["medlemmar"], 0, MAX_COUNT)
        if ak and year is not None:
            s.unique(seen, (ak, year), row, "år", f"Mål för {ak} {year}")
        if ak and year is not None and conversations is not None and members is not None:
            plan.goals.append(GoalRow(row, ak, year, conversations, members))


def _read_districts(sheet: Any, s: _Sheet, plan: PlanFile) -> None:
    seen: dict[Any, int] = {}
    for row, v in s.rows(sheet):
        code = s.code(row, "kod", v["kod"], 8)
        ak = s.slug(row, "ak", v["ak"])
        name = s.text(row, "namn", v["namn"])
        plan_name = s.text(row, "plannamn", v["plannamn"], required=False)
        prioritised = s.flag(row, "prioriterat", v["prioriterat"])
        if code:
            s.unique(seen, code, row, "kod", f"Valdistriktet {code}")
        if code and ak and name and prioritised is not None:
            plan.districts.append(DistrictRow(row, code, ak, name, plan_name, prioritised))


def _read_topics(sheet: Any, s: _Sheet, plan: PlanFile) -> None:
    seen: dict[Any, int] = {}
    for row, v in s.rows(sheet):
        slug = s.slug(row, "slug", v["slug"])
        label = s.text(row, "etikett", v["etikett"])
        if label is not None and len(label) > 80:
            s.problem(row, "etikett", "högst 80 tecken")
            label = None
        active = s.flag(row, "aktivt", v["aktivt"])
        if slug:
            s.unique(seen, slug, row, "slug", f"Ämnet {slug!r}")
        if slug and label and active is not None:
            plan.topics.append(TopicRow(row, slug, label, active))


# --- Comparing with the database ----------------------------------------------------------


def preview(*, session: Session, plan: PlanFile) -> Preview:
    """Every change the file makes, checked against what is stored; raises WorkbookRefused."""
    problems: list[Problem] = []
    changes: list[Change] = []
    aks = {a.slug: a for a in session.exec(select(Ak)).all()}
    file_aks = {a.slug: a for a in plan.aks}
    codes_in_use = {a.kommun_code: a.slug for a in aks.values()}

    for a in plan.aks:
        stored = aks.get(a.slug)
        if stored is None:
            if a.kommun_code in codes_in_use:
                problems.append(
                    Problem(
                        AK_SHEET,
                        a.row,
                        "C (kommunkod)",
                        f"kommunkoden {a.kommun_code} används redan av "
                        f"{codes_in_use[a.kommun_code]!r}",
                    )
                )
                continue
            changes.append(
                Change(
                    "ak.add",
                    a.slug,
                    None,
                    f"{a.name} ({a.kommun_code})",
                    f"Ny AK: {a.name} (slug {a.slug}, kommunkod {a.kommun_code})",
                )
            )
            continue
        if stored.kommun_code != a.kommun_code:
            problems.append(
                Problem(
                    AK_SHEET,
                    a.row,
                    "C (kommunkod)",
                    f"kommunkoden för {a.slug!r} är {stored.kommun_code} och kan inte ändras här",
                )
            )
        if stored.name != a.name:
            changes.append(
                Change(
                    "ak.rename",
                    a.slug,
                    stored.name,
                    a.name,
                    f"AK {a.slug} byter namn: {stored.name} → {a.name}",
                )
            )
    # Two AKs may swap names in one file, but the file's own names must end up unique.
    final_names: dict[str, str] = {a.name.lower(): s for s, a in aks.items()}
    for a in plan.aks:
        final_names = {n: s for n, s in final_names.items() if s != a.slug}
    for a in plan.aks:
        if a.name.lower() in final_names:
            problems.append(
                Problem(
                    AK_SHEET,
                    a.row,
                    "B (namn)",
                    f"namnet används redan av {final_names[a.name.lower()]!r}",
                )
            )
    known_slugs = set(aks) | set(file_aks)

    goals: dict[tuple[int | None, int], Goal] = {
        (g.ak_id, g.year): g for g in session.exec(select(Goal)).all()
    }
    for g in plan.goals:
        if g.ak not in known_slugs:
            problems.append(Problem(GOAL_SHEET, g.row, "A (ak)", f"okänd AK {g.ak!r}"))
            continue
        stored_ak = aks.get(g.ak)
        stored_goal = goals.get((stored_ak.id, g.year)) if stored_ak else None
        after = f"{g.conversations} samtal, {g.members} medlemmar"
        if stored_goal is None:
            changes.append(
                Change(
                    "goal.add",
                    f"{g.ak}/{g.year}",
                    None,
                    after,
                    f"Nytt mål {g.ak} {g.year}: {after}",
                )
            )
        elif (stored_goal.conversations, stored_goal.members) != (g.conversations, g.members):
            before = f"{stored_goal.conversations} samtal, {stored_goal.members} medlemmar"
            changes.append(
                Change(
                    "goal.change",
                    f"{g.ak}/{g.year}",
                    before,
                    after,
                    f"Mål {g.ak} {g.year}: {before} → {after}",
                )
            )

    districts = {d.code: d for d in session.exec(select(District)).all()}
    slug_of = {a.id: s for s, a in aks.items()}
    for d in plan.districts:
        stored_d = districts.get(d.code)
        if stored_d is None:
            problems.append(
                Problem(
                    DISTRICT_SHEET,
                    d.row,
                    "A (kod)",
                    f"valdistriktet {d.code} finns inte; nya distrikt läses in från "
                    "Valmyndighetens fil",
                )
            )
            continue
        if not stored_d.active:
            problems.append(
                Problem(
                    DISTRICT_SHEET,
                    d.row,
                    "A (kod)",
                    f"valdistriktet {d.code} är avvecklat; välj ersättare under Valdistrikt",
                )
            )
            continue
        if slug_of[stored_d.ak_id] != d.ak:
            problems.append(
                Problem(
                    DISTRICT_SHEET,
                    d.row,
                    "B (ak)",
                    f"valdistriktet {d.code} hör till {slug_of[stored_d.ak_id]!r}, inte {d.ak!r}",
                )
            )
        if stored_d.name != d.name:
            problems.append(
                Problem(
                    DISTRICT_SHEET,
                    d.row,
                    "C (namn)",
                    f"namnet kommer från Valmyndigheten ({stored_d.name!r}); ändra plannamn i "
                    "stället",
                )
            )
        if stored_d.prioritised != d.prioritised:
            kind = "district.prioritise" if d.prioritised else "district.unprioritise"
            what = "prioriteras" if d.prioritised else "prioriteras inte längre"
            changes.append(
                Change(
                    kind,
                    d.code,
                    _yes_no(stored_d.prioritised),
                    _yes_no(d.prioritised),
                    f"{d.code} {stored_d.name} {what}",
                )
            )
        if (stored_d.plan_name or None) != d.plan_name:
            changes.append(
                Change(
                    "district.plan_name",
                    d.code,
                    stored_d.plan_name,
                    d.plan_name or "",
                    f"{d.code} plannamn: {stored_d.plan_name or '–'} → {d.plan_name or '–'}",
                )
            )

    topics = {t.slug: t for t in session.exec(select(Topic)).all()}
    for t in plan.topics:
        stored_t = topics.get(t.slug)
        if stored_t is None:
            changes.append(
                Change(
                    "topic.add",
                    t.slug,
                    None,
                    t.label,
                    f"Nytt ämne: {t.label}" + ("" if t.active else " (inte aktivt)"),
                )
            )
            continue
        if stored_t.label != t.label:
            changes.append(
                Change(
                    "topic.relabel",
                    t.slug,
                    stored_t.label,
                    t.label,
                    f"Ämnet {t.slug}: {stored_t.label} → {t.label}",
                )
            )
        if (stored_t.retired_at is None) != t.active:
            kind = "topic.restore" if t.active else "topic.retire"
            what = "visas igen i appen" if t.active else "tas bort ur appen"
            changes.append(
                Change(
                    kind,
                    t.slug,
                    _yes_no(not t.active),
                    _yes_no(t.active),
                    f"Ämnet {t.label} {what}",
                )
            )
    if problems:
        raise WorkbookRefused(problems)
    return Preview(changes)


# --- Applying -----------------------------------------------------------------------------


def apply(*, session: Session, plan: PlanFile, preview: Preview) -> list[int]:
    """Writes the previewed changes (no commit: the caller commits once); returns goal years."""
    now = utcnow()
    kinds = {(c.kind, c.key) for c in preview.changes}
    aks = {a.slug: a for a in session.exec(select(Ak)).all()}
    for a in plan.aks:
        if ("ak.add", a.slug) in kinds:
            aks[a.slug] = Ak(slug=a.slug, name=a.name, kommun_code=a.kommun_code)
            session.add(aks[a.slug])
    for a in plan.aks:
        if ("ak.rename", a.slug) in kinds:
            aks[a.slug].name = a.name
            session.add(aks[a.slug])
    session.flush()
    years: set[int] = set()
    goals = {(g.ak_id, g.year): g for g in session.exec(select(Goal)).all()}
    for g in plan.goals:
        key = f"{g.ak}/{g.year}"
        if ("goal.add", key) in kinds or ("goal.change", key) in kinds:
            ak_id = aks[g.ak].id
            assert ak_id is not None
            goal = goals.get((ak_id, g.year)) or Goal(
                ak_id=ak_id, year=g.year, conversations=0, members=0
            )
            goal.conversations, goal.members, goal.updated_at = g.conversations, g.members, now
            session.add(goal)
            years.add(g.year)
    districts = {d.code: d for d in session.exec(select(District)).all()}
    for d in plan.districts:
        stored = districts[d.code]
        touched = False
        if ("district.prioritise", d.code) in kinds or ("district.unprioritise", d.code) in kinds:
            stored.prioritised, touched = d.prioritised, True
        if ("district.plan_name", d.code) in kinds:
            stored.plan_name, touched = d.plan_name, True
        if touched:
            stored.updated_at = now
            session.add(stored)
    topics = {t.slug: t for t in session.exec(select(Topic)).all()}
    last = max((t.position for t in topics.values()), default=0)
    for t in plan.topics:
        if ("topic.add", t.slug) in kinds:
            last += 1
            session.add(
                Topic(
                    slug=t.slug,
                    label=t.label,
                    position=last,
                    retired_at=None if t.active else now,
                )
            )
            continue
        topic = topics[t.slug]
        if ("topic.relabel", t.slug) in kinds:
            topic.label = t.label
        if ("topic.retire", t.slug) in kinds:
            topic.retired_at = now
        if ("topic.restore", t.slug) in kinds:
            topic.retired_at = None
        session.add(topic)
    session.flush()
    return sorted(years)


def summary(preview: Preview) -> str:
    """One line for the audit log: how many changes of each kind."""
    counts = preview.counts()
    if not counts:
        return "inga ändringar"
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
