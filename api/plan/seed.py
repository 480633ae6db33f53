"""The plan's facts (Bilaga 1-3) from seeds/*.csv: checked strictly, loaded idempotently.

Seeding only inserts what is missing, so a goal or district that staff edited is never
overwritten, and a second run changes nothing.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from api.models.plan import Ak, District, Goal
from api.plan.topics import seed_topics

GOAL_FILES = {"conversations": "goals-conversations.csv", "members": "goals-members.csv"}

TOTAL_ROW = "Totalt"


class SeedError(ValueError):
    """A seed file is wrong; the message names the file, the row and the problem."""

    def __init__(self, path: Path, row: int | None, problem: str) -> None:
        where = f"{path.name}, rad {row}" if row is not None else path.name
        super().__init__(f"{where}: {problem}")
        self.path, self.row, self.problem = path, row, problem


@dataclass(frozen=True)
class AkSeed:
    slug: str
    name: str
    kommun_code: str


@dataclass(frozen=True)
class DistrictSeed:
    ak_name: str
    code: str
    name: str
    plan_name: str


@dataclass
class Plan:
    aks: list[AkSeed]
    districts: list[DistrictSeed]
    # (AK name, year) -> {"conversations": n, "members": n}
    goals: dict[tuple[str, int], dict[str, int]]


def _read(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise SeedError(path, None, "filen saknas")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            raise SeedError(path, 1, f"kolumn saknas: {', '.join(missing)}")
        rows = []
        for row in reader:
            # Row numbers as a spreadsheet shows them: the header is row 1.
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                raise SeedError(path, line, "fel antal kolumner")
            rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
        return rows


def _int(path: Path, line: int, value: str, what: str) -> int:
    try:
        number = int(value.replace(" ", ""))
    except ValueError:
        raise SeedError(path, line, f"{what} är inte ett heltal: {value!r}") from None
    if number < 0:
        raise SeedError(path, line, f"{what} är negativt: {number}")
    return number


def _read_aks(path: Path) -> list[AkSeed]:
    aks: list[AkSeed] = []
    seen: set[str] = set()
    for line, row in _read(path, ["slug", "name", "kommun_code"]):
        slug, name, code = row["slug"], row["name"], row["kommun_code"]
        if not slug or not slug.replace("-", "").isascii() or slug != slug.lower():
            raise SeedError(path, line, f"ogiltig slug {slug!r} (små ASCII-bokstäver och -)")
        if not name:
            raise SeedError(path, line, "namn saknas")
        if len(code) != 4 or not code.isdigit():
            raise SeedError(path, line, f"kommunkoden {code!r} är inte fyra siffror")
        for key in (slug, name):
            if key in seen:
                raise SeedError(path, line, f"{key!r} förekommer två gånger")
            seen.add(key)
        aks.append(AkSeed(slug, name, code))
    if not aks:
        raise SeedError(path, None, "inga arbetarekommuner")
    return aks


def _read_districts(path: Path, aks: list[AkSeed]) -> list[DistrictSeed]:
    by_name = {a.name: a for a in aks}
    districts: list[DistrictSeed] = []
    seen: set[str] = set()
    for line, row in _read(path, ["arbetarekommun", "code", "name", "plan_name"]):
        ak_name, code = row["arbetarekommun"], row["code"]
        ak = by_name.get(ak_name)
        if ak is None:
            raise SeedError(path, line, f"okänd arbetarekommun {ak_name!r}")
        if len(code) != 8 or not code.isdigit():
            raise SeedError(path, line, f"valdistriktskoden {code!r} är inte åtta siffror")
        if not code.startswith(ak.kommun_code):
            raise SeedError(
                path, line, f"koden {code} hör inte till {ak_name} (kommunkod {ak.kommun_code})"
            )
        if code in seen:
            raise SeedError(path, line, f"valdistriktet {code} förekommer två gånger")
        seen.add(code)
        if not row["name"]:
            raise SeedError(path, line, "namn saknas")
        districts.append(DistrictSeed(ak_name, code, row["name"], row["plan_name"] or row["name"]))
    return districts


def _read_goals(path: Path, aks: list[AkSeed]) -> dict[tuple[str, int], int]:
    if not path.is_file():
        raise SeedError(path, None, "filen saknas")
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = [h.strip() for h in next(csv.reader(f), [])]
    if not header or header[0].strip() != "arbetarekommun":
        raise SeedError(path, 1, "första kolumnen ska heta arbetarekommun")
    years = [_int(path, 1, h, "året") for h in header[1:]]
    if not years or len(set(years)) != len(years):
        raise SeedError(path, 1, "åren saknas eller förekommer två gånger")
    rows = _read(path, header)
    goals: dict[tuple[str, int], int] = {}
    total: dict[int, int] | None = None
    known = {a.name for a in aks}
    for line, row in rows:
        ak_name = row["arbetarekommun"]
        values = {
            y: _int(path, line, row[h], f"målet för {y}")
            for y, h in zip(years, header[1:], strict=True)
        }
        if ak_name == TOTAL_ROW:
            if total is not None:
                raise SeedError(path, line, "raden Totalt förekommer två gånger")
            total = values
            continue
        if ak_name not in known:
            raise SeedError(path, line, f"okänd arbetarekommun {ak_name!r}")
        if any((ak_name, y) in goals for y in years):
            raise SeedError(path, line, f"{ak_name} förekommer två gånger")
        for y, v in values.items():
            goals[(ak_name, y)] = v
    for ak in aks:
        if (ak.name, years[0]) not in goals:
            raise SeedError(path, None, f"mål saknas för {ak.name}")
    if total is None:
        raise SeedError(path, None, "raden Totalt saknas")
    total_line = next(line for line, row in rows if row["arbetarekommun"] == TOTAL_ROW)
    for y in years:
        summed = sum(v for (_, year), v in goals.items() if year == y)
        if summed != total[y]:
            raise SeedError(
                path, total_line, f"Totalt för {y} är {total[y]} men summan är {summed}"
            )
    return goals


def read_plan(seeds_dir: Path) -> Plan:
    aks = _read_aks(seeds_dir / "aks.csv")
    districts = _read_districts(seeds_dir / "districts.csv", aks)
    per_kind = {kind: _read_goals(seeds_dir / f, aks) for kind, f in GOAL_FILES.items()}
    conv, mem = per_kind["conversations"], per_kind["members"]
    if conv.keys() != mem.keys():
        raise SeedError(
            seeds_dir / GOAL_FILES["members"], None, "har inte samma år som samtalsmålen"
        )
    goals = {key: {"conversations": conv[key], "members": mem[key]} for key in conv}
    return Plan(aks, districts, goals)


@dataclass
class SeedReport:
    aks: int = 0
    districts: int = 0
    goals: int = 0
    topics: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.aks or self.districts or self.goals or self.topics)


def seed_plan(*, session: Session, plan: Plan) -> SeedReport:
    """Insert what is missing of the plan; never touch rows that exist."""
    report = SeedReport()
    aks = {a.slug: a for a in session.exec(select(Ak)).all()}
    for a in plan.aks:
        if a.slug not in aks:
            aks[a.slug] = Ak(slug=a.slug, name=a.name, kommun_code=a.kommun_code)
            session.add(aks[a.slug])
            report.aks += 1
    session.flush()
    ak_by_name = {a.name: aks[a.slug] for a in plan.aks}
    existing_codes = set(session.exec(select(District.code)).all())
    for d in plan.districts:
        if d.code not in existing_codes:
            ak_id = ak_by_name[d.ak_name].id
            assert ak_id is not None
            session.add(
                District(
                    ak_id=ak_id,
                    code=d.code,
                    name=d.name,
                    plan_name=d.plan_name,
                    prioritised=True,
                )
            )
            report.districts += 1
    existing_goals = {(g.ak_id, g.year) for g in session.exec(select(Goal)).all()}
    for (ak_name, year), values in sorted(plan.goals.items()):
        ak_id = ak_by_name[ak_name].id
        if (ak_id, year) not in existing_goals:
            assert ak_id is not None
            session.add(
                Goal(
                    ak_id=ak_id,
                    year=year,
                    conversations=values["conversations"],
                    members=values["members"],
                )
            )
            report.goals += 1
    report.topics = seed_topics(session=session)
    session.commit()
    return report
