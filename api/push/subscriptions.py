"""The server's VAPID key and lead times (one row, made on first need) and who subscribed.

The key pair is made once, stored in the database beside the data it serves (a backup and a
restore keep it, so the phones' subscriptions keep working) and never leaves the server but
for its public half (GET /api/push/key).
"""

import base64
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from api.core.db import utcnow
from api.core.errors import BadRequest
from api.core.sql import dialect_of
from api.models.push import DEFAULT_LEAD_MINUTES, PushConfig, PushSubscription


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _new_key_pair() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(private), b64url(public)


def push_config(*, session: Session) -> PushConfig:
    """The one row; the first process to need it makes it (a second one's insert does nothing)."""
    found = session.get(PushConfig, 1)
    if found is not None:
        return found
    private, public = _new_key_pair()
    insert = pg_insert if dialect_of(session) == "postgresql" else sqlite_insert
    session.execute(
        insert(PushConfig.__table__)  # type: ignore[attr-defined]
        .values(
            id=1,
            vapid_private_key=private,
            vapid_public_key=public,
            lead_minutes=",".join(str(m) for m in DEFAULT_LEAD_MINUTES),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    session.commit()
    made = session.get(PushConfig, 1, populate_existing=True)
    assert made is not None
    return made


def lead_minutes(*, session: Session) -> list[int]:
    text = push_config(session=session).lead_minutes
    return sorted((int(m) for m in text.split(",") if m), reverse=True)


def set_lead_minutes(*, session: Session, minutes: list[int]) -> list[int]:
    config = push_config(session=session)
    wanted = sorted(set(minutes), reverse=True)
    config.lead_minutes = ",".join(str(m) for m in wanted)
    session.add(config)
    return wanted


def _host_allowed(host: str, allowed: list[str]) -> bool:
    return any(host == a or host.endswith("." + a) for a in allowed)


def check_endpoint(endpoint: str, *, allowed_hosts: str, allow_http: bool) -> None:
    """Only the browser makers' push services: the server never posts where a caller chooses."""
    parts = urlsplit(endpoint)
    allowed = [h.strip().lower() for h in allowed_hosts.split(",") if h.strip()]
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not _host_allowed((parts.hostname or "").lower(), allowed):
        raise BadRequest("push_service_unknown", "Den här webbläsarens push-tjänst stöds inte.")


def subscribe(
    *, session: Session, user_id: int, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """One row per endpoint: the same browser again (or another person on it) replaces it."""
    session.execute(delete(PushSubscription).where(col(PushSubscription.endpoint) == endpoint))
    row = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    session.add(row)
    session.flush()
    return row


def unsubscribe(*, session: Session, user_id: int, endpoint: str | None) -> int:
    """The caller's subscription at this endpoint, or (None) every one of theirs."""
    where = col(PushSubscription.user_id) == user_id
    if endpoint is not None:
        where = where & (col(PushSubscription.endpoint) == endpoint)
    done = session.execute(delete(PushSubscription).where(where))
    return int(done.rowcount)  # type: ignore[attr-defined]


def forget_person(*, session: Session, user_id: int) -> int:
    """Logout, revoked sessions, erasure: no more pushes to any of the person's browsers."""
    return unsubscribe(session=session, user_id=user_id, endpoint=None)


def subscriptions_of(*, session: Session, user_ids: list[int]) -> dict[int, list[PushSubscription]]:
    found: dict[int, list[PushSubscription]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return found
    rows = session.exec(  # type: ignore[call-overload]
        select(PushSubscription).where(col(PushSubscription.user_id).in_(user_ids))
    ).scalars()
    for row in rows:
        found[row.user_id].append(row)
    return found
