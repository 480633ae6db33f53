"""Knackpass (shifts): create, list, cancel, sign up, check in, summary, calendar file."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.accounts import service as accounts
from api.accounts.access import CurrentUser, Principal, SessionDep, SettingsDep, require_organiser
from api.core.config import Settings
from api.core.db import utcnow
from api.core.errors import Forbidden, not_found
from api.core.qr import qr_svg
from api.core.types import AkSlug, RowId
from api.models.shifts import (
    CheckInCreate,
    Shift,
    ShiftCreate,
    ShiftLinkPublic,
    ShiftPublic,
    ShiftUpdate,
)
from api.plan import catalogue
from api.shifts import figures
from api.shifts import service as shifts
from api.shifts.calendar import shift_ics
from api.shifts.rules import parse_district_ids, signup_code

router = APIRouter(tags=["shifts"])

SignupCode = Annotated[str, Path(min_length=8, max_length=80, pattern=r"^[0-9a-f]+$")]


def _viewer(principal: Principal) -> shifts.Viewer:
    return shifts.Viewer(user_id=principal.id, role=principal.role, aks=list(principal.aks))


def _public(
    shift: Shift,
    slug: str,
    *,
    request: Request,
    settings: Settings,
    session: SessionDep,
    principal: Principal,
) -> ShiftPublic:
    assert shift.id is not None
    code = signup_code(shift_id=shift.id, salt=shift.signup_salt, secret_key=settings.secret_key)
    base = settings.public_url or str(request.base_url)
    viewer = _viewer(principal)
    names = shifts.sees_names(shift, slug, viewer)
    return ShiftPublic(
        id=shift.id,
        ak=slug,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        meeting_point=shift.meeting_point,
        district_ids=parse_district_ids(shift.district_ids),
        capacity=shift.capacity,
        signed_up=shift.signed_up,
        leader_id=shift.leader_id,
        note=shift.note,
        cancelled=shift.cancelled_at is not None,
        signup_code=code,
        signup_url=f"{base.rstrip('/')}/join/{code}",
        signups=shifts.signups(session=session, shift_id=shift.id) if names else None,
        me_signed_up=shifts.is_signed_up(session, shift.id, principal.id),
    )


def _audit_names(session: SessionDep, principal: Principal, shown: list[ShiftPublic]) -> None:
    """Names of who signed up were read: one audit entry per person shown (audit by person)."""
    people = [int(p["user_id"]) for s in shown for p in (s.signups or [])]
    if not people:
        return
    accounts.audit_list_read(
        session=session,
        actor_id=principal.id,
        action="shifts.signups",
        covered=people,
        detail=", ".join(f"shift {s.id}" for s in shown if s.signups)[:120],
    )
    session.commit()


@router.post("/shifts", status_code=status.HTTP_201_CREATED)
def create_shift(
    body: ShiftCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> ShiftPublic:
    """A shift of the AK: organisers of it and staff. The meeting point is a public place."""
    require_organiser(principal, body.ak)
    ak = catalogue.get_ak_by_slug(session=session, slug=body.ak)
    shift = shifts.create_shift(
        session=session,
        ak=ak,
        created_by=principal.id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        meeting_point=body.meeting_point.strip(),
        district_ids=body.district_ids,
        capacity=body.capacity,
        leader_id=body.leader_id,
        note=body.note,
        secret_key=settings.secret_key,
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="shift.create",
        ak=ak.slug,
        detail=f"shift {shift.id}",
    )
    session.commit()
    session.refresh(shift)
    out = _public(
        shift, ak.slug, request=request, settings=settings, session=session, principal=principal
    )
    return out


@router.get("/shifts")
def list_shifts(
    ak: AkSlug,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> list[ShiftPublic]:
    """The AK's shifts, newest first: its members and staff."""
    if not (principal.is_staff or ak in principal.aks):
        raise Forbidden("forbidden", "Du är inte med i den arbetskretsen.")
    found = catalogue.get_ak_by_slug(session=session, slug=ak)
    shown = [
        _public(s, ak, request=request, settings=settings, session=session, principal=principal)
        for s in shifts.list_shifts(session=session, ak=found)
    ]
    _audit_names(session, principal, shown)
    return shown


