from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from api.core.db import hold_write_lock, utcnow
from api.core.security import new_token, token_digest
from api.core.sql import dialect_of, execute, sqlite_time
from api.models.accounts import AuthSession, User
from api.push.subscriptions import forget_person

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


# A staff or organiser session's last request is written at most this often.
TOUCH_EVERY = timedelta(minutes=1)

TOUCHED = "knacka_session_touched"


def find_session_facts(
    *,
    session: Session,
    token: str,
    secret_key: str,
    now: datetime,
    idle: timedelta | None = None,
) -> SessionFacts | None:
    """The live session behind a token with its user's AK slugs (sorted), in ONE query.

    With `idle`, a staff or organiser session unused for longer has ended; a used one is
    touched (at most once a minute) in the caller's transaction, which commits it
    (`session.info[TOUCHED]`; get_db commits a touched session after a route that wrote
    nothing else). A volunteer's phone has no password to sign in again with: no idle end."""
    rows = live_session_rows(session=session, token_hash=token_digest(token, secret_key), now=now)
    if not rows:
        return None
    auth_id, totp_pending, user_id, name, role, created_at, last_seen_at, _ = rows[0]
    if idle is not None and role != "volunteer":
        seen = _as_utc(last_seen_at or created_at)
        if now - seen > idle:
            return None
        if now - seen > TOUCH_EVERY:
            _touch(session, auth_id, now)
    return SessionFacts(
        session_id=auth_id,
        user_id=user_id,
        name=name,
        role=role,
        totp_pending=bool(totp_pending),
        aks=sorted(r[-1] for r in rows if r[-1] is not None),
    )


def revoke_session(*, session: Session, auth: AuthSession) -> None:
    """Logout: the session ends and no browser of the person gets a push any more."""
    auth.revoked_at = utcnow()
    session.add(auth)
    forget_person(session=session, user_id=auth.user_id)


def _as_utc(moment: Any) -> datetime:
    if isinstance(moment, str):  # SQLite: naive UTC text
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _touch(session: Session, auth_id: int, now: datetime) -> None:
    postgres = dialect_of(session) == "postgresql"
    hold_write_lock(session.connection())
    execute(
        session,
        "UPDATE auth_session SET last_seen_at = {0} WHERE id = {0}".format(
            "%s" if postgres else "?"
        ),
        (now if postgres else sqlite_time(now), auth_id),
        fetch=False,
    )
    session.info[TOUCHED] = True


_SESSION_FACTS = (
    "SELECT auth_session.id, auth_session.totp_pending, user_account.id, user_account.name, "
    "user_account.role, auth_session.created_at, auth_session.last_seen_at, ak.slug "
    "FROM auth_session "
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
