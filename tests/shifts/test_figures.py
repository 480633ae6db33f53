"""Knackpass retention on a hand-built history: per month new volunteers, back within 30
days, active per week and no-shows; the counts outlive gallring of the sign-ups; and the
"har inte varit ute på länge" list."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from api.models.door_logs import DoorCountUserDay
from api.models.plan import District
from api.models.shifts import Shift, ShiftCount, ShiftMonth, ShiftSignup
from api.ops.retention import run_retention
from api.plan import catalogue
from api.shifts import figures
from api.shifts import service as shifts
from tests.conftest import TEST_SECRET, MakeUser

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


def _shift(session: Session, slug: str, starts: datetime, *, cancelled: bool = False) -> Shift:
    ak = catalogue.get_ak_by_slug(session=session, slug=slug)
    district = session.exec(select(District).where(District.ak_id == ak.id)).first()
    assert district is not None and district.id is not None
    shift = shifts.create_shift(
        session=session,
        ak=ak,
        created_by=None,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        meeting_point="Ale torg",
        district_ids=[district.id],
        capacity=None,
        leader_id=None,
        note=None,
        secret_key=TEST_SECRET,
    )
    if cancelled:
        shift.cancelled_at = starts - timedelta(days=1)
    return shift


def _signup(
    session: Session, shift: Shift, user_id: int, *, checked_in: bool = False, doors: int = 0
) -> None:
    assert shift.id is not None
    session.add(
        ShiftSignup(
            shift_id=shift.id,
            user_id=user_id,
            signed_up_at=shift.starts_at - timedelta(days=2),
            checked_in_at=shift.starts_at if checked_in else None,
        )
    )
    if doors:
        session.add(ShiftCount(shift_id=shift.id, user_id=user_id, doors=doors, conversation=1))


def _history(db: Engine, make_user: MakeUser) -> dict[str, int]:
    """March: two shifts (Anna back within 30 days, Bo only after 54, Cia a no-show, Dan once);
    April: one (Bo and Cia came, Dan a no-show); June: Anna; a cancelled shift and another
    AK's shift that must not count."""
    people = {
        n: make_user("volunteer", aks=["ale"], name=n).id for n in ("Anna", "Bo", "Cia", "Dan")
    }
    guest = make_user("volunteer", aks=["lerum"], name="Gäst").id
    a, b, c, d = people["Anna"], people["Bo"], people["Cia"], people["Dan"]
    with Session(db) as session:
        s1 = _shift(session, "ale", datetime(2026, 3, 2, 9, tzinfo=UTC))  # a Monday
        s2 = _shift(session, "ale", datetime(2026, 3, 20, 9, tzinfo=UTC))  # week of 16 March
        s3 = _shift(session, "ale", datetime(2026, 4, 25, 8, tzinfo=UTC))  # week of 20 April
        s4 = _shift(session, "ale", datetime(2026, 6, 10, 8, tzinfo=UTC))
        gone = _shift(session, "ale", datetime(2026, 3, 10, 9, tzinfo=UTC), cancelled=True)
        other = _shift(session, "lerum", datetime(2026, 3, 10, 9, tzinfo=UTC))
        session.flush()
        _signup(session, s1, a, checked_in=True)
        _signup(session, s1, b, doors=5)  # came: a log of theirs carries the shift
        _signup(session, s1, c)
        _signup(session, s2, a, checked_in=True, doors=3)
        _signup(session, s2, d, checked_in=True)
        _signup(session, s3, b, checked_in=True)
        _signup(session, s3, c, checked_in=True)
        _signup(session, s3, d)
        _signup(session, s4, a, checked_in=True)
        _signup(session, gone, c, checked_in=True)
        _signup(session, other, guest, checked_in=True)
        # Cia logged doors on 1 June without a shift: she has been out lately.
        ale = catalogue.get_ak_by_slug(session=session, slug="ale")
        district = session.exec(select(District).where(District.ak_id == ale.id)).first()
        assert district is not None and district.id is not None
        session.add(
            DoorCountUserDay(district_id=district.id, day=date(2026, 6, 1), user_id=c, doors=4)
        )
        session.commit()
    return people


