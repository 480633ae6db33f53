"""Keyword-only queries and writes; routes call these and commit once per request."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from api.db import utcnow
from api.errors import KnackaError, not_found
from api.fast_sql import live_session_rows
from api.models import Ak, AuthSession, District, Goal, Role, User, UserAk
from api.security import hash_password, new_token, token_digest

# --- AKs, districts, goals -------------------------------------------------------------


def list_aks(*, session: Session) -> list[Ak]:
    return list(session.exec(select(Ak).order_by(Ak.name)).all())


def get_ak_by_slug(*, session: Session, slug: str) -> Ak:
    ak = session.exec(select(Ak).where(Ak.slug == slug)).first()
    if ak is None:
        raise not_found("ak_not_found", f"No AK with slug {slug!r}")
    return ak


def ak_slugs_by_id(*, session: Session) -> dict[int, str]:
    return {a.id: a.slug for a in session.exec(select(Ak)).all() if a.id is not None}


def list_districts(
    *, session: Session, ak: Ak | None = None, include_retired: bool = False
) -> list[District]:
    query = select(District)
    if ak is not None:
        query = query.where(District.ak_id == ak.id)
    if not include_retired:
        query = query.where(col(District.active).is_(True))
    return list(session.exec(query.order_by(col(District.prioritised).desc(), District.code)).all())


def list_goals(*, session: Session, year: int) -> list[tuple[Goal, Ak]]:
    rows = session.exec(
        select(Goal, Ak).join(Ak, col(Goal.ak_id) == col(Ak.id)).where(Goal.year == year)
    ).all()
    if not rows:
        raise not_found("goals_not_found", f"No goals for the year {year}")
    return sorted(rows, key=lambda r: r[1].name)


# --- Users -----------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def user_ak_slugs(*, session: Session, user: User) -> list[str]:
    query = (
        select(Ak.slug)
        .join(UserAk, col(UserAk.ak_id) == col(Ak.id))
        .where(UserAk.user_id == user.id)
        .order_by(Ak.slug)
    )
    return list(session.exec(query).all())


def create_account(
    *,
    session: Session,
    email: str,
    password: str,
    role: Role,
    name: str,
    aks: list[Ak],
) -> User:
    """A staff member or organiser who signs in with e-mail and password."""
    if role not in (Role.staff, Role.organiser):
        raise KnackaError(422, "invalid_role", "Accounts with a password are staff or organisers")
    if role == Role.organiser and not aks:
        raise KnackaError(422, "ak_required", "An organiser needs at least one AK")
    if len(password) < 10:
        raise KnackaError(422, "weak_password", "The password needs at least 10 characters")
    if get_user_by_email(session=session, email=email) is not None:
        raise KnackaError(409, "email_taken", "A user with that e-mail exists")
    user = User(
        name=name, email=normalise_email(email), password_hash=hash_password(password), role=role
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    for ak in aks:
        assert ak.id is not None
        session.add(UserAk(user_id=user.id, ak_id=ak.id))
    return user


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
