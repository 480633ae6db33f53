"""Seed files are checked strictly; seeding twice, or after staff edits, changes nothing."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.models.plan import District, Goal
from api.plan.seed import SeedError, read_plan, seed_plan


@pytest.fixture
def seed_copy(tmp_path: Path, seeds_dir: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(seeds_dir, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _refused(seeds: Path) -> SeedError:
    with pytest.raises(SeedError) as caught:
        read_plan(seeds)
    return caught.value


def test_the_project_seed_files_are_valid(seeds_dir: Path):
    plan = read_plan(seeds_dir)
    assert len(plan.aks) == 11
    assert len(plan.districts) == 59
    assert len(plan.goals) == 11 * 4


def test_a_total_row_that_does_not_equal_the_sum_is_refused(seed_copy: Path):
    _edit(seed_copy / "goals-conversations.csv", "Totalt,2674", "Totalt,2675")
    error = _refused(seed_copy)
    assert "goals-conversations.csv, rad 13" in str(error)
    assert "2675" in str(error) and "2674" in str(error)


def test_a_missing_total_row_is_refused(seed_copy: Path):
    _edit(seed_copy / "goals-members.csv", "Totalt,113,164,273,544\n", "")
    assert "Totalt saknas" in str(_refused(seed_copy))


def test_an_ak_without_goals_is_refused(seed_copy: Path):
    # Drop Lerum's row and its share of the totals, so only the missing AK is wrong.
    _edit(seed_copy / "goals-members.csv", "Lerum,8,11,18,37\n", "")
    _edit(seed_copy / "goals-members.csv", "Totalt,113,164,273,544", "Totalt,105,153,255,507")
    error = _refused(seed_copy)
    assert "goals-members.csv" in str(error) and "Lerum" in str(error)


def test_a_goal_missing_for_one_year_is_refused(seed_copy: Path):
    _edit(seed_copy / "goals-conversations.csv", "Ale,286,714,1427,2854", "Ale,286,714,,2854")
    error = _refused(seed_copy)
    assert "goals-conversations.csv, rad 2" in str(error)
    assert "2025" in str(error)


def test_a_goal_that_is_not_a_number_is_refused(seed_copy: Path):
    _edit(seed_copy / "goals-members.csv", "Tjörn,13,19,31,62", "Tjörn,13,19,trettioett,62")
    error = _refused(seed_copy)
    assert "goals-members.csv, rad 11" in str(error) and "trettioett" in str(error)


def test_a_district_listed_twice_is_refused(seed_copy: Path):
    path = seed_copy / "districts.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "Ale,14400101,Nödinge södra,Nödinge södra\n",
        encoding="utf-8",
    )
    error = _refused(seed_copy)
    assert "districts.csv, rad 61" in str(error) and "14400101" in str(error)


def test_a_district_of_an_unknown_ak_is_refused(seed_copy: Path):
    _edit(seed_copy / "districts.csv", "Lerum,14410106", "Göteborg,14410106")
    error = _refused(seed_copy)
    assert "districts.csv" in str(error) and "Göteborg" in str(error)


def test_a_district_code_of_another_kommun_is_refused(seed_copy: Path):
    _edit(seed_copy / "districts.csv", "Lerum,14410106", "Lerum,14400106")
    assert "hör inte till Lerum" in str(_refused(seed_copy))


def test_a_district_code_that_is_not_eight_digits_is_refused(seed_copy: Path):
    _edit(seed_copy / "districts.csv", "Lerum,14410106", "Lerum,1441016")
    assert "åtta siffror" in str(_refused(seed_copy))


def test_an_unknown_ak_in_the_goals_is_refused(seed_copy: Path):
    _edit(seed_copy / "goals-members.csv", "Öckerö,", "Ockerö,")
    error = _refused(seed_copy)
    assert "goals-members.csv, rad 12" in str(error) and "Ockerö" in str(error)


def test_a_missing_seed_file_is_named(seed_copy: Path):
    (seed_copy / "aks.csv").unlink()
    assert "aks.csv: filen saknas" in str(_refused(seed_copy))


def test_a_bad_kommun_code_is_refused(seed_copy: Path):
    _edit(seed_copy / "aks.csv", "ale,Ale,1440", "ale,Ale,14x0")
    error = _refused(seed_copy)
    assert "aks.csv, rad 2" in str(error)


def test_a_row_with_too_many_columns_is_refused(seed_copy: Path):
    _edit(seed_copy / "aks.csv", "ale,Ale,1440", "ale,Ale,1440,extra")
    assert "aks.csv, rad 2: fel antal kolumner" in str(_refused(seed_copy))


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        districts = session.exec(select(func.count()).select_from(District)).one()
        goals = session.exec(select(func.count()).select_from(Goal)).one()
        return districts, goals


def test_seeding_twice_changes_nothing(db: Engine, seeds_dir: Path):
    before = _counts(db)
    with Session(db) as session:
        report = seed_plan(session=session, plan=read_plan(seeds_dir))
    assert not report.changed
    assert _counts(db) == before == (59, 44)


def test_seeding_never_overwrites_what_staff_edited(db: Engine, seeds_dir: Path):
    with Session(db) as session:
        goal = session.exec(select(Goal).where(Goal.year == 2026)).first()
        assert goal is not None
        goal.conversations = 9999
        district = session.exec(select(District).where(District.code == "14400520")).one()
        district.name, district.active, district.prioritised = "Alafors (ny)", False, False
        session.add_all([goal, district])
        session.commit()
        goal_id = goal.id
    with Session(db) as session:
        seed_plan(session=session, plan=read_plan(seeds_dir))
    with Session(db) as session:
        assert session.get(Goal, goal_id).conversations == 9999  # type: ignore[union-attr]
        district = session.exec(select(District).where(District.code == "14400520")).one()
        assert (district.name, district.active, district.prioritised) == (
            "Alafors (ny)",
            False,
            False,
        )
    assert _counts(db) == (59, 44)