@router.get("/shifts/mine")
def my_shifts(
    request: Request, session: SessionDep, settings: SettingsDep, principal: CurrentUser
) -> list[ShiftPublic]:
    """The shifts the caller signed up to or leads."""
    slugs = catalogue.ak_slugs_by_id(session=session)
    shown = [
        _public(
            s,
            slugs[s.ak_id],
            request=request,
            settings=settings,
            session=session,
            principal=principal,
        )
        for s in shifts.my_shifts(session=session, user_id=principal.id)
    ]
    _audit_names(session, principal, shown)
    return shown


@router.get("/shifts/retention")
def retention(ak: AkSlug, session: SessionDep, principal: CurrentUser) -> list[dict[str, object]]:
    """Per month: new volunteers, back within 30 days, active per week, no-shows. Counts only."""
    require_organiser(principal, ak)
    found = catalogue.get_ak_by_slug(session=session, slug=ak)
    return figures.retention(session=session, ak=found, now=utcnow())


@router.get("/shifts/inactive")
def inactive(ak: AkSlug, session: SessionDep, principal: CurrentUser) -> list[dict[str, object]]:
    """ "Har inte varit ute på länge": names, for the AK's organisers and staff only (audited)."""
    require_organiser(principal, ak)
    found = catalogue.get_ak_by_slug(session=session, slug=ak)
    people = figures.inactive(session=session, ak=found, now=utcnow())
    accounts.audit_list_read(
        session=session,
        actor_id=principal.id,
        action="shifts.inactive",
        covered=[int(str(p["user_id"])) for p in people],
        ak=ak,
    )
    session.commit()
    return people


@router.get("/shifts/link/{code}")
def link(code: SignupCode, session: SessionDep, settings: SettingsDep) -> ShiftLinkPublic:
    """The sign-up link's page, before sign-in: when, where, places left. No names."""
    shift = _by_code(session, settings, code)
    return ShiftLinkPublic.model_validate(
        shifts.link_view(session=session, shift=shift, now=utcnow())
    )


