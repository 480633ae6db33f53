"""Tables of Web Push: the server's VAPID key and reminder lead times, who subscribed, and the
reminders and notices claimed and sent.

A subscription holds the person, the push service's endpoint and the browser's keys: nothing
else. A reminder row says which message about which shift is owed to whom; it is claimed
before it is sent and marked after (api/push/reminders.py), and goes a day after the shift
started (gallring) or with the person (erasure).
"""

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.core.db import UTCDateTime, utcnow
from api.models.base import STRICT

# Staff's lead times when none were set: a day and an hour before the shift starts.
DEFAULT_LEAD_MINUTES = (24 * 60, 60)


class PushConfig(SQLModel, table=True):
    """One row, made on first need: the VAPID key pair (kept with the data, so a restore keeps
    every phone's subscription working) and the reminder lead times staff set."""

    __tablename__ = "push_config"
    id: int = Field(default=1, primary_key=True)
    # base64url of the raw 32-byte P-256 private key and of the uncompressed public point.
    vapid_private_key: str = Field(max_length=64)
    vapid_public_key: str = Field(max_length=100)
    # Comma-separated minutes before a shift starts, largest first ("1440,60").
    lead_minutes: str = Field(max_length=100)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PushSubscription(SQLModel, table=True):
    __tablename__ = "push_subscription"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=64)


class PushReminder(SQLModel, table=True):
    """What one person is owed about one shift: a reminder at a lead time, or a notice that the
    shift was cancelled or moved. `starts_at` is the start it speaks of, so a move owes anew."""

    __tablename__ = "push_reminder"
    __table_args__ = (
        UniqueConstraint(
            "shift_id", "user_id", "kind", "lead_minutes", "starts_at", name="uq_push_reminder"
        ),
        Index("ix_push_reminder_open", "sent_at", "claimed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=10)  # reminder | cancelled | moved
    lead_minutes: int = 0
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


# --- Request and answer bodies ----------------------------------------------------------

# base64url as the browser's PushSubscription.toJSON() gives it.
B64URL = r"^[A-Za-z0-9_-]+=*$"
Endpoint = Annotated[
    str, StringConstraints(min_length=12, max_length=1000, pattern=r"^https?://\S+$")
]


class SubscriptionKeys(SQLModel):
    model_config = STRICT
    p256dh: Annotated[str, StringConstraints(min_length=80, max_length=200, pattern=B64URL)]
    auth: Annotated[str, StringConstraints(min_length=16, max_length=64, pattern=B64URL)]


class SubscriptionCreate(SQLModel):
    model_config = STRICT
    endpoint: Endpoint
    keys: SubscriptionKeys
    # PushSubscription.toJSON() carries it too; accepted, never stored.
    expirationTime: float | None = None  # noqa: N815


class SubscriptionDelete(SQLModel):
    """Without an endpoint: every subscription of the caller."""

    model_config = STRICT
    endpoint: Endpoint | None = None


class LeadTimes(SQLModel):
    model_config = STRICT
    # Minutes before a shift starts (none: no reminders, notices still go).
    lead_minutes: list[Annotated[int, Field(ge=10, le=7 * 24 * 60)]] = Field(max_length=3)
