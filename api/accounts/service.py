"""Keyword-only queries and writes for invites, throttling, TOTP, user management and audit.

Like every domain service: functions take the session explicitly; the route commits once per
request.
"""

import math
import secrets
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, insert, or_, update
from sqlmodel import Session, col, select

from api.accounts.users import normalise_email
from api.core.db import utcnow
from api.core.errors import BadRequest, Conflict, Gone, TooManyRequests
from api.core.security import derived_token, new_token, token_digest
from api.models.accounts import (
    AuditEvent,
    AuthSession,
    Invite,
    LoginFailure,
    RecoveryCode,
    Role,
    TotpFactor,
    User,
    UserAk,
)
from api.models.plan import Ak
from api.plan.catalogue import get_ak_by_slug
from api.push.subscriptions import forget_person

ERASED_NAME = "Borttagen användare"

RECOVERY_CODE_COUNT = 10

# 16 base32 characters: 80 bits, typed rarely and compared case-free.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"

# --- Audit -----------------------------------------------------------------------------


def audit(
    *,
    session: Session,
    actor_id: int | None,
    action: str,
    target_user_id: int | None = None,
    ak: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            actor_id=actor_id, action=action, target_user_id=target_user_id, ak=ak, detail=detail
        )
    )


def audit_list_read(
    *,
    session: Session,
    actor_id: int,
    action: str,
    covered: list[int],
    ak: str | None = None,
    detail: str | None = None,
) -> None:
    """A read of a list of people: one entry per person the list covered, so the audit
    filtered by person (GET /api/audit?user_id=) shows every list that showed them."""
    people = list(dict.fromkeys(covered))
    summary = f"{len(people)} users" + (f"; {detail}" if detail else "")
    if not people:
        audit(session=session, actor_id=actor_id, action=action, ak=ak, detail=summary[:200])
        return
    # One executemany, not an ORM object a person (a list of 50 cost more than its query);
    # flushed first, so events recorded before keep their order.
    session.flush()
    at = utcnow()
    session.execute(
        insert(AuditEvent),
        [
            {
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "target_user_id": person,
                "ak": ak,
                "detail": summary[:200],
            }
            for person in people
        ],
    )


def list_audit(
    *, session: Session, limit: int, before_id: int | None = None, user_id: int | None = None
) -> list[AuditEvent]:
    """Newest first; with user_id only the entries about that person or by them."""
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(
            (col(AuditEvent.target_user_id) == user_id) | (col(AuditEvent.actor_id) == user_id)
        )
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all())


# --- Invites ---------------------------------------------------------------------------


def create_invite(
    *,
    session: Session,
    ak: Ak,
    created_by: int,
    max_uses: int,
    expires_in_days: int,
    secret_key: str,
    label: str | None = None,
) -> tuple[str, Invite]:
    seed = new_token()  # 256 bits from the OS CSPRNG
    code = derived_token(seed, secret_key, INVITE_PURPOSE)
    assert ak.id is not None
    invite = Invite(
        code_seed=seed,
        code_hash=token_digest(code, secret_key),
        ak_id=ak.id,
        created_by=created_by,
        max_uses=max_uses,
        expires_at=utcnow() + timedelta(days=expires_in_days),
        label=label,
    )
    session.add(invite)
    session.flush()
    return code, invite


INVITE_PURPOSE = "invite"


def invite_code_again(*, invite: Invite, secret_key: str, now: datetime) -> str:
    """The code of a valid invite, made again from its seed, for the organiser to share."""
    if invite.code_seed is None:
        raise Conflict(
            "invite_not_reshowable",
            "Länken skapades innan länkar kunde visas igen. Skapa en ny inbjudan.",
        )
    if invite.revoked_at is not None or invite.uses >= invite.max_uses or invite.expires_at <= now:
        raise Conflict(
            "invite_inactive",
            "Länken gäller inte längre (tillbakadragen, förbrukad eller för gammal).",
        )
    return derived_token(invite.code_seed, secret_key, INVITE_PURPOSE)


def list_invites(*, session: Session, ak: Ak) -> list[Invite]:
    query = select(Invite).where(Invite.ak_id == ak.id).order_by(col(Invite.id).desc())
    return list(session.exec(query).all())


def revoke_invite(*, session: Session, invite: Invite) -> None:
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        session.add(invite)


