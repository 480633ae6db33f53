"""The app's dependency vocabulary: SessionDep, CurrentUser, CurrentStaff ..."""

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.accounts.sessions import TOUCHED, SessionFacts, find_session_facts
from api.accounts.users import user_ak_slugs
from api.core.config import Settings
from api.core.db import utcnow
from api.core.errors import Forbidden, KnackaError, NotAuthenticated, NotFound
from api.core.types import AkSlug, RowId
from api.models.accounts import ANONYMOUS_ROLE, AuthSession, Invite, Role, User
from api.models.plan import Ak
from api.plan.catalogue import get_ak_by_slug


# Dependencies that do no I/O are async: each sync one costs a hop through the thread pool.
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    # Making a session does no I/O; closing one does only while it still holds a connection
    # (a read that never committed), and then it runs in the thread pool, off the event loop.
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
        if session.info.pop(TOUCHED, False) and session.in_transaction():
            # A read route that touched a staff session (its idle clock): keep the touch.
            await run_in_threadpool(session.commit)
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

SessionDep = Annotated[Session, Depends(get_db)]

_bearer = HTTPBearer(auto_error=False, description="Session token from login or redeem")


def organises(*, role: str, aks: Collection[str], ak_slug: str) -> bool:
    """THE access rule for an AK's people and tools: staff, or an organiser of that AK."""
    return role == Role.staff or (role == Role.organiser and ak_slug in aks)


class Principal:
    """Who is asking: their id, role and AKs, and their session.

    The ORM objects of the user and the session are loaded only by the few routes that
    change them (sign-out, TOTP): a door log needs only the facts.
    """

    def __init__(self, *, facts: SessionFacts, db: Session | None) -> None:
        self.facts = facts
        self.id = facts.user_id
        self.role = facts.role
        self.name = facts.name
        self.aks = facts.aks
        self._db = db

    @property
    def is_staff(self) -> bool:
        return self.role == Role.staff

    def organises(self, ak_slug: str) -> bool:
        return organises(role=self.role, aks=self.aks, ak_slug=ak_slug)

    @cached_property
    def user(self) -> User:
        assert self._db is not None, "no database session to load the user with"
        user = self._db.get(User, self.id)
        assert user is not None
        return user

    @cached_property
    def auth(self) -> AuthSession:
        assert self._db is not None, "no database session to load the session with"
        auth = self._db.get(AuthSession, self.facts.session_id)
        assert auth is not None
        return auth


def authenticate(session: Session, settings: Settings, token: str | None) -> Principal:
    """The principal behind a session token (bearer or cookie), or 401."""
    unauthenticated = NotAuthenticated(
        "not_authenticated", "Sign in first", headers={"WWW-Authenticate": "Bearer"}
    )
    if not token:
        raise unauthenticated
    idle = timedelta(minutes=settings.staff_idle_minutes) if settings.staff_idle_minutes else None
    facts = find_session_facts(
        session=session, token=token, secret_key=settings.secret_key, now=utcnow(), idle=idle
    )
    if facts is None:
        raise unauthenticated
    return Principal(facts=facts, db=session)


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

# --- The session cookie: the phone's second carrier of the same session token ----------------
# Safari and Chrome may delete a site's IndexedDB (where the PWA keeps its bearer token) while
# cookies stay; the cookie keeps a volunteer signed in through that (docs/SECURITY.md, "Cookie").
SESSION_COOKIE = "knacka_session"
COOKIE_PATH = "/api"
# A cookie-authenticated unsafe request must carry this header: a cross-site form cannot set it.
CSRF_HEADER = "x-knacka"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})


def set_session_cookie(response: Response, token: str, max_age_seconds: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age_seconds,
        path=COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )


def _refuse_cross_site(request: Request) -> None:
    """A write carried by the cookie alone: only from our own pages, with our header."""
    refused = Forbidden(
        "csrf_refused", "Begäran kom inte från Knacka. Ladda om sidan och försök igen."
    )
    if request.headers.get(CSRF_HEADER) != "1":
        raise refused
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in _SAME_ORIGIN_FETCH:
        raise refused
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise refused


def request_token(request: Request, bearer: str | None) -> str | None:
    """The session token of a request: the bearer's, else the session cookie's.

    The bearer token wins and is never checked for CSRF (a browser never adds it by itself).
    The cookie is: on an unsafe method it counts only with the header and from the same origin.
    """
    if bearer:
        return bearer
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    if request.method not in _SAFE_METHODS:
        _refuse_cross_site(request)
    return cookie


def principal_for_token(session: Session, settings: Settings, token: str | None) -> Principal:
    """CurrentUser for routes that read the token themselves (the hot paths): 401, then TOTP."""
    return refuse_pending_totp(authenticate(session, settings, token))


