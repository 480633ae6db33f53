"""Tables of knackpass (shifts): the shift, who signed up, and its per-volunteer counts.

A shift's meeting point is a public place in a short text, never a home address. Sign-ups
and check-ins are person-level (gallring deletes them after the retention period); the
counts in shift_count are kept in the same transaction as the logs that carry the shift,
so a summary never scans door_log.
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, StringConstraints
from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from api.core.db import UTCDateTime, utcnow
from api.core.types import MAX_ID, Slug
from api.models.base import STRICT

# A shift without a capacity admits this many; no shift admits more than MAX_CAPACITY.
DEFAULT_CAPACITY = 30
MAX_CAPACITY = 100


class Shift(SQLModel, table=True):
    __tablename__ = "shift"
    __table_args__ = (Index("ix_shift_ak_starts", "ak_id", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ak_id: int = Field(foreign_key="ak.id")
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    meeting_point: str = Field(max_length=120)
    # Comma-separated district ids (a few per shift; read with the shift, never joined on).
    district_ids: str = Field(max_length=400)
    capacity: int = DEFAULT_CAPACITY
    leader_id: int | None = Field(default=None, foreign_key="user_account.id")
    note: str | None = Field(default=None, max_length=200)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The sign-up link's code is derived from the server secret and this salt; only its
    # digest is stored (looked up on redeem), so the link can be shown again, never read back.
    signup_salt: str = Field(max_length=64)
    signup_hash: str = Field(max_length=64, unique=True, index=True)
    # Live sign-ups (kept with conditional UPDATEs: capacity holds under races) and the
    # newcomers the link ever admitted (never given back: the link cannot mint without end).
    signed_up: int = 0
    newcomers: int = 0


class ShiftSignup(SQLModel, table=True):
    __tablename__ = "shift_signup"
    shift_id: int = Field(foreign_key="shift.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, index=True)
    signed_up_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    newcomer: bool = False
    checked_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ShiftCount(SQLModel, table=True):
    """Door counts of the logs that carry a shift, per shift and volunteer (a rollup)."""

    __tablename__ = "shift_count"
    shift_id: int = Field(foreign_key="shift.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    doors: int = 0
    conversation: int = 0
    new_member: int = 0


# --- Request and answer bodies ----------------------------------------------------------

# A public place in a short text ("Ale torg, vid biblioteket"): never a home address.
MeetingPoint = Annotated[
    str, StringConstraints(min_length=2, max_length=120, pattern=r"^[^\x00-\x1f\x7f<>]+$")
]
Note = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f<>]*$")]


class ShiftCreate(SQLModel):
    model_config = STRICT
    ak: Slug
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    meeting_point: MeetingPoint
    district_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(max_length=20)
    capacity: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)
    leader_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    note: Note | None = None


class ShiftUpdate(SQLModel):
    """A shift moved or edited: only the fields sent change; the same rules as create."""

    model_config = STRICT
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    meeting_point: MeetingPoint | None = None
    district_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, max_length=20
    )
    capacity: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)
    # null takes the leader away; left out keeps the leader.
    leader_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    note: Note | None = None


class ShiftMonth(SQLModel, table=True):
    """Knackpass retention per AK and month, kept as counts once the month is closed.

    Written before the month's person-level sign-ups can be gallrade (api/ops/retention.py),
    so the figures outlive the rows they were counted from. `month` is the first day of the
    Stockholm month the shifts started in.
    """

    __tablename__ = "shift_month"
    ak_id: int = Field(foreign_key="ak.id", primary_key=True)
    month: date = Field(primary_key=True)
    shifts: int = 0
    signed_up: int = 0
    came: int = 0
    no_shows: int = 0
    new_volunteers: int = 0
    # Of the month's new volunteers: how many came to a second shift within 30 days.
    returned: int = 0
    # Distinct volunteers who came, summed over the month's weeks (a week's Thursday in the
    # month), and the number of those weeks.
    active_person_weeks: int = 0
    weeks: int = 0


class CheckInCreate(SQLModel):
    model_config = STRICT
    user_id: int = Field(ge=1, le=MAX_ID)


class ShiftPublic(SQLModel):
    id: int
    ak: str
    starts_at: datetime
    ends_at: datetime
    meeting_point: str
    district_ids: list[int]
    capacity: int
    signed_up: int
    leader_id: int | None
    note: str | None
    cancelled: bool
    signup_code: str
    signup_url: str
    # Only for who may see names (the AK's organisers, the shift's leader, staff).
    signups: list[dict[str, Any]] | None = None
    me_signed_up: bool = False
    # The sign-up link as a QR code (SVG), on a single shift for who sees names.
    qr_svg: str | None = None


class ShiftLinkPublic(SQLModel):
    """What a sign-up link shows before anyone signs in: no names, nothing about people."""

    id: int
    ak: str
    ak_name: str
    starts_at: datetime
    ends_at: datetime
    meeting_point: str
    capacity: int
    signed_up: int
    full: bool
    cancelled: bool
    over: bool