def redeem_invite(
    *, session: Session, code: str, name: str, secret_key: str, now: datetime
) -> User:
    """Creates a volunteer of the invite's AK; the use is counted atomically across processes."""
    invite = session.exec(
        select(Invite).where(Invite.code_hash == token_digest(code, secret_key))
    ).first()
    if invite is None:
        raise BadRequest("invite_invalid", "Inbjudan finns inte. Be om en ny länk.")
    if invite.revoked_at is not None:
        raise Gone("invite_revoked", "Inbjudan är återkallad. Be om en ny länk.")
    if invite.expires_at <= now:
        raise Gone("invite_expired", "Inbjudan har gått ut. Be om en ny länk.")
    # One conditional UPDATE: two phones redeeming at once cannot both take the last use.
    taken = session.execute(
        update(Invite)
        .where(
            col(Invite.id) == invite.id,
            col(Invite.uses) < col(Invite.max_uses),
            col(Invite.revoked_at).is_(None),
        )
        .values(uses=col(Invite.uses) + 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Gone("invite_used_up", "Inbjudan är redan använd. Be om en ny länk.")
    user = User(name=name, role=Role.volunteer)
    session.add(user)
    session.flush()
    assert user.id is not None
    session.add(UserAk(user_id=user.id, ak_id=invite.ak_id))
    return user


# --- Login throttling ------------------------------------------------------------------


def account_key(email: str, secret_key: str) -> str:
    return token_digest("login:" + normalise_email(email), secret_key)


def _retry_after(times: list[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than `limit` of these failures lie inside the window."""
    times = sorted(times, reverse=True)
    lifts_at = times[limit - 1] + window
    return max(1, math.ceil((lifts_at - now).total_seconds()))


def check_login_throttle(
    *,
    session: Session,
    key: str,
    ip: str,
    now: datetime,
    window: timedelta,
    max_failures: int,
    max_ip_failures: int,
) -> None:
    since = now - window
    for column, value, limit in (
        (LoginFailure.account_key, key, max_failures),
        (LoginFailure.ip, ip, max_ip_failures),
    ):
        times = list(
            session.exec(
                select(LoginFailure.at)
                .where(column == value, col(LoginFailure.at) > since)
                .order_by(col(LoginFailure.at).desc())
                .limit(limit)
            ).all()
        )
        if len(times) >= limit:
            seconds = _retry_after(times, limit, window, now)
            minutes = math.ceil(seconds / 60)
            raise TooManyRequests(
                "too_many_attempts",
                "För många misslyckade inloggningar. Försök igen om "
                + ("en minut." if minutes == 1 else f"{minutes} minuter."),
                headers={"Retry-After": str(seconds)},
            )


def record_login_failure(*, session: Session, key: str, ip: str, now: datetime) -> None:
    session.add(LoginFailure(account_key=key, ip=ip[:64], at=now))


def clear_login_failures(*, session: Session, key: str, older_than: datetime) -> None:
    """After a good sign-in: the account's failures go, and anything outside every window."""
    session.execute(delete(LoginFailure).where(col(LoginFailure.account_key) == key))
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < older_than))


# --- TOTP ------------------------------------------------------------------------------


def get_totp(*, session: Session, user: User) -> TotpFactor | None:
    return session.get(TotpFactor, user.id)


def has_totp(*, session: Session, user: User) -> bool:
    factor = get_totp(session=session, user=user)
    return factor is not None and factor.confirmed_at is not None


def start_totp_enrolment(*, session: Session, user: User) -> TotpFactor:
    factor = get_totp(session=session, user=user)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict("totp_already_enabled", "Tvåstegsverifiering är redan på.")
    assert user.id is not None
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret=pyotp.random_base32())
    else:
        factor.secret = pyotp.random_base32()
    session.add(factor)
    return factor


def _matching_step(factor: TotpFactor, code: str, now: datetime) -> int | None:
    """The step of a code of the current step or one step either side, not yet used."""
    totp = pyotp.TOTP(factor.secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if factor.last_step is not None and candidate <= factor.last_step:
            continue
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def _accept_totp_code(session: Session, factor: TotpFactor, code: str, now: datetime) -> bool:
    """Takes the code's step with ONE conditional UPDATE: of parallel sign-ins with the same
    code (also in other processes) exactly one moves last_step and is let in."""
    step = _matching_step(factor, code, now)
    if step is None:
        return False
    taken = session.execute(
        update(TotpFactor)
        .where(
            col(TotpFactor.user_id) == factor.user_id,
            or_(col(TotpFactor.last_step).is_(None), col(TotpFactor.last_step) < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.expire(factor, ["last_step"])
    return True


def confirm_totp_enrolment(
    *, session: Session, user: User, code: str, secret_key: str, now: datetime
) -> list[str]:
    factor = get_totp(session=session, user=user)
    if factor is None or factor.confirmed_at is not None:
        raise Conflict("totp_not_pending", "Börja med att lägga till tvåstegsverifiering.")
    if not _accept_totp_code(session, factor, code.strip(), now):
        raise BadRequest("totp_invalid", "Koden stämmer inte. Skriv koden från appen.")
    factor.confirmed_at = now
    session.add(factor)
    return new_recovery_codes(session=session, user=user, secret_key=secret_key)


def new_recovery_codes(*, session: Session, user: User, secret_key: str) -> list[str]:
    """Ten fresh single-use codes (80 bits each); the old ones stop working."""
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}".lower())
        assert user.id is not None
        session.add(
            RecoveryCode(user_id=user.id, code_hash=_recovery_digest(codes[-1], secret_key))
        )
    return codes


def _recovery_digest(code: str, secret_key: str) -> str:
    return token_digest("recovery:" + code.replace("-", "").replace(" ", "").lower(), secret_key)


def verify_second_factor(
    *, session: Session, user: User, code: str, secret_key: str, now: datetime
) -> bool:
    """A TOTP code, or a recovery code that is then used up."""
    factor = get_totp(session=session, user=user)
    if factor is None or factor.confirmed_at is None:
        return False
    code = code.strip()
    if code.isdigit() and len(code) == 6:
        return _accept_totp_code(session, factor, code, now)
    used = session.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == _recovery_digest(code, secret_key),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now)
    )
    return bool(used.rowcount == 1)  # type: ignore[attr-defined]


def remove_totp(*, session: Session, user: User) -> None:
    session.execute(delete(TotpFactor).where(col(TotpFactor.user_id) == user.id))
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))


