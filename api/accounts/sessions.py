from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from api.core.db import utcnow
from api.core.security import new_token, token_digest
from api.core.sql import dialect_of, execute, sqlite_time
from api.models.accounts import AuthSession, User

# --- Sessions --------------------------------------------------------------------------


def create_session(
    *, session: Session, user: User, secret_key: str, ttl: timedelta
) -> tuple[str, AuthSession]:
    token = new_token()
    assert user.id is not None
    auth = AuthSession(
        token_hash=token_digest(token, secret_key), user_id=user.id, expires_at=utcnow() + ttl
    )
    session.add(auth)
    # Kept on the account: gallring purges old sessions, and needs the last sign-in after.
    user.last_sign_in_at = auth.created_at
    session.add(user)
    return token, auth


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What every signed-in request needs to know about its session, without ORM objects."""

    session_id: int
    user_id: int
    name: str
    role: str
    totp_pending: bool
    aks: list[str]


def find_session_facts(
    *, session: Session, token: str, secret_key: str, now: datetime
) -> SessionFacts | None:
    """The live session behind a token with its user's AK slugs (sorted), in ONE query."""
    rows = live_session_rows(session=session, token_hash=token_digest(token, secret_key), now=now)
    if not rows:
        return None
    auth_id, totp_pending, user_id, name, role, _ = rows[0]
    return SessionFacts(
        session_id=auth_id,
        user_id=user_id,
        name=name,
        role=role,
        totp_pending=bool(totp_pending),
        aks=sorted(r[-1] for r in rows if r[-1] is not None),
    )


def revoke_session(*, session: Session, auth: AuthSession) -> None:
    auth.revoked_at = utcnow()
    session.add(auth)


_SESSION_FACTS = (
    "SELECT auth_session.id, auth_session.totp_pending, user_account.id, user_account.name, "
    "user_account.role, ak.slug FROM auth_session "
    "JOIN user_account ON user_account.id = auth_session.user_id "
    "LEFT OUTER JOIN user_ak ON user_ak.user_id = user_account.id "
    "LEFT OUTER JOIN ak ON ak.id = user_ak.ak_id "
    "WHERE auth_session.token_hash = {mark} AND auth_session.revoked_at IS NULL "
    "AND auth_session.expires_at > {mark} AND NOT user_account.disabled"
)


def live_session_rows(*, session: Session, token_hash: str, now: datetime) -> list[Any]:
    """The live (unrevoked, unexpired, user enabled) session of a token: one row per AK."""
    postgres = dialect_of(session) == "postgresql"
    sql = _SESSION_FACTS.format(mark="%s" if postgres else "?")
    return execute(session, sql, (token_hash, now if postgres else sqlite_time(now)), fetch=True)
