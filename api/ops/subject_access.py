"""The right of access (GDPR art. 15): everything Knacka holds about one person, as one file.

Staff download it (GET /api/users/{id}/extract) and hand it to the person. It holds: the
account (never a password hash, TOTP secret or recovery-code digest: those are the person's
own keys and not information about them), the AKs, assignments, sessions (when each device
signed in, until when, whether signed out), the logs as counts per day and district, paper
tallies and invites the person made (as counts and dates), the browsers subscribed to push
reminders (which push service) and the reminders owed or sent, and the audit entries about or
by them. Nothing about any resident: Knacka holds none.
"""

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlmodel import Session, col

from api.accounts import service as accounts
from api.accounts.users import user_ak_slugs
from api.core.errors import NotFound
from api.door_logs.rollups import COUNTERS, door_count_user_day
from api.models.accounts import ANONYMOUS_ROLE, AuditEvent, AuthSession, Invite, User
from api.models.door_logs import Assignment, Tally
from api.models.plan import Ak, District
from api.models.push import PushReminder, PushSubscription

FORMAT = "knacka-extract-1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def extract(*, session: Session, user_id: int, now: datetime) -> dict[str, Any]:
    """The extract of one person, ready to be written as JSON; 404 for no such person."""
    user = session.get(User, user_id)
    if user is None or user.role == ANONYMOUS_ROLE:
        raise NotFound("user_not_found", "Det finns ingen sådan användare.")
    assert user.id is not None
    account = {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "email": user.email,
        "disabled": user.disabled,
        "created_at": _iso(user.created_at),
        "last_sign_in_at": _iso(user.last_sign_in_at),
        "notice_acknowledged_at": _iso(user.notice_acknowledged_at),
        "totp_enabled": accounts.has_totp(session=session, user=user),
    }
    assignments = [
        {
            "district": district.name,
            "district_id": district.id,
            "starts_on": a.starts_on.isoformat() if a.starts_on else None,
            "ends_on": a.ends_on.isoformat() if a.ends_on else None,
            "created_at": _iso(a.created_at),
        }
        for a, district in session.execute(
            select(Assignment, District)
            .join(District, col(District.id) == col(Assignment.district_id))
            .where(col(Assignment.user_id) == user.id)
            .order_by(col(Assignment.id))
        ).all()
    ]
    sessions = [
        {
            "created_at": _iso(s.created_at),
            "expires_at": _iso(s.expires_at),
            "revoked_at": _iso(s.revoked_at),
        }
        for s in session.execute(
            select(AuthSession)
            .where(col(AuthSession.user_id) == user.id)
            .order_by(col(AuthSession.id))
        ).scalars()
    ]
    c = door_count_user_day.c
    per_day = [
        {
            "day": row["day"].isoformat(),
            "district": row["name"],
            "district_id": row["district_id"],
            **{name: int(row[name]) for name in COUNTERS},
        }
        for row in session.execute(
            select(c.day, c.district_id, District.name, *[c[name] for name in COUNTERS])  # type: ignore[call-overload]
            .join(District, col(District.id) == c.district_id)
            .where(c.user_id == user.id)
            .order_by(c.day, c.district_id)
        ).mappings()
    ]
    tallies = session.execute(
        select(func.count()).select_from(Tally).where(col(Tally.created_by) == user.id)
    ).scalar_one()
    invites = [
        {
            "ak": slug,
            "created_at": _iso(invite.created_at),
            "expires_at": _iso(invite.expires_at),
            "uses": invite.uses,
            "max_uses": invite.max_uses,
        }
        for invite, slug in session.execute(
            select(Invite, col(Ak.slug))
            .join(Ak, col(Ak.id) == col(Invite.ak_id))
            .where(col(Invite.created_by) == user.id)
            .order_by(col(Invite.id))
        ).all()
    ]
    push_browsers = [
        {"push_service": urlsplit(endpoint).hostname}
        for endpoint in session.execute(
            select(col(PushSubscription.endpoint))
            .where(col(PushSubscription.user_id) == user.id)
            .order_by(col(PushSubscription.id))
        ).scalars()
    ]
    push_messages = [
        {
            "shift_id": r.shift_id,
            "kind": r.kind,
            "lead_minutes": r.lead_minutes,
            "shift_starts_at": _iso(r.starts_at),
            "sent_at": _iso(r.sent_at),
        }
        for r in session.execute(
            select(PushReminder)
            .where(col(PushReminder.user_id) == user.id)
            .order_by(col(PushReminder.id))
        ).scalars()
    ]
    audit = [
        {
            "at": _iso(e.at),
            "actor_id": e.actor_id,
            "action": e.action,
            "target_user_id": e.target_user_id,
            "ak": e.ak,
            "detail": e.detail,
        }
        for e in session.execute(
            select(AuditEvent)
            .where(
                (col(AuditEvent.target_user_id) == user.id) | (col(AuditEvent.actor_id) == user.id)
            )
            .order_by(col(AuditEvent.id))
        ).scalars()
    ]
    return {
        "format": FORMAT,
        "made_at": now.isoformat(),
        "controller": "Socialdemokraterna i Göteborgsområdet (partidistriktet)",
        "account": account,
        "aks": user_ak_slugs(session=session, user=user),
        "assignments": assignments,
        "sessions": sessions,
        "logs_per_day": per_day,
        "paper_tallies_entered": int(tallies),
        "invites_created": invites,
        "push_subscriptions": push_browsers,
        "push_reminders": push_messages,
        "audit": audit,
        "residents": "Knacka lagrar inga uppgifter om de boende.",
    }
