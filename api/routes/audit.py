from typing import Annotated

from fastapi import APIRouter, Query

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, SessionDep
from api.core.types import MAX_ID
from api.models.accounts import AuditEventPublic, User

router = APIRouter(tags=["audit"])


@router.get("/audit")
def list_audit(
    session: SessionDep,
    principal: CurrentStaff,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Older than id")] = None,
    user_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only entries about or by this person")
    ] = None,
) -> list[AuditEventPublic]:
    """Newest first: who read or changed people's data, what, and when."""
    events = accounts.list_audit(session=session, limit=limit, before_id=before, user_id=user_id)
    # The filtered read names whom it was about; an id of nobody is recorded as text only
    # (the entry's link must point at an existing account).
    known = user_id is not None and session.get(User, user_id) is not None
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="audit.read",
        target_user_id=user_id if known else None,
        detail=None if user_id is None else f"filtered by person {user_id}",
    )
    session.commit()
    return [AuditEventPublic.model_validate(e, from_attributes=True) for e in events]
