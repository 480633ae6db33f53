"""The rules of knackpass, in one place: capacity, the sign-up code, and when a log can
belong to a shift (docs/PRODUCT.md, "Knackpass" and "Counting rules")."""

import hmac
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from api.core.sql import dialect_of, execute
from api.models.accounts import Role
from api.models.shifts import DEFAULT_CAPACITY, MAX_CAPACITY

# A log more than this outside its shift's time cannot belong to it.
SHIFT_SLACK = timedelta(hours=2)

# The warning codes of a dropped shift reference. Another AK's shift and one that does not
# exist answer the same, so the code tells nothing about other AKs.
UNKNOWN_SHIFT = "unknown_shift"
OUTSIDE_SHIFT = "outside_shift"


def capacity_of(requested: int | None) -> int:
    """A shift without a capacity admits DEFAULT_CAPACITY; none admits more than MAX."""
    return min(requested or DEFAULT_CAPACITY, MAX_CAPACITY)


def signup_code(*, shift_id: int, salt: str, secret_key: str) -> str:
    """The sign-up link's code: derived, so it can be shown again without being stored."""
    mac = hmac.new(secret_key.encode(), f"shift-signup:{shift_id}:{salt}".encode(), "sha256")
    return mac.hexdigest()[:40]


def parse_district_ids(joined: str) -> list[int]:
    return [int(d) for d in joined.split(",") if d]


@dataclass(frozen=True, slots=True)
class ShiftFacts:
    """What ingest needs of a shift to decide whether a log can belong to it."""

    id: int
    ak: str
    starts_at: datetime
    ends_at: datetime
    district_ids: frozenset[int]
    cancelled: bool


def shift_facts(*, session: Session, shift_ids: Sequence[int]) -> dict[int, ShiftFacts]:
    """The given shifts (unknown ids left out), read straight from the driver: on the sync path."""
    if not shift_ids:
        return {}
    mark = "%s" if dialect_of(session) == "postgresql" else "?"
    sql = (
        "SELECT shift.id, ak.slug, shift.starts_at, shift.ends_at, shift.district_ids, "
        "shift.cancelled_at FROM shift JOIN ak ON shift.ak_id = ak.id "
        f"WHERE shift.id IN ({', '.join([mark] * len(shift_ids))})"
    )
    out = {}
    for sid, slug, starts, ends, districts, cancelled in execute(
        session, sql, list(shift_ids), fetch=True
    ):
        out[sid] = ShiftFacts(
            id=sid,
            ak=slug,
            starts_at=_aware(starts),
            ends_at=_aware(ends),
            district_ids=frozenset(parse_district_ids(districts)),
            cancelled=cancelled is not None,
        )
    return out


def signed_up_shifts(*, session: Session, user_id: int, shift_ids: Sequence[int]) -> set[int]:
    """Which of the shifts the user is signed up to (a volunteer may join another AK's)."""
    if not shift_ids:
        return set()
    mark = "%s" if dialect_of(session) == "postgresql" else "?"
    sql = (
        f"SELECT shift_id FROM shift_signup WHERE user_id = {mark} AND cancelled_at IS NULL "
        f"AND shift_id IN ({', '.join([mark] * len(shift_ids))})"
    )
    return {r[0] for r in execute(session, sql, [user_id, *shift_ids], fetch=True)}


def _aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # SQLite through the raw driver: 'YYYY-MM-DD HH:MM:SS.ffffff'
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def log_fits_shift(
    *,
    shift: ShiftFacts | None,
    role: str,
    aks: Collection[str],
    signed_up: bool,
    district_id: int,
    occurred_at: datetime,
) -> str | None:
    """None when the log can belong to the shift, else the warning code it is stored with."""
    if shift is None or not (role == Role.staff or shift.ak in aks or signed_up):
        return UNKNOWN_SHIFT
    if shift.cancelled or district_id not in shift.district_ids:
        return OUTSIDE_SHIFT
    if not shift.starts_at - SHIFT_SLACK <= occurred_at <= shift.ends_at + SHIFT_SLACK:
        return OUTSIDE_SHIFT
    return None