def get_principal_enrolling(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: BearerCredentials
) -> Principal:
    token = request_token(request, credentials.credentials if credentials else None)
    return authenticate(session, settings, token)


# Also a session that still has to enrol TOTP: only for /me, logout and TOTP enrolment.
CurrentUserEnrolling = Annotated[Principal, Depends(get_principal_enrolling)]


def refuse_pending_totp(principal: Principal) -> Principal:
    if principal.facts.totp_pending:
        raise Forbidden(
            "totp_enrolment_required", "Slå på tvåstegsverifiering innan du fortsätter."
        )
    return principal


async def get_principal(principal: CurrentUserEnrolling) -> Principal:
    return refuse_pending_totp(principal)


CurrentUser = Annotated[Principal, Depends(get_principal)]


def get_streaming_principal(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """As CurrentUser, but the database session is closed before a long stream begins."""
    token = request_token(request, credentials.credentials if credentials else None)
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        principal = authenticate(session, settings, token)
        if session.info.pop(TOUCHED, False):
            session.commit()
    return refuse_pending_totp(principal)


StreamingUser = Annotated[Principal, Depends(get_streaming_principal)]


async def get_staff(principal: CurrentUser) -> Principal:
    if not principal.is_staff:
        raise Forbidden("forbidden", "Only district staff may do this")
    return principal


CurrentStaff = Annotated[Principal, Depends(get_staff)]


async def client_ip(request: Request) -> str:
    # uvicorn's proxy_headers has already put the trusted proxy's X-Forwarded-For here.
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]


def require_organiser(principal: Principal, ak_slug: str) -> None:
    """Organisers of that AK and staff pass; everyone else gets 403."""
    if not principal.organises(ak_slug):
        raise Forbidden("forbidden", "Du kan bara hantera din egen arbetarekommun.")


async def get_manager(principal: CurrentUser) -> Principal:
    require_manager(principal)
    return principal


# An organiser (of any AK) or staff; the object's AK is checked by the dependencies below.
CurrentManager = Annotated[Principal, Depends(get_manager)]


def get_managed_ak(
    session: SessionDep,
    principal: CurrentManager,
    ak: AkSlug,
) -> Ak:
    require_organiser(principal, ak)
    return get_ak_by_slug(session=session, slug=ak)


# The `?ak=` AK, which the caller organises (or the caller is staff).
ManagedAk = Annotated[Ak, Depends(get_managed_ak)]


def hidden(kind: str) -> KnackaError:
    """Someone else's object answers as if it did not exist: no field, not even existence."""
    return NotFound(f"{kind}_not_found", "Finns inte.")


def require_manager(principal: Principal) -> None:
    """Organisers and staff pass; a role that may never manage gets 403."""
    if principal.role not in (Role.staff, Role.organiser):
        raise Forbidden("forbidden", "Bara organisatörer och distriktet kan göra det här.")


def require_reach(principal: Principal, ak_slug: str, kind: str) -> None:
    """An object (or an id in a body) of an AK the caller does not organise: 404, as if
    missing. The caller's role is checked first (require_manager), so 403 says only that."""
    require_manager(principal)
    if not principal.organises(ak_slug):
        raise hidden(kind)


def may_manage_user(principal: Principal, target: User, target_aks: list[str]) -> bool:
    """Staff manage everyone; organisers manage the volunteers of an AK they organise."""
    if principal.is_staff:
        return True
    return (
        principal.role == Role.organiser
        and target.role == Role.volunteer
        and any(principal.organises(slug) for slug in target_aks)
    )


@dataclass
class ManagedUserRef:
    user: User
    aks: list[str]


def get_managed_user(
    session: SessionDep,
    principal: CurrentManager,
    user_id: RowId,
) -> ManagedUserRef:
    target = session.get(User, user_id)
    if target is None or target.role == ANONYMOUS_ROLE:  # the erased: nobody to manage
        raise hidden("user")
    aks = user_ak_slugs(session=session, user=target)
    if not may_manage_user(principal, target, aks):
        raise hidden("user")
    return ManagedUserRef(user=target, aks=aks)


ManagedUser = Annotated[ManagedUserRef, Depends(get_managed_user)]


def get_managed_invite(
    session: SessionDep,
    principal: CurrentManager,
    invite_id: RowId,
) -> Invite:
    invite = session.get(Invite, invite_id)
    if invite is None:
        raise hidden("invite")
    ak = session.get(Ak, invite.ak_id)
    if ak is None or not principal.organises(ak.slug):
        raise hidden("invite")
    return invite


ManagedInvite = Annotated[Invite, Depends(get_managed_invite)]
