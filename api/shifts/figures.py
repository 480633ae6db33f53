"""Knackpass retention for organisers: per AK and month, and who has not been out for a while.

Counted from shifts, sign-ups and the shift and per-day rollups, never from door_log. A month's
figures are computed live until the month is closed (its last day + 30 days, so every
"back within 30 days" is known), then kept in shift_month for good: gallring may delete the
person-level sign-ups after that (api/ops/retention.py freezes first, in the same run).

- came: checked in, or a log of theirs carries the shift (api/shifts/service.py `came_to`);
- new volunteer: came to a first shift of the AK in the month (as far as the kept records
  reach: logs with the shift for good, check-ins while the sign-ups are kept);
- returned: of those, came to another shift of the AK starting within 30 days after the first;
- active per week: distinct volunteers who came, per week (a week is the month's that holds
  its Thursday; weeks not yet begun are left out), averaged;
- no-show rate: sign-ups to the month's ended shifts that did not come, of those sign-ups.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.core.stockholm import stockholm_day, stockholm_today
from api.models.accounts import User, UserAk
from api.models.door_logs import DoorCountUserDay
from api.models.plan import Ak
from api.models.shifts import Shift, ShiftMonth, ShiftSignup
from api.shifts.service import came_to

RETURN_WITHIN = timedelta(days=30)
# A month is closed (its figures final and kept) this long after its last day.
CLOSED_AFTER = RETURN_WITHIN
INACTIVE_AFTER = timedelta(days=30)

COUNTERS = (
    "shifts",
    "signed_up",
    "came",
    "no_shows",
    "new_volunteers",
    "returned",
    "active_person_weeks",
    "weeks",
)


def month_of(day: date) -> date:
    return day.replace(day=1)


def week_month(monday: date) -> date:
    """A week belongs to the month of its Thursday (as ISO weeks belong to years)."""
    return month_of(monday + timedelta(days=3))


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


@dataclass
class _Month:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    active: dict[date, set[int]] = field(default_factory=lambda: defaultdict(set))


def compute_months(*, session: Session, ak_id: int, now: datetime) -> dict[date, dict[str, int]]:
    """Every month of the AK's shifts that have started, counted from the kept rows."""
    shifts = session.exec(
        select(Shift)
        .where(Shift.ak_id == ak_id, col(Shift.cancelled_at).is_(None), Shift.starts_at <= now)
        .order_by(col(Shift.starts_at))
    ).all()
    ids = [s.id for s in shifts if s.id is not None]
    came = came_to(session, ids)
    signed: dict[int, set[int]] = defaultdict(set)
    if ids:
        for sid, uid in session.execute(
            select(ShiftSignup.shift_id, ShiftSignup.user_id).where(
                col(ShiftSignup.shift_id).in_(ids), col(ShiftSignup.cancelled_at).is_(None)
            )
        ):
            signed[sid].add(uid)
    months: dict[date, _Month] = defaultdict(_Month)
    attended: dict[int, list[datetime]] = defaultdict(list)
    for shift in shifts:
        assert shift.id is not None
        day = stockholm_day(shift.starts_at)
        m = months[month_of(day)]
        m.counts["shifts"] += 1
        people = came[shift.id]
        m.counts["came"] += len(people)
        monday = day - timedelta(days=day.weekday())
        months[week_month(monday)].active[monday] |= people
        if shift.ends_at <= now:
            m.counts["signed_up"] += len(signed[shift.id])
            m.counts["no_shows"] += len(signed[shift.id] - people)
        for uid in people:
            attended[uid].append(shift.starts_at)
    for starts in attended.values():
        first, *later = starts  # in start order: the shifts were read that way
        m = months[month_of(stockholm_day(first))]
        m.counts["new_volunteers"] += 1
        if any(first < s <= first + RETURN_WITHIN for s in later):
            m.counts["returned"] += 1
    today = stockholm_today(now)
    out: dict[date, dict[str, int]] = {}
    for month, m in months.items():
        mondays = [
            d
            for d in (month - timedelta(days=3) + timedelta(days=i) for i in range(35))
            if d.weekday() == 0 and week_month(d) == month and d <= today
        ]
        m.counts["weeks"] = len(mondays)
        m.counts["active_person_weeks"] = sum(len(m.active.get(d, ())) for d in mondays)
        out[month] = m.counts
    return out


