"""Tables for door logs, their rollups, topics, assignments, paper tallies and the register.

A door log records that a door was knocked, where and about what: never who answered.
The rollups are kept in the same transaction as the logs, so totals never scan door_log.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime
from sqlalchemy import Column, Index, false, text
from sqlmodel import Field, SQLModel

from api.core.db import UTCDateTime, utcnow
from api.core.types import MAX_ID
from api.models.base import STRICT


class Outcome(StrEnum):
    conversation = "conversation"
    not_home = "not_home"
    declined = "declined"
    no_access = "no_access"


class Source(StrEnum):
    app = "app"
    paper = "paper"


# --- Door log ---------------------------------------------------------------------------


class DoorLog(SQLModel, table=True):
    __tablename__ = "door_log"
    __table_args__ = (
        Index("ix_door_log_skew", "clock_skew", "district_id"),
        # A volunteer's last acknowledged log, for /api/me (api/door_logs/ingest.py).
        Index("ix_door_log_user_received", "user_id", "received_at"),
    )
    # The client's UUID: unique in the database, so a resend can never make a second row.
    id: uuid.UUID = Field(primary_key=True)
    district_id: int = Field(foreign_key="district.id")
    user_id: int = Field(foreign_key="user_account.id")
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The Stockholm day the log counts on: of occurred_at, or of received_at when skewed.
    counted_on: date
    clock_skew: bool = False
    outcome: str = Field(max_length=16)
    new_member: bool = False
    left_material: bool = False
    source: str = Field(default=Source.app, max_length=8)
    tally_id: int | None = Field(default=None, foreign_key="tally.id", index=True)
    # The campaign the log was made in (a bad reference is dropped at ingest, never stored).
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    # The shift the log was made in, once checked (api/shifts/rules.py). No foreign key: the
    # hot insert should not look each row's shift up again, and shifts are never deleted.
    shift_id: int | None = None
    voided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    voided_by: int | None = Field(default=None, foreign_key="user_account.id")
    # Set by gallring 30 days after received_at: its times are then coarsened to the hour and
    # its opinions live only in counts (docs/PRODUCT.md, "Counting rules").
    final: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class DoorLogOpinion(SQLModel, table=True):
    """What a resident said (a topic; later a campaign answer), kept apart from the log row.

    Linked only by the log's id, so resends, conflicts and voids stay exact until the log is
    final; then gallring deletes the row and only the counts remain (api/door_logs/opinions.py).
    """

    __tablename__ = "door_log_opinion"
    log_id: uuid.UUID = Field(foreign_key="door_log.id", primary_key=True)
    kind: str = Field(max_length=16, primary_key=True)
    value: str = Field(max_length=40, primary_key=True)


class VoidPublic(SQLModel):
    id: uuid.UUID
    voided_at: datetime


class BulkVoidIn(SQLModel):
    """A volunteer's app logs whose phone time lies in [starts_at, ends_at)."""

    model_config = STRICT
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class BulkVoidPublic(SQLModel):
    voided: int


class SkewedLogPublic(SQLModel):
    id: uuid.UUID
    district_id: int
    user_id: int
    occurred_at: datetime
    received_at: datetime
    counted_on: date
    outcome: str
    voided: bool


# --- Rollups: counts per outcome, kept in the logs' transaction -------------------------


class OutcomeCounts(SQLModel):
    """The counters every door rollup keeps: one per outcome, plus sign-ups and material."""

    conversation: int = 0
    not_home: int = 0
    declined: int = 0
    no_access: int = 0
    new_member: int = 0
    left_material: int = 0


class DoorCountDay(OutcomeCounts, table=True):
    """Per district and Stockholm day: the base of every view."""

    __tablename__ = "door_count_day"
    district_id: int = Field(foreign_key="district.id", primary_key=True)
    day: date = Field(primary_key=True)


class DoorCountYear(OutcomeCounts, table=True):
    """Per district and year: /api/totals reads at most one row per district."""

    __tablename__ = "door_count_year"
    district_id: int = Field(foreign_key="district.id", primary_key=True)
    year: int = Field(primary_key=True)


class DoorCountUserDay(OutcomeCounts, table=True):
    """Per district, day and volunteer (app logs only; paper tallies have no volunteer)."""

    __tablename__ = "door_count_user_day"
    # A volunteer's days wherever they knocked, for their own AK's data-quality review.
    __table_args__ = (Index("ix_door_count_user_day_user", "user_id", "day"),)
    district_id: int = Field(foreign_key="district.id", primary_key=True)
    day: date = Field(primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)


class TopicCountDay(SQLModel, table=True):
    """Per district, day and topic: how many logs raised the topic."""

    __tablename__ = "topic_count_day"
    district_id: int = Field(foreign_key="district.id", primary_key=True)
    day: date = Field(primary_key=True)
    topic: str = Field(max_length=40, primary_key=True)
    n: int = 0


