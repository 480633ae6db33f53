"""The app's dependency vocabulary: SessionDep, CurrentUser, CurrentStaff ..."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.config import Settings
from api.crud import find_session, user_ak_slugs
from api.db import utcnow
from api.errors import KnackaError
from api.live import attach
from api.models import AuthSession, Role, User


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        attach(session, request.app.state.live)
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_db)]

_bearer = HTTPBearer(auto_error=False, description="Session token from login or redeem")


@dataclass
class Principal:
    """Who is asking: the user, their session and the AKs they belong to."""

    user: User
    auth: AuthSession
    aks: list[str]

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def is_staff(self) -> bool:
        return self.user.role == Role.staff

    def organises(self, ak_slug: str) -> bool:
        return self.is_staff or (self.user.role == Role.organiser and ak_slug in self.aks)


def get_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    unauthenticated = KnackaError(
        401, "not_authenticated", "Sign in first", headers={"WWW-Authenticate": "Bearer"}
    )
    if credentials is None or not credentials.credentials:
        raise unauthenticated
    found = find_session(
        session=session,
        token=credentials.credentials,
        secret_key=settings.secret_key,
        now=utcnow(),
    )
    if found is None:
        raise unauthenticated
    auth, user = found
    return Principal(user=user, auth=auth, aks=user_ak_slugs(session=session, user=user))


CurrentUser = Annotated[Principal, Depends(get_principal)]


def get_staff(principal: CurrentUser) -> Principal:
    if not principal.is_staff:
        raise KnackaError(403, "forbidden", "Only district staff may do this")
    return principal


CurrentStaff = Annotated[Principal, Depends(get_staff)]
