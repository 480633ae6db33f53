"""SQLModel tables and their API schemas: one family per entity.

Privacy by design: no table here has a field for a resident's address, name, contact,
free text or position. Only volunteers', organisers' and staff's own names and e-mails.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints, field_validator
from sqlalchemy import Column, Index, text
from sqlmodel import Field, SQLModel

from api.core.db import UTCDateTime, utcnow
from api.core.types import (
    NO_CONTROL,
    Email,
    LoginEmail,
    Name,
    NewPassword,
    Password,
    Slug,
)
from api.models.base import STRICT


class Role(StrEnum):
    staff = "staff"
    organiser = "organiser"
    volunteer = "volunteer"


# --- User and their AKs ------------------------------------------------------------------


# The one shared anonymous account that erased people's logs and counts move to.
ANONYMOUS_ROLE = "anonymous"


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    # At most one anonymous account, whatever the number of processes erasing at once.
    __table_args__ = (
        Index(
            "uq_user_account_anonymous",
            "role",
            unique=True,
            sqlite_where=text("role = 'anonymous'"),
            postgresql_where=text("role = 'anonymous'"),
        ),
    )
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
    # Kept on the account because sessions are purged by gallring long before a year passes.
    last_sign_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # When a staff member or organiser acknowledged the privacy notice (art. 13), shown once.
    notice_acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


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
    # How long after the server got a log its author may still undo it (the server's rule).
    void_window_minutes: int
    # When the server last acknowledged a log of this user: a phone that remembers none of
    # them knows its storage was wiped, and says so (docs/PWA.md).
    last_log_at: datetime | None = None
    # Staff and organisers: when they acknowledged the privacy notice (None: show it).
    notice_acknowledged_at: datetime | None = None


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
    # Staff's and organisers' sessions end after KNACKA_STAFF_IDLE_MINUTES without a request
    # (touched at most once a minute); empty: not used since created_at.
    last_seen_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LoginIn(SQLModel):
    model_config = STRICT
    email: LoginEmail
    password: Password
    totp: Annotated[str, StringConstraints(max_length=32, pattern=NO_CONTROL)] | None = (
        None  # a TOTP or a recovery code
    )


class PasswordChangeIn(SQLModel):
    model_config = STRICT
    current_password: Password
    new_password: NewPassword


class TokenPublic(SQLModel):
    access_token: str
    token_type: str = "bearer"


# --- Invites ---------------------------------------------------------------------------


class Invite(SQLModel, table=True):
    """A join link for volunteers of one AK; only a digest of its code is stored."""

    __tablename__ = "invite"
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    ak_id: int = Field(foreign_key="ak.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    max_uses: int = Field(default=1, ge=1)
    uses: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The organiser's own note of who the link is for ("till Kerstin"); never about a resident.
    label: str | None = Field(default=None, max_length=60)
    # The link's code is made from this seed and the secret key, so the organiser can show a
    # valid link again; invites made before it was kept have none and cannot be shown again.
    code_seed: str | None = Field(default=None, max_length=64)


class InviteCreate(SQLModel):
    model_config = STRICT
    ak: Slug
    label: Annotated[str, StringConstraints(max_length=60, pattern=NO_CONTROL)] | None = None
    max_uses: int = Field(default=1, ge=1, le=500)
    expires_in_days: int = Field(default=7, ge=1, le=7)

    @field_validator("label")
    @classmethod
    def _blank_label_is_none(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class InviteCreated(SQLModel):
    """The only answers that carry the code: the 201 to the invite's creator, and the link
    shown again to the AK's organisers while the invite is valid."""

    id: int
    code: str
    url: str
    expires_at: datetime
    max_uses: int
    qr_svg: str
    label: str | None = None


class InvitePublic(SQLModel):
    id: int
    ak: str
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool
    label: str | None = None


class RedeemIn(SQLModel):
    model_config = STRICT
    code: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROL)]
    name: Name

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("Skriv ditt namn.")
        return value


# --- Login throttling ------------------------------------------------------------------


class LoginFailure(SQLModel, table=True):
    """One failed sign-in, kept in the database so every API process sees it."""

    __tablename__ = "login_failure"
    id: int | None = Field(default=None, primary_key=True)
    # Keyed digest of the normalised e-mail: throttles unknown addresses too, stores no e-mail.
    account_key: str = Field(max_length=64, index=True)
    ip: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


# --- TOTP and recovery codes -----------------------------------------------------------


class TotpFactor(SQLModel, table=True):
    """A user's TOTP secret; usable for sign-in once confirmed with a first code."""

    __tablename__ = "totp_factor"
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    secret: str = Field(max_length=64)
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The last accepted 30-second step: a code is never accepted twice.
    last_step: int | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class TotpEnrolment(SQLModel):
    """Shown once to the user who enrols, so the authenticator app can be set up."""

    secret: str
    otpauth_uri: str
    qr_svg: str


class TotpVerifyIn(SQLModel):
    model_config = STRICT
    code: Annotated[str, StringConstraints(min_length=6, max_length=8, pattern=NO_CONTROL)]


class RecoveryCodes(SQLModel):
    recovery_codes: list[str]


# --- Users (management) ----------------------------------------------------------------


class UserListItem(UserPublic):
    """A row of GET /api/users: the contract's id, name, role, and whether it is switched off."""

    disabled: bool = False


class UserDetail(SQLModel):
    id: int
    name: str
    role: str
    aks: list[str]
    email: str | None
    disabled: bool
    erased: bool
    totp_enabled: bool
    created_at: datetime


class UserUpdate(SQLModel):
    model_config = STRICT
    name: Name | None = None
    disabled: bool | None = None


class UserAksUpdate(SQLModel):
    model_config = STRICT
    aks: list[Slug] = Field(min_length=1, max_length=20)


class AccountCreate(SQLModel):
    model_config = STRICT
    email: Email
    password: NewPassword
    name: Name
    role: Role = Role.organiser
    aks: list[Slug] = Field(default_factory=list, max_length=20)


# --- Audit log -------------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    """Who read or changed people's data, what, and when."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    action: str = Field(max_length=40)
    target_user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    ak: str | None = Field(default=None, max_length=40)
    # Which fields or counts; never a secret, never the data itself.
    detail: str | None = Field(default=None, max_length=200)


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_user_id: int | None
    ak: str | None
    detail: str | None
