from fastapi import APIRouter, Request, status

from api.accounts import service as accounts
from api.accounts import users as user_accounts
from api.accounts.access import CurrentManager, CurrentStaff, ManagedAk, ManagedUser, SessionDep
from api.accounts.users import user_ak_slugs
from api.core.db import utcnow
from api.core.errors import Conflict
from api.models.accounts import (
    AccountCreate,
    Role,
    User,
    UserAksUpdate,
    UserDetail,
    UserListItem,
    UserUpdate,
)
from api.ops import erasure
from api.plan import catalogue

router = APIRouter(tags=["users"])


def user_detail(session: SessionDep, user: User, aks: list[str] | None = None) -> UserDetail:
    assert user.id is not None
    return UserDetail(
        id=user.id,
        name=user.name,
        role=user.role,
        aks=aks if aks is not None else user_ak_slugs(session=session, user=user),
        email=user.email,
        disabled=user.disabled,
        erased=user.erased_at is not None,
        totp_enabled=accounts.has_totp(session=session, user=user),
        created_at=user.created_at,
    )


@router.get("/users")
def list_users(session: SessionDep, ak: ManagedAk, principal: CurrentManager) -> list[UserListItem]:
    """The AK's people (erased ones are gone); for its organisers and staff."""
    users = accounts.list_users_of_ak(session=session, ak=ak)
    accounts.audit_list_read(
        session=session,
        actor_id=principal.id,
        action="users.list",
        ak=ak.slug,
        covered=[u.id for u in users if u.id is not None],
    )
    session.commit()
    return [
        UserListItem(id=u.id, name=u.name, role=u.role, disabled=u.disabled)
        for u in users
        if u.id is not None
    ]


@router.get("/staff")
def list_staff(session: SessionDep, principal: CurrentStaff) -> list[UserListItem]:
    """The district staff's accounts, for staff (who add and close colleagues' accounts)."""
    users = accounts.list_staff(session=session)
    accounts.audit_list_read(
        session=session,
        actor_id=principal.id,
        action="users.list",
        covered=[u.id for u in users if u.id is not None],
        detail="staff",
    )
    session.commit()
    return [
        UserListItem(id=u.id, name=u.name, role=u.role, disabled=u.disabled)
        for u in users
        if u.id is not None
    ]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_account(body: AccountCreate, session: SessionDep, principal: CurrentStaff) -> UserDetail:
    """Staff create organisers (and other staff), who sign in with e-mail and password."""
    aks = [catalogue.get_ak_by_slug(session=session, slug=s) for s in dict.fromkeys(body.aks)]
    user = user_accounts.create_account(
        session=session,
        email=body.email,
        password=body.password,
        role=body.role,
        name=body.name,
        aks=aks,
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="user.create",
        target_user_id=user.id,
        detail=f"{body.role.value}: name, email, aks",
    )
    detail = user_detail(session, user)
    session.commit()
    return detail


@router.get("/users/{user_id}")  # noqa: FAST003 (the id is read by ManagedUser/ManagedInvite)
def read_user(target: ManagedUser, session: SessionDep, principal: CurrentManager) -> UserDetail:
    accounts.audit(
        session=session, actor_id=principal.id, action="user.read", target_user_id=target.user.id
    )
    session.commit()
    return user_detail(session, target.user, target.aks)


@router.patch("/users/{user_id}")  # noqa: FAST003 (the id is read by ManagedUser/ManagedInvite)
def update_user(
    body: UserUpdate, target: ManagedUser, session: SessionDep, principal: CurrentManager
) -> UserDetail:
    """Rename, disable or enable. Role, AKs and id cannot be set here (the body forbids them)."""
    user = target.user
    if user.erased_at is not None:
        raise Conflict("user_erased", "Användaren är borttagen.")
    if body.disabled and user.id == principal.id:
        raise Conflict("cannot_disable_self", "Du kan inte stänga av dig själv.")
    changed = []
    if body.name is not None and body.name.strip() and body.name.strip() != user.name:
        user.name = body.name.strip()
        changed.append("name")
    if body.disabled is True and not user.disabled:
        accounts.disable_user(session=session, user=user)
        changed.append("disabled")
    elif body.disabled is False and user.disabled:
        user.disabled = False
        changed.append("enabled")
    session.add(user)
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="user.update",
        target_user_id=user.id,
        detail=", ".join(changed) or "no change",
    )
    detail = user_detail(session, user, target.aks)
    session.commit()
    return detail


@router.put("/users/{user_id}/aks")  # noqa: FAST003 (the id is read by ManagedUser/ManagedInvite)
def set_organiser_aks(
    principal: CurrentStaff, body: UserAksUpdate, target: ManagedUser, session: SessionDep
) -> UserDetail:
    """Staff change which AKs an organiser organises."""
    # CurrentStaff comes first: dependencies run in order, so non-staff get 403, not 404.
    if target.user.role != Role.organiser:
        raise Conflict("not_an_organiser", "Bara organisatörer byter arbetarekommun här.")
    accounts.set_user_aks(session=session, user=target.user, slugs=body.aks)
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="user.update",
        target_user_id=target.user.id,
        detail="aks: " + ", ".join(body.aks),
    )
    session.flush()
    detail = user_detail(session, target.user)
    session.commit()
    return detail


@router.post("/users/{user_id}/erase")  # noqa: FAST003 (the id is read by ManagedUser/ManagedInvite)
def erase_user(
    target: ManagedUser, session: SessionDep, principal: CurrentManager, request: Request
) -> UserDetail:
    """GDPR erasure: the person goes; their logs and counts move to the anonymous id."""
    user = target.user
    if user.id == principal.id:
        raise Conflict("cannot_erase_self", "Du kan inte ta bort dig själv.")
    now = utcnow()
    assert user.id is not None
    # What the answer says about the erased account: nothing of the person is left to show.
    detail = UserDetail(
        id=user.id,
        name=accounts.ERASED_NAME,
        role=user.role,
        aks=[],
        email=None,
        disabled=True,
        erased=True,
        totp_enabled=False,
        created_at=user.created_at,
    )
    role = user.role
    anonymous = erasure.erase_person(
        session=session, user=user, now=now, secret_key=request.app.state.settings.secret_key
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="user.erase",
        target_user_id=anonymous,
        ak=",".join(target.aks)[:40] or None,
        detail=f"a {role}: account, AKs, assignments, sessions; logs to the anonymous id",
    )
    session.commit()
    return detail


@router.post("/users/{user_id}/sessions/revoke", status_code=status.HTTP_204_NO_CONTENT)  # noqa: FAST003 (the id is read by ManagedUser/ManagedInvite)
def revoke_user_sessions(
    target: ManagedUser, session: SessionDep, principal: CurrentManager
) -> None:
    """Signs the person out on every device (a lost phone, a leaked link)."""
    assert target.user.id is not None
    count = accounts.revoke_all_sessions(session=session, user_id=target.user.id)
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="user.sessions_revoke",
        target_user_id=target.user.id,
        detail=f"{count} sessions",
    )
    session.commit()
