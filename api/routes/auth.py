from datetime import datetime, timedelta

import pyotp
from fastapi import APIRouter, Request, Response, status
from sqlalchemy import update
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from api.accounts import service as accounts
from api.accounts.access import (
    ClientIp,
    CurrentUser,
    CurrentUserEnrolling,
    Principal,
    SessionDep,
    SettingsDep,
    clear_session_cookie,
    set_session_cookie,
)
from api.accounts.passwords import check_new_password
from api.accounts.sessions import create_session, revoke_session
from api.accounts.users import get_user_by_email, user_ak_slugs
from api.core.config import Settings
from api.core.db import utcnow
from api.core.errors import Conflict, ErrorOut, Forbidden, KnackaError, NotAuthenticated
from api.core.qr import qr_svg
from api.core.security import PasswordLane
from api.door_logs.ingest import last_received_at
from api.models.accounts import (
    AuthSession,
    LoginIn,
    MePublic,
    PasswordChangeIn,
    RecoveryCodes,
    RedeemIn,
    Role,
    TokenPublic,
    TotpEnrolment,
    TotpVerifyIn,
    User,
)
from api.shifts import service as shifts

router = APIRouter(tags=["auth"])

# A password-only session of someone who must enrol TOTP lives just long enough to enrol.
PENDING_TOTP_TTL = timedelta(minutes=30)


def _invalid(code: str = "invalid_credentials") -> KnackaError:
    return NotAuthenticated(code, "Fel e-post eller lösenord.")


@router.post(
    "/auth/login",
    responses={429: {"model": ErrorOut, "description": "Too many failed sign-ins"}},
)
async def login(
    body: LoginIn, request: Request, session: SessionDep, settings: SettingsDep, ip: ClientIp
) -> TokenPublic:
    # Anonymous work is bounded before it costs anything: a sign-in beyond the lane's waiting
    # room is refused at once; the hash runs in the lane, the database work in the thread pool.
    lane: PasswordLane = request.app.state.password_lane
    with lane.admitted():
        now = utcnow()
        user = await run_in_threadpool(_user_unless_throttled, session, settings, body, ip, now)
        # The hash is checked even for an unknown e-mail, so both answer alike and as slowly.
        password_ok = await lane.verify(body.password, user.password_hash if user else None)
        return await run_in_threadpool(
            _sign_in, session, settings, body, ip, now, user, password_ok
        )


def _user_unless_throttled(
    session: Session, settings: Settings, body: LoginIn, ip: str, now: datetime
) -> User | None:
    # Checked before the password: once throttled, even the right password waits.
    accounts.check_login_throttle(
        session=session,
        key=accounts.account_key(body.email, settings.secret_key),
        ip=ip,
        now=now,
        window=timedelta(minutes=settings.login_window_minutes),
        max_failures=settings.login_max_failures,
        max_ip_failures=settings.login_ip_max_failures,
    )
    return get_user_by_email(session=session, email=body.email)


