"""SQLModel tables and their API schemas: one family per entity.

Privacy by design: no table here has a field for a resident's address, name, contact,
free text or position. Only volunteers', organisers' and staff's own names and e-mails.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

from api.db import UTCDateTime, utcnow

# Request bodies refuse unknown fields: mass assignment and resident data never get in.
STRICT = SQLModelConfig(extra="forbid")


class Role(StrEnum):
    staff = "staff"
    organiser = "organiser"
    volunteer = "volunteer"


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


# --- User and their AKs ------------------------------------------------------------------


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    email: str | None = Field(default=None, max_length=254, unique=True, index=True)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(max_length=16)
    totp_secret: str | None = Field(default=None, max_length=64)
    disabled: bool = False
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class UserAk(SQLModel, table=True):
    """Which AKs a user belongs to: an organiser's AKs, a volunteer's one AK."""

    __tablename__ = "user_ak"
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    ak_id: int = Field(foreign_key="ak.id", primary_key=True)


class UserPublic(SQLModel):
    id: int
    name: str
    role: str


class MePublic(SQLModel):
    id: int
    name: str
    role: str
    aks: list[str]


# --- Sessions ---------------------------------------------------------------------------


class AuthSession(SQLModel, table=True):
    """A signed-in device. Only a digest of the opaque token is stored."""

    __tablename__ = "auth_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # A password-only session of a user who must still enrol TOTP: it may only enrol.
    totp_pending: bool = False


class LoginIn(SQLModel):
    model_config = STRICT
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    totp: str | None = Field(default=None, max_length=32)  # a TOTP or a recovery code


class TokenPublic(SQLModel):
    access_token: str
    token_type: str = "bearer"


class Health(SQLModel):
    status: str
    database: str


# Invites, throttling, TOTP and audit tables live in their own module; registered here.
from api import account_models  # noqa: E402, F401