def _public(month: date, counts: dict[str, int], *, final: bool) -> dict[str, Any]:
    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None

    return {
        "month": month.isoformat()[:7],
        **counts,
        "return_share": share(counts["returned"], counts["new_volunteers"]),
        "no_show_rate": share(counts["no_shows"], counts["signed_up"]),
        "active_per_week": (
            round(counts["active_person_weeks"] / counts["weeks"], 1) if counts["weeks"] else None
        ),
        "final": final,
    }


def retention(*, session: Session, ak: Ak, now: datetime) -> list[dict[str, Any]]:
    """The AK's months, newest first: kept counts where closed, live counts otherwise."""
    assert ak.id is not None
    kept = {
        r.month: {k: getattr(r, k) for k in COUNTERS}
        for r in session.exec(select(ShiftMonth).where(ShiftMonth.ak_id == ak.id)).all()
    }
    live = compute_months(session=session, ak_id=ak.id, now=now)
    rows = [_public(m, c, final=True) for m, c in kept.items()]
    rows += [_public(m, c, final=False) for m, c in live.items() if m not in kept]
    return sorted(rows, key=lambda r: str(r["month"]), reverse=True)


def freeze_closed_months(*, session: Session, now: datetime, signup_days: int) -> int:
    """Keeps the counts of every month that is closed, or whose sign-ups gallring is about to
    delete, before they go; a kept month is never counted again. Returns how many were kept."""
    gallring_before = now - timedelta(days=signup_days) if signup_days > 0 else None
    kept = 0
    for ak_id in session.exec(select(Ak.id)).all():
        assert ak_id is not None
        frozen = set(session.exec(select(col(ShiftMonth.month)).where(ShiftMonth.ak_id == ak_id)))
        doomed: set[date] = set()
        if gallring_before is not None:
            doomed = {
                month_of(stockholm_day(s))
                for s in session.exec(
                    select(Shift.starts_at).where(
                        Shift.ak_id == ak_id, Shift.ends_at < gallring_before
                    )
                )
            }
        due = [
            month
            for month in _months_with_shifts(session, ak_id)
            if month not in frozen
            and (
                month in doomed
                or datetime.combine(next_month(month), datetime.min.time(), now.tzinfo)
                + CLOSED_AFTER
                < now
            )
        ]
        if not due:
            continue
        counts = compute_months(session=session, ak_id=ak_id, now=now)
        for month in due:
            session.add(ShiftMonth(ak_id=ak_id, month=month, **counts.get(month, {})))
            kept += 1
    session.flush()
    return kept


def _months_with_shifts(session: Session, ak_id: int) -> set[date]:
    return {
        month_of(stockholm_day(s))
        for s in session.exec(
            select(Shift.starts_at).where(Shift.ak_id == ak_id, col(Shift.cancelled_at).is_(None))
        )
    }


def inactive(*, session: Session, ak: Ak, now: datetime) -> list[dict[str, Any]]:
    """Volunteers of the AK who signed up to a shift before but have done nothing in 30 days:
    no shift started or coming, no door logged (the per-day rollup). For its organisers."""
    assert ak.id is not None
    since = now - INACTIVE_AFTER
    last_shift = dict(
        session.execute(
            select(ShiftSignup.user_id, func.max(Shift.starts_at))
            .join(Shift, col(Shift.id) == ShiftSignup.shift_id)
            .join(UserAk, (col(UserAk.user_id) == ShiftSignup.user_id) & (UserAk.ak_id == ak.id))
            .where(Shift.ak_id == ak.id, col(ShiftSignup.cancelled_at).is_(None))
            .group_by(col(ShiftSignup.user_id))
        ).all()
    )
    if not last_shift:
        return []
    last_log = dict(
        session.execute(
            select(DoorCountUserDay.user_id, func.max(DoorCountUserDay.day))
            .where(col(DoorCountUserDay.user_id).in_(list(last_shift)))
            .group_by(col(DoorCountUserDay.user_id))
        ).all()
    )
    since_day = stockholm_day(since)
    quiet = [
        uid
        for uid, starts in last_shift.items()
        if _aware(starts) < since and (last_log.get(uid) is None or last_log[uid] < since_day)
    ]
    names = dict(
        session.execute(
            select(User.id, User.name).where(
                col(User.id).in_(quiet),
                col(User.erased_at).is_(None),
                User.disabled == False,  # noqa: E712
            )
        ).all()
    )
    out = []
    for uid in quiet:
        if uid not in names:
            continue
        last = stockholm_day(_aware(last_shift[uid]))
        if (logged := last_log.get(uid)) is not None and logged > last:
            last = logged
        out.append({"user_id": uid, "name": names[uid], "last_out": last.isoformat()})
    return sorted(out, key=lambda r: (r["last_out"], r["name"]), reverse=True)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