def _sign_in(
    session: Session,
    settings: Settings,
    body: LoginIn,
    ip: str,
    now: datetime,
    user: User | None,
    password_ok: bool,
) -> TokenPublic:
    window = timedelta(minutes=settings.login_window_minutes)
    key = accounts.account_key(body.email, settings.secret_key)
    if user is None or not password_ok or user.disabled:
        accounts.record_login_failure(session=session, key=key, ip=ip, now=now)
        session.commit()
        raise _invalid()
    totp_pending = False
    if accounts.has_totp(session=session, user=user):
        if not body.totp:
            raise NotAuthenticated("totp_required", "Skriv koden från din app.")
        if not accounts.verify_second_factor(
            session=session, user=user, code=body.totp, secret_key=settings.secret_key, now=now
        ):
            accounts.record_login_failure(session=session, key=key, ip=ip, now=now)
            session.commit()
            raise NotAuthenticated("totp_invalid", "Koden stämmer inte. Försök igen.")
    elif settings.require_totp:
        totp_pending = True
    accounts.clear_login_failures(session=session, key=key, older_than=now - window)
    token, auth = create_session(
        session=session,
        user=user,
        secret_key=settings.secret_key,
        ttl=PENDING_TOTP_TTL if totp_pending else timedelta(hours=settings.session_ttl_hours),
    )
    auth.totp_pending = totp_pending
    session.commit()
    return TokenPublic(access_token=token)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={429: {"model": ErrorOut, "description": "Too many failed attempts"}},
)
async def change_password(
    body: PasswordChangeIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
    ip: ClientIp,
) -> None:
    """Staff and organisers change their password: the current one, then a new one that is
    long enough and not a common one. Every other session of theirs ends."""
    if principal.role == Role.volunteer:
        raise Forbidden("forbidden", "Du loggar in med en inbjudan och har inget lösenord.")
    lane: PasswordLane = request.app.state.password_lane
    with lane.admitted():
        now = utcnow()
        user = await run_in_threadpool(_password_user, session, settings, principal, ip, now)
        if not await lane.verify(body.current_password, user.password_hash):
            await run_in_threadpool(_wrong_current_password, session, settings, user, ip, now)
            raise _invalid("invalid_password")
        check_new_password(body.new_password, email=user.email, name=user.name)
        new_hash = await lane.hash(body.new_password)
        await run_in_threadpool(_store_password, session, principal, user, new_hash)


def _password_user(
    session: Session, settings: Settings, principal: Principal, ip: str, now: datetime
) -> User:
    user = principal.user
    # A stolen session cannot guess the password here faster than at the login.
    accounts.check_login_throttle(
        session=session,
        key=accounts.account_key(user.email or "", settings.secret_key),
        ip=ip,
        now=now,
        window=timedelta(minutes=settings.login_window_minutes),
        max_failures=settings.login_max_failures,
        max_ip_failures=settings.login_ip_max_failures,
    )
    return user


def _wrong_current_password(
    session: Session, settings: Settings, user: User, ip: str, now: datetime
) -> None:
    key = accounts.account_key(user.email or "", settings.secret_key)
    accounts.record_login_failure(session=session, key=key, ip=ip, now=now)
    session.commit()


