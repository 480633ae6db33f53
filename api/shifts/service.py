"""Knackpass: create, list, cancel, sign up (members and newcomers), check in, summary.

Capacity and the newcomer cap hold under races: each is one conditional UPDATE on the
shift's counters, in the transaction that adds the sign-up.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from api.accounts.access import organises
from api.core.db import utcnow
from api.core.errors import BadRequest, Conflict, Forbidden, Gone, not_found
from api.core.security import token_digest
from api.models.accounts import Role, User, UserAk
from api.models.door_logs import Tally
from api.models.plan import Ak, District
from api.models.shifts import MAX_CAPACITY, Shift, ShiftCount, ShiftSignup
from api.push.reminders import notify_shift_changed
from api.shifts.rules import capacity_of, parse_district_ids, signup_code


@dataclass(frozen=True)
class Viewer:
    """Who looks at a shift: enough to apply who-sees-whom."""

    user_id: int
    role: str
    aks: list[str]


def _ak_slug(session: Session, ak_id: int) -> str:
    ak = session.get(Ak, ak_id)
    assert ak is not None
    return ak.slug


def _checked(
    *,
    session: Session,
    ak_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    district_ids: list[int],
    capacity: int | None,
    leader_id: int | None,
) -> list[int]:
    """The rules a shift's fields keep, on create and on every edit; its districts, sorted."""
    if ends_at <= starts_at:
        raise BadRequest("invalid_shift_time", "Passet måste sluta efter att det börjar.")
    if ends_at - starts_at > timedelta(hours=24):
        raise BadRequest("invalid_shift_time", "Ett pass är högst ett dygn.")
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise BadRequest("invalid_capacity", f"Ett pass tar 1–{MAX_CAPACITY} personer.")
    wanted = sorted(set(district_ids))
    if not wanted:
        raise BadRequest("unknown_district", "Välj minst ett valdistrikt.")
    found = session.exec(
        select(District.id).where(col(District.id).in_(wanted), District.ak_id == ak_id)
    ).all()
    if len(found) != len(wanted):
        raise BadRequest("unknown_district", "Valdistrikten måste höra till arbetskretsen.")
    if leader_id is not None:
        leader = session.exec(
            select(User.id)
            .join(UserAk, col(UserAk.user_id) == User.id)
            .where(
                User.id == leader_id,
                UserAk.ak_id == ak_id,
                col(User.role).in_([Role.volunteer, Role.organiser]),
            )
        ).first()
        if leader is None:
            raise BadRequest("unknown_leader", "Passledaren måste vara med i arbetskretsen.")
    return wanted


def create_shift(
    *,
    session: Session,
    ak: Ak,
    created_by: int | None,
    starts_at: datetime,
    ends_at: datetime,
    meeting_point: str,
    district_ids: list[int],
    capacity: int | None,
    leader_id: int | None,
    note: str | None,
    secret_key: str,
) -> Shift:
    wanted = _checked(
        session=session,
        ak_id=ak.id,
        starts_at=starts_at,
        ends_at=ends_at,
        district_ids=district_ids,
        capacity=capacity,
        leader_id=leader_id,
    )
    assert ak.id is not None
    salt = secrets.token_hex(16)
    shift = Shift(
        ak_id=ak.id,
        starts_at=starts_at,
        ends_at=ends_at,
        meeting_point=meeting_point,
        district_ids=",".join(str(d) for d in wanted),
        capacity=capacity_of(capacity),
        leader_id=leader_id,
        note=note,
        created_by=created_by,
        signup_salt=salt,
        signup_hash=secrets.token_hex(32),  # replaced below, once the id is known
    )
    session.add(shift)
    session.flush()
    assert shift.id is not None
    shift.signup_hash = token_digest(
        signup_code(shift_id=shift.id, salt=salt, secret_key=secret_key), secret_key
    )
    session.add(shift)
    session.flush()
    return shift


# Fields an edit may change; a leader or note sent as null is taken away.
EDITABLE = (
    "starts_at",
    "ends_at",
    "meeting_point",
    "district_ids",
    "capacity",
    "leader_id",
    "note",
)


