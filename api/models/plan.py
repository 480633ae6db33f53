from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.core.db import UTCDateTime, utcnow
from api.core.types import Label, Slug

# --- AK (arbetarekommun) ---------------------------------------------------------------


class AkBase(SQLModel):
    slug: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=80)
    kommun_code: str = Field(max_length=4, min_length=4)


class Ak(AkBase, table=True):
    __tablename__ = "ak"
    id: int | None = Field(default=None, primary_key=True)


class AkPublic(SQLModel):
    slug: str
    name: str
    kommun_code: str


# --- District (valdistrikt) ------------------------------------------------------------


class DistrictBase(SQLModel):
    code: str = Field(max_length=8, min_length=8, unique=True, index=True)
    name: str = Field(max_length=120)
    plan_name: str | None = Field(default=None, max_length=120)
    prioritised: bool = False
    active: bool = True


class District(DistrictBase, table=True):
    __tablename__ = "district"
    id: int | None = Field(default=None, primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", index=True)
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    # People entitled to vote (röstberättigade), from Valmyndigheten; unknown until imported.
    electorate: int | None = Field(default=None, ge=0)
    # Valdeltagande in per cent at the election of turnout_year (riksdag), where imported.
    turnout_pct: float | None = Field(default=None, ge=0, le=100)
    turnout_year: int | None = None


class DistrictSuccessor(SQLModel, table=True):
    """Staff confirmed that a retired district lives on in a district of the new division.

    A split has one row per successor. The old district keeps its logs and rollups: earlier
    years still count there.
    """

    __tablename__ = "district_successor"
    retired_id: int = Field(foreign_key="district.id", primary_key=True)
    successor_id: int = Field(foreign_key="district.id", primary_key=True, index=True)
    confirmed_by: int = Field(foreign_key="user_account.id")
    confirmed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class DistrictBoundary(SQLModel, table=True):
    """A district's outline from Valmyndigheten, simplified for the phone, as WGS84 GeoJSON.

    Kept when the district is retired, so its history can still be drawn.
    """

    __tablename__ = "district_boundary"
    district_id: int = Field(foreign_key="district.id", primary_key=True)
    geojson: str = Field(sa_column=Column(Text(), nullable=False))
    # Bounding box (WGS84 degrees): a cheap filter before the exact point-in-polygon test.
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    division_year: int | None = None
    source_crs: str = Field(max_length=16)
    tolerance_m: float
    imported_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class MapConfigPublic(SQLModel):
    tile_url: str | None
    tile_attribution: str | None
    attribution: str


class DistrictPublic(SQLModel):
    id: int
    ak: str
    name: str
    code: str
    prioritised: bool
    plan_name: str | None = None
    active: bool = True


# --- Goal (Bilaga 1 and 2) --------------------------------------------------------------


class Goal(SQLModel, table=True):
    __tablename__ = "goal"
    __table_args__ = (UniqueConstraint("ak_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", index=True)
    year: int
    conversations: int = Field(ge=0)
    members: int = Field(ge=0)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class GoalPublic(SQLModel):
    ak: str
    year: int
    conversations: int
    members: int


# --- Topics -----------------------------------------------------------------------------


class Topic(SQLModel, table=True):
    __tablename__ = "topic"
    slug: str = Field(max_length=40, primary_key=True)
    label: str = Field(max_length=80)
    position: int = 0
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class TopicPublic(SQLModel):
    slug: str
    label: str


class TopicAdminPublic(TopicPublic):
    retired: bool


class TopicCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: Slug
    label: Label


class TopicUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Label | None = None
    retired: bool | None = None


# --- Member register and campaign periods (staff) ---------------------------------------


class MemberRegisterChange(SQLModel, table=True):
    """The member register's net change for an AK on a date (Bilaga 2 is a net goal)."""

    __tablename__ = "member_register_change"
    __table_args__ = (UniqueConstraint("ak_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", index=True)
    day: date
    net_change: int
    recorded_by: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class MemberRegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ak: Slug
    date: date
    net_change: Annotated[int, PydanticField(ge=-100_000, le=100_000)]


class MemberRegisterPublic(SQLModel):
    ak: str
    date: date
    net_change: int