EXPECTED = {
    "2026-06": {
        "shifts": 1,
        "signed_up": 1,
        "came": 1,
        "no_shows": 0,
        "new_volunteers": 0,
        "returned": 0,
        "active_person_weeks": 1,
        "weeks": 3,  # the weeks of 1, 8 and 15 June so far
        "return_share": None,
        "no_show_rate": 0.0,
        "active_per_week": 0.3,
    },
    "2026-04": {
        "shifts": 1,
        "signed_up": 3,
        "came": 2,
        "no_shows": 1,
        "new_volunteers": 1,  # Cia: her first shift that she came to
        "returned": 0,
        "active_person_weeks": 2,
        "weeks": 5,  # 30 March (its Thursday is 2 April) to 27 April
        "return_share": 0.0,
        "no_show_rate": 0.333,
        "active_per_week": 0.4,
    },
    "2026-03": {
        "shifts": 2,
        "signed_up": 5,
        "came": 4,
        "no_shows": 1,
        "new_volunteers": 3,  # Anna, Bo, Dan
        "returned": 1,  # Anna, 18 days later; Bo came back only after 54 days
        "active_person_weeks": 4,
        "weeks": 4,  # 2 to 23 March; the week of 30 March is April's
        "return_share": 0.333,
        "no_show_rate": 0.2,
        "active_per_week": 1.0,
    },
}


def _figures(db: Engine, now: datetime) -> list[dict[str, object]]:
    with Session(db) as session:
        ale = catalogue.get_ak_by_slug(session=session, slug="ale")
        return figures.retention(session=session, ak=ale, now=now)


def _without_final(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {
        str(r["month"]): {k: v for k, v in r.items() if k not in ("month", "final")} for r in rows
    }


def test_retention_figures_of_a_hand_built_history(db: Engine, make_user: MakeUser):
    _history(db, make_user)
    rows = _figures(db, NOW)
    assert [r["month"] for r in rows] == ["2026-06", "2026-04", "2026-03"]
    assert _without_final(rows) == EXPECTED
    assert not any(r["final"] for r in rows)


def test_the_figures_are_kept_as_counts_when_gallring_deletes_the_sign_ups(
    db: Engine, make_user: MakeUser
):
    _history(db, make_user)
    with Session(db) as session:
        # Closed months (their last day + 30 days) are kept; June is still open.
        kept = figures.freeze_closed_months(session=session, now=NOW, signup_days=90)
        session.commit()
        assert kept == 3  # Ale: March and April; Lerum: March
        assert {m.month for m in session.exec(select(ShiftMonth)).all()} == {
            date(2026, 3, 1),
            date(2026, 4, 1),
        }
    kept_rows = _figures(db, NOW)
    assert _without_final(kept_rows) == EXPECTED
    assert [r["final"] for r in kept_rows] == [False, True, True]
    # Months later gallring deletes every sign-up; June is kept first, in the same run.
    later = datetime(2026, 10, 1, tzinfo=UTC)
    with Session(db) as session:
        report = run_retention(
            session=session,
            now=later,
            volunteer_inactive_days=0,
            audit_days=0,
            dry_run=False,
            shift_signup_days=90,
        )
        session.commit()
        assert report.shift_months_kept >= 1
        remaining = session.exec(
            select(ShiftSignup).join(Shift, ShiftSignup.shift_id == Shift.id)  # type: ignore[arg-type]
        ).all()
        assert remaining == []
    after = _figures(db, later)
    assert [r["final"] for r in after] == [True, True, True]
    assert _without_final(after)["2026-03"] == EXPECTED["2026-03"]
    assert _without_final(after)["2026-04"] == EXPECTED["2026-04"]
    # June was kept when the month closed with all its weeks counted.
    june = _without_final(after)["2026-06"]
    assert (june["came"], june["signed_up"], june["new_volunteers"]) == (1, 1, 0)
    assert june["weeks"] == 4  # 1 to 22 June; the week of 29 June is July's


def test_who_has_not_been_out_for_a_while(db: Engine, make_user: MakeUser):
    people = _history(db, make_user)
    with Session(db) as session:
        ale = catalogue.get_ak_by_slug(session=session, slug="ale")
        quiet = figures.inactive(session=session, ak=ale, now=NOW)
    # Anna came on 10 June, Cia logged on 1 June; Bo and Dan last signed up on 25 April.
    assert [(p["name"], p["last_out"]) for p in quiet] == [
        ("Dan", "2026-04-25"),
        ("Bo", "2026-04-25"),
    ]
    assert {p["user_id"] for p in quiet} == {people["Bo"], people["Dan"]}