def update_shift(*, session: Session, shift: Shift, changes: dict[str, Any]) -> list[str]:
    """Moves or edits the shift under the same rules as create; the names of what changed.

    Capacity is never set below who already signed up (409 capacity_below_signups): nobody
    loses a place they were given.
    """
    if shift.cancelled_at is not None:
        raise Gone("shift_cancelled", "Passet är inställt.")
    merged: dict[str, Any] = {
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "meeting_point": shift.meeting_point,
        "district_ids": parse_district_ids(shift.district_ids),
        "capacity": shift.capacity,
        "leader_id": shift.leader_id,
        "note": shift.note,
    }
    merged.update({k: v for k, v in changes.items() if k in EDITABLE})
    if merged["capacity"] is None:
        merged["capacity"] = capacity_of(None)
    wanted = _checked(
        session=session,
        ak_id=shift.ak_id,
        starts_at=merged["starts_at"],
        ends_at=merged["ends_at"],
        district_ids=merged["district_ids"],
        capacity=merged["capacity"],
        leader_id=merged["leader_id"],
    )
    if merged["capacity"] < shift.signed_up:
        raise Conflict(
            "capacity_below_signups",
            f"{shift.signed_up} har redan anmält sig: platserna kan inte bli färre än så.",
        )
    stored = {
        **merged,
        "district_ids": ",".join(str(d) for d in wanted),
        "meeting_point": merged["meeting_point"].strip(),
    }
    changed = [k for k in EDITABLE if getattr(shift, k) != stored[k]]
    if changed:
        # The capacity check again in SQL: a sign-up racing this edit cannot slip past it.
        t = Shift.__table__  # type: ignore[attr-defined]
        kept = session.execute(
            update(t)
            .where(t.c.id == shift.id, t.c.signed_up <= stored["capacity"])
            .values({k: stored[k] for k in changed})
        ).rowcount  # type: ignore[attr-defined]
        if kept != 1:
            raise Conflict("capacity_below_signups", "Fler har anmält sig än platserna du valde.")
        session.refresh(shift)
        if "starts_at" in changed or "ends_at" in changed:
            # In the edit's transaction: those signed up hear of the new time, and the
            # reminders follow it.
            assert shift.id is not None
            notify_shift_changed(session=session, shift_id=shift.id, kind="moved", now=utcnow())
    return changed


def may_see(shift: Shift, slug: str, viewer: Viewer, signed_up: bool) -> bool:
    return (
        viewer.role == Role.staff
        or slug in viewer.aks
        or shift.leader_id == viewer.user_id
        or signed_up
    )


def sees_names(shift: Shift, slug: str, viewer: Viewer) -> bool:
    """Names of who signed up: the AK's organisers, the shift's leader and staff."""
    return (
        organises(role=viewer.role, aks=viewer.aks, ak_slug=slug)
        or shift.leader_id == viewer.user_id
    )


def is_signed_up(session: Session, shift_id: int, user_id: int) -> bool:
    row = session.get(ShiftSignup, (shift_id, user_id))
    return row is not None and row.cancelled_at is None


def visible_shift(*, session: Session, shift_id: int, viewer: Viewer) -> tuple[Shift, str]:
    """The shift if the viewer may see it; another AK's answers 404, as if it did not exist."""
    shift = session.get(Shift, shift_id)
    if shift is not None:
        slug = _ak_slug(session, shift.ak_id)
        if may_see(shift, slug, viewer, is_signed_up(session, shift_id, viewer.user_id)):
            return shift, slug
    raise not_found("shift_not_found", "Passet finns inte.")


def managed_shift(*, session: Session, shift_id: int, viewer: Viewer) -> tuple[Shift, str]:
    shift, slug = visible_shift(session=session, shift_id=shift_id, viewer=viewer)
    if not organises(role=viewer.role, aks=viewer.aks, ak_slug=slug):
        raise Forbidden("forbidden", "Bara arbetskretsens organisatörer kan ändra passet.")
    return shift, slug


def list_shifts(*, session: Session, ak: Ak) -> list[Shift]:
    query = select(Shift).where(Shift.ak_id == ak.id).order_by(col(Shift.starts_at).desc())
    return list(session.exec(query).all())


def my_shifts(*, session: Session, user_id: int) -> list[Shift]:
    query = (
        select(Shift)
        .join(ShiftSignup, col(ShiftSignup.shift_id) == Shift.id)
        .where(ShiftSignup.user_id == user_id, col(ShiftSignup.cancelled_at).is_(None))
        .order_by(col(Shift.starts_at))
    )
    led = select(Shift).where(Shift.leader_id == user_id)
    found = {s.id: s for s in session.exec(query).all()}
    found.update({s.id: s for s in session.exec(led).all()})
    return sorted(found.values(), key=lambda s: s.starts_at)


def cancel_shift(*, session: Session, shift: Shift, now: datetime) -> None:
    if shift.cancelled_at is None:
        shift.cancelled_at = now
        session.add(shift)
        assert shift.id is not None
        # Who signed up and subscribed is told, in this transaction (api/push/reminders.py).
        notify_shift_changed(session=session, shift_id=shift.id, kind="cancelled", now=now)


