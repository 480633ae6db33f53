"""Tables for campaigns (with their samtalsstöd and question) and for logs of other channels.

A campaign's answers and topics are opinions: they are counted per campaign, district, week and
option (campaign_opinion_week) and, until a log is final, kept apart from the log in
door_log_opinion (api/door_logs/opinions.py). No table here holds an answer beside a volunteer,
an exact time or the new-member flag.

A workplace or stall conversation (channel_log) names an AK, never a valdistrikt, a place or an
employer, and carries no topics and no answer.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlalchemy import Column, false
from sqlmodel import Field, SQLModel

from api.core.db import UTCDateTime, utcnow
from api.core.types import MAX_ID, Label, Slug
from api.models.base import STRICT

GUIDE_MAX = 2000
MIN_OPTIONS = 2
MAX_OPTIONS = 6


class Channel(StrEnum):
    door = "door"
    workplace = "workplace"
    stall = "stall"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    starts_on: date
    ends_on: date
    # True: every AK (also ones added later); False: the AKs in campaign_ak.
    all_aks: bool = True
    goal: int | None = None
    guide: str = Field(default="", max_length=GUIDE_MAX)
    question: str | None = Field(default=None, max_length=200)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CampaignAk(SQLModel, table=True):
    __tablename__ = "campaign_ak"
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", primary_key=True)


class CampaignTopic(SQLModel, table=True):
    """A topic (from the staff list) the campaign offers in the quick step."""

    __tablename__ = "campaign_topic"
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    topic: str = Field(foreign_key="topic.slug", primary_key=True, max_length=40)
    position: int = 0


class CampaignOption(SQLModel, table=True):
    """One fixed answer option of the campaign's question; an answer is its index."""

    __tablename__ = "campaign_option"
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    position: int = Field(primary_key=True)
    label: str = Field(max_length=80)


# --- Logs of other channels -------------------------------------------------------------


class ChannelLog(SQLModel, table=True):
    """A conversation at a workplace or a stall: an AK, never a district, place or employer."""

    __tablename__ = "channel_log"
    id: uuid.UUID = Field(primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", index=True)
    channel: str = Field(max_length=16)
    user_id: int = Field(foreign_key="user_account.id")
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    counted_on: date
    clock_skew: bool = False
    outcome: str = Field(max_length=16)
    new_member: bool = False
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    source: str = Field(default="app", max_length=8)
    voided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    voided_by: int | None = Field(default=None, foreign_key="user_account.id")
    final: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # A paper tally's rows (source 'paper') name it, so voiding the tally voids them.
    tally_id: int | None = Field(default=None, foreign_key="channel_tally.id", index=True)


class ChannelTally(SQLModel, table=True):
    """An organiser's paper counts for a workplace visit or a stall: an AK and a date, never a
    place or an employer; each counted conversation becomes a channel_log row."""

    __tablename__ = "channel_tally"
    id: int | None = Field(default=None, primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", index=True)
    channel: str = Field(max_length=16)
    day: date
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    conversation: int = 0
    declined: int = 0
    new_members: int = 0
    created_by: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    voided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    voided_by: int | None = Field(default=None, foreign_key="user_account.id")


class ChannelCountDay(SQLModel, table=True):
    """Per AK, channel and Stockholm day: workplace and stall conversations (never Bilaga 1)."""

    __tablename__ = "channel_count_day"
    ak_id: int = Field(foreign_key="ak.id", primary_key=True)
    channel: str = Field(max_length=16, primary_key=True)
    day: date = Field(primary_key=True)
    conversation: int = 0
    declined: int = 0
    new_member: int = 0


# --- Campaign rollups -------------------------------------------------------------------


class CampaignCountWeek(SQLModel, table=True):
    """Per campaign, AK, district (0 for other channels), channel and week (its Monday)."""

    __tablename__ = "campaign_count_week"
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", primary_key=True)
    district_id: int = Field(primary_key=True)
    channel: str = Field(max_length=16, primary_key=True)
    week: date = Field(primary_key=True)
    conversation: int = 0
    not_home: int = 0
    declined: int = 0
    no_access: int = 0
    new_member: int = 0
    left_material: int = 0
    # Conversations that raised at least one topic (for "share with a topic").
    with_topic: int = 0


class CampaignOpinionWeek(SQLModel, table=True):
    """Per campaign, district, week and option: how many door logs gave the answer or topic."""

    __tablename__ = "campaign_opinion_week"
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    district_id: int = Field(foreign_key="district.id", primary_key=True)
    week: date = Field(primary_key=True)
    kind: str = Field(max_length=16, primary_key=True)
    value: str = Field(max_length=40, primary_key=True)
    n: int = 0


# --- Schemas ----------------------------------------------------------------------------

# Plain text: printable characters and line breaks, nothing else (no markup is interpreted).
_GUIDE_PATTERN = r"^[^\x00-\x09\x0b-\x1f\x7f]*$"


class QuestionIn(SQLModel):
    model_config = STRICT
    text: Label
    options: Annotated[list[Label], PydanticField(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)]


class CampaignIn(SQLModel):
    model_config = STRICT
    name: Label
    starts_on: date
    ends_on: date
    aks: list[Slug] | None = None  # None or missing: every AK
    topics: Annotated[list[Slug], PydanticField(max_length=20)] = []
    goal: Annotated[int, PydanticField(ge=1, le=10_000_000)] | None = None
    guide: Annotated[str, StringConstraints(max_length=GUIDE_MAX, pattern=_GUIDE_PATTERN)] = ""
    question: QuestionIn | None = None


MAX_CHANNEL_TALLY = 2000


class ChannelTallyCreate(SQLModel):
    model_config = STRICT
    ak: Slug
    channel: Literal["workplace", "stall"]
    date: date
    conversation: int = PydanticField(default=0, ge=0, le=MAX_CHANNEL_TALLY)
    declined: int = PydanticField(default=0, ge=0, le=MAX_CHANNEL_TALLY)
    new_members: int = PydanticField(default=0, ge=0, le=MAX_CHANNEL_TALLY)
    campaign_id: int | None = PydanticField(default=None, ge=1, le=MAX_ID)


class ChannelTallyPublic(SQLModel):
    id: int
    ak: str
    channel: str
    date: date
    campaign_id: int | None
    conversation: int
    declined: int
    new_members: int
    created_by: int
    created_at: datetime
    voided_at: datetime | None


class QuestionPublic(SQLModel):
    text: str
    options: list[str]


class CampaignPublic(SQLModel):
    id: int
    name: str
    starts_on: date
    ends_on: date
    aks: list[str] | None
    topics: list[str]
    goal: int | None
    guide: str
    question: QuestionPublic | None
