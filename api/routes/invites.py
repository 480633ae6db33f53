from fastapi import APIRouter, Request, status

from api.accounts import service as accounts
from api.accounts.access import (
    CurrentManager,
    ManagedAk,
    ManagedInvite,
    SessionDep,
    SettingsDep,
    require_organiser,
)
from api.core.config import Settings
from api.core.db import utcnow
from api.core.qr import qr_svg
from api.models.accounts import Invite, InviteCreate, InviteCreated, InvitePublic
from api.plan import catalogue

router = APIRouter(tags=["invites"])


def invite_public(invite: Invite, ak_slug: str) -> InvitePublic:
    assert invite.id is not None
    return InvitePublic(
        id=invite.id,
        ak=ak_slug,
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        max_uses=invite.max_uses,
        uses=invite.uses,
        revoked=invite.revoked_at is not None,
        label=invite.label,
    )


@router.post("/invites", status_code=status.HTTP_201_CREATED)
def create_invite(
    body: InviteCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentManager,
) -> InviteCreated:
    """A join link for the AK's volunteers; the code is in this answer only."""
    require_organiser(principal, body.ak)
    ak = catalogue.get_ak_by_slug(session=session, slug=body.ak)
    code, invite = accounts.create_invite(
        session=session,
        ak=ak,
        created_by=principal.id,
        max_uses=body.max_uses,
        expires_in_days=min(body.expires_in_days, settings.invite_max_days),
        secret_key=settings.secret_key,
        label=body.label,
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="invite.create",
        ak=ak.slug,
        detail=f"max_uses={invite.max_uses}",
    )
    session.commit()
    return _with_link(invite, code, request, settings)


def _with_link(invite: Invite, code: str, request: Request, settings: Settings) -> InviteCreated:
    assert invite.id is not None
    # Unset (a server started without `knacka serve`): the address the organiser reached us at.
    base = settings.public_url or str(request.base_url)
    url = f"{base.rstrip('/')}/join/{code}"
    return InviteCreated(
        id=invite.id,
        code=code,
        url=url,
        expires_at=invite.expires_at,
        max_uses=invite.max_uses,
        qr_svg=qr_svg(url),
        label=invite.label,
    )


@router.get("/invites")
def list_invites(session: SessionDep, ak: ManagedAk) -> list[InvitePublic]:
    return [invite_public(i, ak.slug) for i in accounts.list_invites(session=session, ak=ak)]


@router.get("/invites/{invite_id}/link")  # noqa: FAST003 (the id is read by ManagedInvite)
def show_invite_link(
    invite: ManagedInvite,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentManager,
) -> InviteCreated:
    """A valid invite's link and QR again, for the AK's organisers (audited)."""
    code = accounts.invite_code_again(invite=invite, secret_key=settings.secret_key, now=utcnow())
    accounts.audit(
        session=session, actor_id=principal.id, action="invite.show", detail=f"invite {invite.id}"
    )
    session.commit()
    return _with_link(invite, code, request, settings)


@router.delete("/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)  # noqa: FAST003 (the id is read by ManagedUser/ManagedInvite)
def revoke_invite(invite: ManagedInvite, session: SessionDep, principal: CurrentManager) -> None:
    """The link stops working; volunteers who already joined stay."""
    accounts.revoke_invite(session=session, invite=invite)
    accounts.audit(
        session=session, actor_id=principal.id, action="invite.revoke", detail=f"invite {invite.id}"
    )
    session.commit()