def _store_password(session: Session, principal: Principal, user: User, new_hash: str) -> None:
    user.password_hash = new_hash
    session.add(user)
    assert user.id is not None
    # Every other session of theirs ends; the one asking proved the password just now.
    session.execute(
        update(AuthSession)
        .where(
            col(AuthSession.user_id) == user.id,
            col(AuthSession.id) != principal.facts.session_id,
            col(AuthSession.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    accounts.audit(
        session=session,
        actor_id=user.id,
        action="user.password_change",
        target_user_id=user.id,
        detail="password",
    )
    session.commit()


@router.post(
    "/auth/redeem",
    responses={400: {"description": "Unknown code"}, 410: {"description": "Expired or used"}},
)
def redeem(
    body: RedeemIn, session: SessionDep, settings: SettingsDep, response: Response
) -> TokenPublic:
    """The token in the body (the contract), and the same session in an HttpOnly cookie.

    The cookie keeps the phone signed in when the browser wipes the PWA's own storage
    (docs/SECURITY.md, "Cookie"); writes it carries need the X-Knacka header, same origin.
    """
    code = body.code.strip()
    # A shift's sign-up link is also an invite: joined to the AK and signed up at once.
    shift = shifts.find_by_code(session=session, code=code, secret_key=settings.secret_key)
    if shift is not None:
        user = shifts.join_and_sign_up(session=session, shift=shift, name=body.name, now=utcnow())
    else:
        user = accounts.redeem_invite(
            session=session, code=code, name=body.name, secret_key=settings.secret_key, now=utcnow()
        )
    ttl = timedelta(days=settings.volunteer_session_ttl_days)
    token, _ = create_session(session=session, user=user, secret_key=settings.secret_key, ttl=ttl)
    aks = user_ak_slugs(session=session, user=user)
    accounts.audit(
        session=session,
        actor_id=user.id,
        action="user.create",
        target_user_id=user.id,
        ak=aks[0] if aks else None,
        detail="name (invite redeemed)",
    )
    session.commit()
    set_session_cookie(response, token, int(ttl.total_seconds()))
    return TokenPublic(access_token=token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentUserEnrolling, session: SessionDep, response: Response) -> None:
    """Ends the session, whichever carried it: the token stops working, the cookie goes."""
    revoke_session(session=session, auth=principal.auth)
    session.commit()
    clear_session_cookie(response)


@router.post("/auth/sessions/revoke", status_code=status.HTTP_204_NO_CONTENT)
def revoke_my_sessions(principal: CurrentUser, session: SessionDep, response: Response) -> None:
    """Signs out every device of the caller, this one included."""
    accounts.revoke_all_sessions(session=session, user_id=principal.id)
    session.commit()
    clear_session_cookie(response)


@router.get("/me")
def me(principal: CurrentUserEnrolling, settings: SettingsDep, session: SessionDep) -> MePublic:
    return MePublic(
        id=principal.id,
        name=principal.name,
        role=principal.role,
        aks=principal.aks,
        void_window_minutes=settings.void_window_minutes,
        last_log_at=last_received_at(session=session, user_id=principal.id),
        # Only password accounts see the notice at sign-in; volunteers saw it before joining.
        notice_acknowledged_at=(
            principal.user.notice_acknowledged_at
            if principal.role in (Role.staff, Role.organiser)
            else None
        ),
    )


def _ensure_password_account(principal: CurrentUserEnrolling) -> None:
    if principal.role not in (Role.staff, Role.organiser):
        raise Forbidden("forbidden", "Tvåstegsverifiering gäller bara konton med lösenord.")


@router.post("/auth/totp", status_code=status.HTTP_201_CREATED)
def start_totp(
    principal: CurrentUserEnrolling, session: SessionDep, settings: SettingsDep
) -> TotpEnrolment:
    """Shows a new secret once; it takes effect when a first code is verified."""
    _ensure_password_account(principal)
    factor = accounts.start_totp_enrolment(session=session, user=principal.user)
    session.commit()
    uri = pyotp.TOTP(factor.secret).provisioning_uri(
        name=principal.user.email or str(principal.id), issuer_name="Knacka"
    )
    return TotpEnrolment(secret=factor.secret, otpauth_uri=uri, qr_svg=qr_svg(uri))


@router.post("/auth/totp/verify")
def verify_totp(
    body: TotpVerifyIn,
    principal: CurrentUserEnrolling,
    session: SessionDep,
    settings: SettingsDep,
) -> RecoveryCodes:
    """Turns TOTP on and answers with the recovery codes, shown only this once."""
    _ensure_password_account(principal)
    codes = accounts.confirm_totp_enrolment(
        session=session,
        user=principal.user,
        code=body.code,
        secret_key=settings.secret_key,
        now=utcnow(),
    )
    if principal.auth.totp_pending:
        # This session has now shown both factors; others of the user still have to sign in.
        principal.auth.totp_pending = False
        principal.auth.expires_at = utcnow() + timedelta(hours=settings.session_ttl_hours)
        session.add(principal.auth)
    session.commit()
    return RecoveryCodes(recovery_codes=codes)


@router.post("/auth/totp/recovery-codes")
def renew_recovery_codes(
    principal: CurrentUser, session: SessionDep, settings: SettingsDep
) -> RecoveryCodes:
    """Ten new codes; the old ones stop working."""
    _ensure_password_account(principal)
    if not accounts.has_totp(session=session, user=principal.user):
        raise Conflict("totp_not_enabled", "Slå på tvåstegsverifiering först.")
    codes = accounts.new_recovery_codes(
        session=session, user=principal.user, secret_key=settings.secret_key
    )
    session.commit()
    return RecoveryCodes(recovery_codes=codes)
