"""Privacy: the notice's periods (art. 13), its acknowledgement, and the extract (art. 15)."""

import json
from typing import Any

from fastapi import APIRouter, Response, status

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, CurrentUserEnrolling, SessionDep, SettingsDep
from api.core.db import utcnow
from api.core.types import RowId
from api.ops import retention, subject_access

router = APIRouter(tags=["privacy"])


@router.get("/privacy/notice")
def privacy_notice(settings: SettingsDep) -> dict[str, Any]:
    """How long Knacka keeps what, from the one table gallring follows (public: shown before
    anyone joins)."""
    return {
        "controller": "Socialdemokraterna i Göteborgsområdet (partidistriktet)",
        "contact": settings.privacy_contact or None,
        "periods": retention.notice_periods(settings),
    }


@router.post("/me/notice", status_code=status.HTTP_204_NO_CONTENT)
def acknowledge_notice(principal: CurrentUserEnrolling, session: SessionDep) -> None:
    """The caller has read the privacy notice; /admin shows it until this is stored once.

    Allowed before TOTP enrolment too: the notice comes at the very first sign-in."""
    user = principal.user
    if user.notice_acknowledged_at is None:
        user.notice_acknowledged_at = utcnow()
        session.add(user)
        session.commit()


@router.get("/users/{user_id}/extract")
def extract_user(user_id: RowId, session: SessionDep, principal: CurrentStaff) -> Response:
    """Everything about one person as a JSON file (art. 15); staff only, and audited."""
    body = subject_access.extract(session=session, user_id=user_id, now=utcnow())
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="user.extract",
        target_user_id=user_id,
        detail="art. 15 extract",
    )
    session.commit()
    return Response(
        content=json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="knacka-utdrag-{user_id}.json"',
            "Cache-Control": "no-store",
        },
    )
