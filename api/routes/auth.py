from datetime import timedelta

import pyotp
from fastapi import APIRouter, status

from api.accounts import service as accounts
from api.accounts.access import ClientIp, CurrentUser, CurrentUserEnrolling, SessionDep, SettingsDep
from api.accounts.sessions import create_session, revoke_session
from api.accounts.users import get_user_by_email, user_ak_slugs
from api.core.db import utcnow
from api.core.errors import Conflict, ErrorOut, Forbidden, KnackaError, NotAuthenticated
from api.core.qr import qr_svg
from api.core.security import verify_password
from api.models.accounts import (
    LoginIn,
    MePublic,
    RecoveryCodes,
    RedeemIn,
    Role,
    TokenPublic,
    TotpEnrolment,
    TotpVerifyIn,
)

router = APIRouter(tags=["auth"])

# A password-only session of someone who must enrol TOTP lives just long enough to enrol.
PENDING_TOTP_TTL = timedelta(minutes=30)


def _invalid(code: str = "invalid_credentials") -> KnackaError:
    return NotAuthenticated(code, "Fel e-post eller lösenord.")


@router.post(
    "/auth/login",
    responses={429: {"model": ErrorOut, "description": "Too many failed sign-ins"}},
)
def login(body: LoginIn, session: SessionDep, settings: SettingsDep, ip: ClientIp) -> TokenPublic:
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    key = accounts.account_key(body.email, settings.secret_key)
    # Checked before the password: once throttled, even the right password waits.
    accounts.check_login_throttle(
        session=session,
        key=key,
        ip=ip,
        now=now,
        window=window,
        max_failures=settings.login_max_failures,
        max_ip_failures=settings.login_ip_max_failures,
    )
    user = get_user_by_email(session=session, email=body.email)
    # The hash is checked even for an unknown e-mail, so both answer alike and as slowly.
    password_ok = verify_password(body.password, user.password_hash if user else None)
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
    "/auth/redeem",
    responses={400: {"description": "Unknown code"}, 410: {"description": "Expired or used"}},
)
def redeem(body: RedeemIn, session: SessionDep, settings: SettingsDep) -> TokenPublic:
    user = accounts.redeem_invite(
        session=session,
        code=body.code.strip(),
        name=body.name,
        secret_key=settings.secret_key,
        now=utcnow(),
    )
    token, _ = create_session(
        session=session,
        user=user,
        secret_key=settings.secret_key,
        ttl=timedelta(days=settings.volunteer_session_ttl_days),
    )
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
    return TokenPublic(access_token=token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentUserEnrolling, session: SessionDep) -> None:
    revoke_session(session=session, auth=principal.auth)
    session.commit()


@router.post("/auth/sessions/revoke", status_code=status.HTTP_204_NO_CONTENT)
def revoke_my_sessions(principal: CurrentUser, session: SessionDep) -> None:
    """Signs out every device of the caller, this one included."""
    accounts.revoke_all_sessions(session=session, user_id=principal.id)
    session.commit()


@router.get("/me")
def me(principal: CurrentUserEnrolling, settings: SettingsDep) -> MePublic:
    return MePublic(
        id=principal.id,
        name=principal.name,
        role=principal.role,
        aks=principal.aks,
        void_window_minutes=settings.void_window_minutes,
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
