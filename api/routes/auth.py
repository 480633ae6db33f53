from datetime import timedelta

from fastapi import APIRouter, status

from api import crud
from api.deps import CurrentUser, SessionDep, SettingsDep
from api.errors import KnackaError
from api.models import LoginIn, MePublic, TokenPublic
from api.security import verify_password

router = APIRouter(tags=["auth"])


@router.post("/auth/login")
def login(body: LoginIn, session: SessionDep, settings: SettingsDep) -> TokenPublic:
    user = crud.get_user_by_email(session=session, email=body.email)
    # The hash is checked even for an unknown e-mail, so both answer alike and as slowly.
    password_ok = verify_password(body.password, user.password_hash if user else None)
    if user is None or not password_ok or user.disabled:
        raise KnackaError(401, "invalid_credentials", "Wrong e-mail or password")
    token, _ = crud.create_session(
        session=session,
        user=user,
        secret_key=settings.secret_key,
        ttl=timedelta(hours=settings.session_ttl_hours),
    )
    session.commit()
    return TokenPublic(access_token=token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentUser, session: SessionDep) -> None:
    crud.revoke_session(session=session, auth=principal.auth)
    session.commit()


@router.get("/me")
def me(principal: CurrentUser) -> MePublic:
    return MePublic(
        id=principal.id, name=principal.user.name, role=principal.role, aks=principal.aks
    )