# --- Sessions --------------------------------------------------------------------------


def revoke_all_sessions(*, session: Session, user_id: int) -> int:
    forget_person(session=session, user_id=user_id)  # signed out everywhere: no more pushes
    done = session.execute(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


# --- Users -----------------------------------------------------------------------------


def list_users_of_ak(*, session: Session, ak: Ak) -> list[User]:
    query = (
        select(User)
        .join(UserAk, col(UserAk.user_id) == col(User.id))
        .where(UserAk.ak_id == ak.id, col(User.erased_at).is_(None))
        .order_by(User.name, col(User.id))
    )
    return list(session.exec(query).all())


def list_staff(*, session: Session) -> list[User]:
    """District staff accounts (not erased), by name."""
    query = (
        select(User)
        .where(User.role == Role.staff, col(User.erased_at).is_(None))
        .order_by(User.name, col(User.id))
    )
    return list(session.exec(query).all())


def set_user_aks(*, session: Session, user: User, slugs: list[str]) -> None:
    aks = [get_ak_by_slug(session=session, slug=s) for s in dict.fromkeys(slugs)]
    session.execute(delete(UserAk).where(col(UserAk.user_id) == user.id))
    for ak in aks:
        assert user.id is not None and ak.id is not None
        session.add(UserAk(user_id=user.id, ak_id=ak.id))


def disable_user(*, session: Session, user: User) -> None:
    user.disabled = True
    session.add(user)
    assert user.id is not None
    revoke_all_sessions(session=session, user_id=user.id)


def erase_user(*, session: Session, user: User, now: datetime) -> None:
    """GDPR erasure: name and contact go; the id stays so their logs remain anonymous counts."""
    user.name = ERASED_NAME
    user.email = None
    user.password_hash = None
    user.totp_secret = None
    user.disabled = True
    user.erased_at = now
    session.add(user)
    remove_totp(session=session, user=user)
    assert user.id is not None
    revoke_all_sessions(session=session, user_id=user.id)


def revoke_password_only_sessions(*, session: Session, now: datetime) -> int:
    """When TOTP becomes required: staff and organiser sessions made without it end.

    A session is password-only when its user had no confirmed factor when it was made (a
    session still enrolling, totp_pending, may only enrol and stays)."""
    factor = (
        select(TotpFactor.confirmed_at)
        .where(col(TotpFactor.user_id) == col(AuthSession.user_id))
        .scalar_subquery()
    )
    staff_or_organiser = select(col(User.id)).where(
        col(User.role).in_([Role.staff.value, Role.organiser.value])
    )
    done = session.execute(
        update(AuthSession)
        .where(
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.totp_pending).is_(False),
            col(AuthSession.user_id).in_(staff_or_organiser),
            factor.is_(None) | (col(AuthSession.created_at) < factor),
        )
        .values(revoked_at=now)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