@router.post("/shifts/link/{code}/signup")
def link_sign_up(
    code: SignupCode,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> ShiftPublic:
    """ "Jag kommer" from the link: the link admits whoever holds it, as an invite does."""
    shift = _by_code(session, settings, code)
    slug = catalogue.ak_slugs_by_id(session=session)[shift.ak_id]
    shifts.sign_up(session=session, shift=shift, user_id=principal.id, now=utcnow())
    session.commit()
    session.refresh(shift)
    return _public(
        shift, slug, request=request, settings=settings, session=session, principal=principal
    )


def _by_code(session: SessionDep, settings: Settings, code: str) -> Shift:
    shift = shifts.find_by_code(session=session, code=code, secret_key=settings.secret_key)
    if shift is None:
        raise not_found("invite_invalid", "Länken fungerar inte.")
    return shift


@router.get("/shifts/{shift_id}")
def get_shift(
    shift_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> ShiftPublic:
    shift, slug = shifts.visible_shift(
        session=session, shift_id=shift_id, viewer=_viewer(principal)
    )
    out = _public(
        shift, slug, request=request, settings=settings, session=session, principal=principal
    )
    if out.signups is not None:
        out.qr_svg = qr_svg(out.signup_url)
    _audit_names(session, principal, [out])
    return out


@router.patch("/shifts/{shift_id}")
def update_shift(
    shift_id: RowId,
    body: ShiftUpdate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> ShiftPublic:
    """Moves or edits a shift (times, place, districts, capacity, leader, note): organisers
    of its AK and staff, under the rules of create; audited."""
    shift, slug = shifts.managed_shift(
        session=session, shift_id=shift_id, viewer=_viewer(principal)
    )
    changes = body.model_dump(exclude_unset=True)
    changed = shifts.update_shift(session=session, shift=shift, changes=changes)
    if changed:
        accounts.audit(
            session=session,
            actor_id=principal.id,
            action="shift.update",
            ak=slug,
            detail=f"shift {shift_id}: {', '.join(changed)}",
        )
    session.commit()
    session.refresh(shift)
    return _public(
        shift, slug, request=request, settings=settings, session=session, principal=principal
    )


@router.delete("/shifts/{shift_id}", status_code=status.HTTP_204_NO_CONTENT)
def cancel_shift(shift_id: RowId, session: SessionDep, principal: CurrentUser) -> None:
    """Cancels the shift (it stays, marked cancelled): organisers of its AK and staff."""
    shift, slug = shifts.managed_shift(
        session=session, shift_id=shift_id, viewer=_viewer(principal)
    )
    if shift.cancelled_at is None:
        accounts.audit(
            session=session,
            actor_id=principal.id,
            action="shift.cancel",
            ak=slug,
            detail=f"shift {shift_id}",
        )
    shifts.cancel_shift(session=session, shift=shift, now=utcnow())
    session.commit()


@router.post("/shifts/{shift_id}/signup")
def sign_up(
    shift_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> ShiftPublic:
    """One tap: signed up (again: the same answer, no second sign-up). Full: 409 shift_full."""
    shift, slug = shifts.visible_shift(
        session=session, shift_id=shift_id, viewer=_viewer(principal)
    )
    shifts.sign_up(session=session, shift=shift, user_id=principal.id, now=utcnow())
    session.commit()
    session.refresh(shift)
    return _public(
        shift, slug, request=request, settings=settings, session=session, principal=principal
    )


@router.delete("/shifts/{shift_id}/signup", status_code=status.HTTP_204_NO_CONTENT)
def cancel_signup(shift_id: RowId, session: SessionDep, principal: CurrentUser) -> None:
    shift, _ = shifts.visible_shift(session=session, shift_id=shift_id, viewer=_viewer(principal))
    shifts.cancel_signup(session=session, shift=shift, user_id=principal.id, now=utcnow())
    session.commit()


@router.post("/shifts/{shift_id}/checkins")
def check_in(
    shift_id: RowId, body: CheckInCreate, session: SessionDep, principal: CurrentUser
) -> dict[str, bool]:
    """The leader (or an organiser) marks who came; sent again it changes nothing."""
    viewer = _viewer(principal)
    shift, slug = shifts.visible_shift(session=session, shift_id=shift_id, viewer=viewer)
    if not shifts.sees_names(shift, slug, viewer):
        raise Forbidden("forbidden", "Bara passledaren och organisatörer checkar in.")
    changed = shifts.check_in(session=session, shift=shift, user_id=body.user_id, now=utcnow())
    session.commit()
    return {"checked_in": True, "changed": changed}


@router.get("/shifts/{shift_id}/summary")
def summary(shift_id: RowId, session: SessionDep, principal: CurrentUser) -> dict[str, object]:
    """Signed up, came, first-timers, doors, conversations, members; no-shows for who sees names."""
    viewer = _viewer(principal)
    shift, slug = shifts.visible_shift(session=session, shift_id=shift_id, viewer=viewer)
    out = shifts.summary(session=session, shift=shift, viewer_id=principal.id)
    if shifts.sees_names(shift, slug, viewer):
        out["no_shows"] = shifts.no_shows(session=session, shift=shift)
    return out


@router.get("/shifts/{shift_id}/calendar.ics", response_class=Response)
def calendar(
    shift_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> Response:
    shift, _ = shifts.visible_shift(session=session, shift_id=shift_id, viewer=_viewer(principal))
    base = settings.public_url or str(request.base_url)
    body = shift_ics(shift=shift, url=base.rstrip("/") + "/", now=utcnow())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="knackpass-{shift_id}.ics"'},
    )