class DoorRateMinute(SQLModel, table=True):
    """App logs per volunteer and minute of the phone's clock: the plausibility rate rule's
    counts (api/door_logs/plausibility.py). Not a total: voids do not take logs away. Its
    partial index names the minutes of a burst over several districts (api/quality)."""

    __tablename__ = "door_rate_minute"
    __table_args__ = (
        # The literal is plausibility.BURST_DOORS_PER_MINUTE (tests/quality checks they agree).
        Index(
            "ix_door_rate_minute_burst",
            "minute",
            sqlite_where=text("n >= 6"),
            postgresql_where=text("n >= 6"),
        ),
    )
    user_id: int = Field(primary_key=True)
    minute: int = Field(primary_key=True)  # minutes since the epoch, UTC
    n: int = 0


class QualityMinute(SQLModel, table=True):
    """App logs per volunteer, district and minute, for the data-quality flags (api/quality):
    `n` counts logs at the minute of the phone's clock, `skewed` the logs whose clock ran
    ahead, at the minute the server got them. A total: voids take logs away. The partial
    indexes hold only the minutes a flag rests on, so the review reads no other row."""

    __tablename__ = "quality_minute"
    __table_args__ = (
        # The literals are plausibility.BURST_DOORS_PER_MINUTE (tests/quality checks they agree).
        Index(
            "ix_quality_minute_burst",
            "minute",
            sqlite_where=text("n >= 6"),
            postgresql_where=text("n >= 6"),
        ),
        Index(
            "ix_quality_minute_skewed",
            "minute",
            sqlite_where=text("skewed > 0"),
            postgresql_where=text("skewed > 0"),
        ),
    )
    user_id: int = Field(primary_key=True)
    district_id: int = Field(primary_key=True)
    minute: int = Field(primary_key=True)  # minutes since the epoch, UTC
    n: int = 0
    skewed: int = 0


class QualityDay(SQLModel, table=True):
    """App logs per volunteer and Stockholm day (all districts): the contact-rate flag's
    counts (api/quality). A total: voids take logs away. The partial index holds only the
    volunteer-days the flag rests on."""

    __tablename__ = "quality_day"
    __table_args__ = (
        # The literal is plausibility.CONTACT_RATE_WHERE (tests/quality checks they agree).
        Index(
            "ix_quality_day_contact",
            "day",
            sqlite_where=text("doors >= 30 AND conversation * 100 >= 90 * doors"),
            postgresql_where=text("doors >= 30 AND conversation * 100 >= 90 * doors"),
        ),
    )
    user_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    doors: int = 0
    conversation: int = 0


class QualityResolution(SQLModel, table=True):
    """A person's decision on a data-quality flag: kept ("stämmer") or its logs voided."""

    __tablename__ = "quality_resolution"
    id: int | None = Field(default=None, primary_key=True)
    flag_key: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=16)
    decision: str = Field(max_length=8)  # "keep" or "void"
    subject_user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    decided_by: int = Field(foreign_key="user_account.id")
    ak: str = Field(max_length=40)
    voided: int = 0  # how many logs the decision voided
    decided_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


# --- Assignments ------------------------------------------------------------------------


class Assignment(SQLModel, table=True):
    __tablename__ = "assignment"
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    starts_on: date | None = None
    ends_on: date | None = None
    created_by: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class AssignmentCreate(SQLModel):
    model_config = STRICT
    district_id: int = Field(ge=1, le=MAX_ID)
    user_id: int = Field(ge=1, le=MAX_ID)
    starts_on: date | None = None
    ends_on: date | None = None


# --- Paper tallies ----------------------------------------------------------------------


class Tally(SQLModel, table=True):
    __tablename__ = "tally"
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    day: date
    conversation: int = 0
    not_home: int = 0
    declined: int = 0
    no_access: int = 0
    new_members: int = 0
    left_material: int = 0
    created_by: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    voided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    voided_by: int | None = Field(default=None, foreign_key="user_account.id")
    # The shift the paper was filled in on (same AK); counted in the shift's summary.
    shift_id: int | None = Field(default=None, foreign_key="shift.id", index=True)


MAX_TALLY_DOORS = 5000


class TallyCreate(SQLModel):
    model_config = STRICT
    district_id: int = Field(ge=1, le=MAX_ID)
    date: date
    conversation: int = Field(default=0, ge=0, le=MAX_TALLY_DOORS)
    not_home: int = Field(default=0, ge=0, le=MAX_TALLY_DOORS)
    declined: int = Field(default=0, ge=0, le=MAX_TALLY_DOORS)
    no_access: int = Field(default=0, ge=0, le=MAX_TALLY_DOORS)
    new_members: int = Field(default=0, ge=0, le=MAX_TALLY_DOORS)
    left_material: int = Field(default=0, ge=0, le=MAX_TALLY_DOORS)
    shift_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class TallyPublic(SQLModel):
    id: int
    district_id: int
    date: date
    conversation: int
    not_home: int
    declined: int
    no_access: int
    new_members: int
    left_material: int
    created_by: int
    created_at: datetime
    voided_at: datetime | None
    shift_id: int | None = None