def sign_up(
    *, session: Session, shift: Shift, user_id: int, now: datetime, newcomer: bool = False
) -> bool:
    """Sign the user up once; True when this call added the sign-up. Full: 409 shift_full."""
    if shift.cancelled_at is not None:
        raise Gone("shift_cancelled", "Passet är inställt.")
    if shift.ends_at <= now:
        raise Gone("shift_over", "Passet är redan slut.")
    s = ShiftSignup.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    # RETURNING, not rowcount: psycopg reports no count for an ON CONFLICT insert here.
    inserted = session.execute(
        upsert(s)
        .values(shift_id=shift.id, user_id=user_id, signed_up_at=now, newcomer=newcomer)
        .on_conflict_do_nothing()
        .returning(s.c.user_id)
    ).first()
    if inserted is None:  # already there: back from a cancellation, or nothing to do (idempotent)
        added = session.execute(
            update(s)
            .where(s.c.shift_id == shift.id, s.c.user_id == user_id, s.c.cancelled_at.is_not(None))
            .values(cancelled_at=None, signed_up_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if added != 1:
            return False
    t = Shift.__table__  # type: ignore[attr-defined]
    # One conditional UPDATE: two phones taking the last place cannot both get it.
    taken = session.execute(
        update(t)
        .where(t.c.id == shift.id, t.c.signed_up < t.c.capacity, t.c.cancelled_at.is_(None))
        .values(signed_up=t.c.signed_up + 1)
    ).rowcount  # type: ignore[attr-defined]
    if taken != 1:
        raise Conflict("shift_full", "Passet är fullt.")
    session.refresh(shift)
    return True


def cancel_signup(*, session: Session, shift: Shift, user_id: int, now: datetime) -> bool:
    s = ShiftSignup.__table__  # type: ignore[attr-defined]
    left = session.execute(
        update(s)
        .where(s.c.shift_id == shift.id, s.c.user_id == user_id, s.c.cancelled_at.is_(None))
        .values(cancelled_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if left == 1:
        t = Shift.__table__  # type: ignore[attr-defined]
        session.execute(update(t).where(t.c.id == shift.id).values(signed_up=t.c.signed_up - 1))
        session.refresh(shift)
    return bool(left == 1)


def find_by_code(*, session: Session, code: str, secret_key: str) -> Shift | None:
    digest = token_digest(code, secret_key)
    return session.exec(select(Shift).where(Shift.signup_hash == digest)).first()


def join_and_sign_up(*, session: Session, shift: Shift, name: str, now: datetime) -> User:
    """A newcomer from the sign-up link: a volunteer of the AK, signed up, in one transaction.

    The link admits at most `capacity` newcomers over its life; a cancelled newcomer's place
    is not given back to the link.
    """
    if shift.cancelled_at is not None:
        raise Gone("shift_cancelled", "Passet är inställt.")
    if shift.ends_at <= now:
        raise Gone("invite_expired", "Passet är redan slut.")
    t = Shift.__table__  # type: ignore[attr-defined]
    taken = session.execute(
        update(t)
        .where(t.c.id == shift.id, t.c.newcomers < t.c.capacity)
        .values(newcomers=t.c.newcomers + 1)
    ).rowcount  # type: ignore[attr-defined]
    if taken != 1:
        raise Conflict("shift_full", "Passet är fullt.")
    user = User(name=name, role=Role.volunteer)
    session.add(user)
    session.flush()
    assert user.id is not None
    session.add(UserAk(user_id=user.id, ak_id=shift.ak_id))
    session.flush()
    sign_up(session=session, shift=shift, user_id=user.id, now=now, newcomer=True)
    return user


def signups(*, session: Session, shift_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ShiftSignup, User.name)
        .join(User, col(User.id) == ShiftSignup.user_id)
        .where(ShiftSignup.shift_id == shift_id, col(ShiftSignup.cancelled_at).is_(None))
        .order_by(col(ShiftSignup.signed_up_at))
    ).all()
    return [
        {
            "user_id": s.user_id,
            "name": name,
            "newcomer": s.newcomer,
            "checked_in": s.checked_in_at is not None,
        }
        for s, name in rows
    ]


def check_in(*, session: Session, shift: Shift, user_id: int, now: datetime) -> bool:
    """Mark a signed-up volunteer as came; again changes nothing (exactly once)."""
    s = ShiftSignup.__table__  # type: ignore[attr-defined]
    done = session.execute(
        update(s)
        .where(
            s.c.shift_id == shift.id,
            s.c.user_id == user_id,
            s.c.cancelled_at.is_(None),
            s.c.checked_in_at.is_(None),
        )
        .values(checked_in_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if done != 1 and not is_signed_up(session, shift.id or 0, user_id):
        raise not_found("signup_not_found", "Personen är inte anmäld till passet.")
    return bool(done == 1)


def came_to(session: Session, shift_ids: list[int]) -> dict[int, set[int]]:
    """Who came to each shift: checked in, or a log of theirs carries the shift."""
    came: dict[int, set[int]] = {sid: set() for sid in shift_ids}
    if not shift_ids:
        return came
    for sid, uid in session.execute(
        select(ShiftSignup.shift_id, ShiftSignup.user_id).where(
            col(ShiftSignup.shift_id).in_(shift_ids), col(ShiftSignup.checked_in_at).is_not(None)
        )
    ):
        came[sid].add(uid)
    for sid, uid in session.execute(
        select(ShiftCount.shift_id, ShiftCount.user_id).where(
            col(ShiftCount.shift_id).in_(shift_ids), ShiftCount.doors > 0
        )
    ):
        came[sid].add(uid)
    return came


def summary(*, session: Session, shift: Shift, viewer_id: int | None = None) -> dict[str, Any]:
    """The shift's figures from its rollup and sign-ups, never from door_log."""
    assert shift.id is not None
    came = came_to(session, [shift.id])[shift.id]
    c = ShiftCount
    doors, conversations, members = session.execute(
        select(
            func.coalesce(func.sum(c.doors), 0),
            func.coalesce(func.sum(c.conversation), 0),
            func.coalesce(func.sum(c.new_member), 0),
        ).where(c.shift_id == shift.id)
    ).one()
    # Paper tallies filled in on the shift count with it (they name no volunteer).
    t = Tally
    p_doors, p_conversations, p_members = session.execute(
        select(
            func.coalesce(func.sum(t.conversation + t.not_home + t.declined + t.no_access), 0),
            func.coalesce(func.sum(t.conversation), 0),
            func.coalesce(func.sum(t.new_members), 0),
        ).where(t.shift_id == shift.id, col(t.voided_at).is_(None))
    ).one()
    paper = {
        "doors": int(p_doors),
        "conversations": int(p_conversations),
        "members": int(p_members),
    }
    doors = int(doors) + paper["doors"]
    conversations = int(conversations) + paper["conversations"]
    members = int(members) + paper["members"]
    # A first-timer came to this shift and to no shift that started before it.
    earlier = [
        sid
        for (sid,) in session.execute(
            select(Shift.id).where(Shift.starts_at < shift.starts_at, Shift.ak_id == shift.ak_id)
        )
    ]
    came_before: set[int] = set()
    if came and earlier:
        for people in came_to(session, earlier).values():
            came_before |= people
    hours = (shift.ends_at - shift.starts_at).total_seconds() / 3600
    out: dict[str, Any] = {
        "shift_id": shift.id,
        "signed_up": shift.signed_up,
        "came": len(came),
        "first_timers": len(came - came_before),
        "doors": int(doors),
        "conversations": int(conversations),
        "members": int(members),
        "contact_rate": round(int(conversations) / int(doors), 3) if doors else None,
        "doors_per_hour": round(int(doors) / hours, 1) if hours > 0 else None,
        "paper": paper,
    }
    if viewer_id is not None:
        mine = session.get(ShiftCount, (shift.id, viewer_id))
        out["mine"] = {
            "doors": mine.doors if mine else 0,
            "conversations": mine.conversation if mine else 0,
            "members": mine.new_member if mine else 0,
        }
    return out


def no_shows(*, session: Session, shift: Shift) -> list[dict[str, Any]]:
    assert shift.id is not None
    came = came_to(session, [shift.id])[shift.id]
    return [s for s in signups(session=session, shift_id=shift.id) if s["user_id"] not in came]


def shift_district_ids(shift: Shift) -> list[int]:
    return parse_district_ids(shift.district_ids)


def link_view(*, session: Session, shift: Shift, now: datetime) -> dict[str, Any]:
    """What the sign-up link's page shows before anyone signs in: time, place, places left."""
    ak = session.get(Ak, shift.ak_id)
    assert ak is not None
    return {
        "id": shift.id,
        "ak": ak.slug,
        "ak_name": ak.name,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "meeting_point": shift.meeting_point,
        "capacity": shift.capacity,
        "signed_up": shift.signed_up,
        "full": shift.signed_up >= shift.capacity,
        "cancelled": shift.cancelled_at is not None,
        "over": shift.ends_at <= now,
    }
