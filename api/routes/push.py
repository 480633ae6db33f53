"""Web Push: the server's public key, a browser's subscription, staff's reminder lead times."""

from fastapi import APIRouter, status

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, CurrentUser, SessionDep, SettingsDep
from api.models.push import LeadTimes, SubscriptionCreate, SubscriptionDelete
from api.push import subscriptions as push

router = APIRouter(tags=["push"])


@router.get("/push/key")
def public_key(session: SessionDep) -> dict[str, object]:
    """The VAPID public key a browser subscribes with (applicationServerKey), and the lead
    times (minutes before a shift) at which reminders go."""
    config = push.push_config(session=session)
    return {
        "public_key": config.vapid_public_key,
        "lead_minutes": push.lead_minutes(session=session),
    }


@router.post("/push/subscriptions", status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionCreate, session: SessionDep, settings: SettingsDep, principal: CurrentUser
) -> dict[str, bool]:
    """Opt-in: this browser gets the caller's reminders. Only the browser makers' push
    services are accepted (400 push_service_unknown otherwise)."""
    push.check_endpoint(
        body.endpoint,
        allowed_hosts=settings.push_service_hosts,
        allow_http=settings.environment != "production",
    )
    push.subscribe(
        session=session,
        user_id=principal.id,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
    )
    session.commit()
    return {"subscribed": True}


@router.delete("/push/subscriptions", status_code=status.HTTP_204_NO_CONTENT)
def unsubscribe(
    session: SessionDep, principal: CurrentUser, body: SubscriptionDelete | None = None
) -> None:
    """Opt-out: this browser (its endpoint), or without one every browser of the caller."""
    push.unsubscribe(
        session=session, user_id=principal.id, endpoint=body.endpoint if body else None
    )
    session.commit()


@router.put("/push/lead-times")
def set_lead_times(body: LeadTimes, session: SessionDep, staff: CurrentStaff) -> LeadTimes:
    """Staff: minutes before a shift at which reminders go (default 1440 and 60)."""
    minutes = push.set_lead_minutes(session=session, minutes=body.lead_minutes)
    accounts.audit(
        session=session,
        actor_id=staff.id,
        action="push.lead_times",
        detail=",".join(str(m) for m in minutes) or "none",
    )
    session.commit()
    return LeadTimes(lead_minutes=minutes)
