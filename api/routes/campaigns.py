from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import select

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, CurrentUser, SessionDep
from api.campaigns import insights, service
from api.core.db import utcnow
from api.core.errors import NotFound
from api.core.types import MAX_ID, SLUG_PATTERN, OptionalAkSlug, OptionalDistrict
from api.models.campaigns import CampaignIn, CampaignPublic
from api.models.plan import Ak

router = APIRouter(tags=["campaigns"])

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _visible(session: Any, principal: Any, campaign_id: int) -> None:
    service.require_visible(session=session, principal=principal, campaign_id=campaign_id)


@router.post("/campaigns", status_code=status.HTTP_201_CREATED)
def create_campaign(body: CampaignIn, session: SessionDep, staff: CurrentStaff) -> CampaignPublic:
    campaign = service.create(session=session, body=body, user_id=staff.id)
    accounts.audit(
        session=session, actor_id=staff.id, action="campaign.create", detail=campaign.name[:200]
    )
    session.commit()
    return service.public(session=session, campaigns=[campaign])[0]


@router.get("/campaigns")
def list_campaigns(session: SessionDep, principal: CurrentUser) -> list[CampaignPublic]:
    slugs = None if principal.is_staff else list(principal.aks)
    return service.public(
        session=session, campaigns=service.listed(session=session, ak_slugs=slugs)
    )


@router.get("/campaigns/{campaign_id}")
def get_campaign(
    campaign_id: CampaignId, session: SessionDep, principal: CurrentUser
) -> CampaignPublic:
    campaign = service.get(session=session, campaign_id=campaign_id)
    _visible(session, principal, campaign_id)
    return service.public(session=session, campaigns=[campaign])[0]


@router.put("/campaigns/{campaign_id}")
def update_campaign(
    campaign_id: CampaignId, body: CampaignIn, session: SessionDep, staff: CurrentStaff
) -> CampaignPublic:
    campaign = service.update(session=session, campaign_id=campaign_id, body=body)
    accounts.audit(
        session=session, actor_id=staff.id, action="campaign.update", detail=campaign.name[:200]
    )
    session.commit()
    return service.public(session=session, campaigns=[campaign])[0]


@router.get("/campaigns/{campaign_id}/totals")
def campaign_totals(
    campaign_id: CampaignId,
    session: SessionDep,
    principal: CurrentUser,
    ak: Annotated[str | None, Query(max_length=40, pattern=SLUG_PATTERN)] = None,
) -> dict[str, Any]:
    """Whole figures (distrikt, or one AK): no breakdown below AK level here."""
    service.get(session=session, campaign_id=campaign_id)
    _visible(session, principal, campaign_id)
    ak_id = None
    if ak is not None:
        found = session.execute(select(Ak).where(Ak.slug == ak)).scalars().first()  # type: ignore[arg-type]
        if found is None:
            raise NotFound("ak_not_found", "No such AK")
        ak_id = found.id
    return service.totals(session=session, campaign_id=campaign_id, ak_id=ak_id)


@router.get("/campaigns/{campaign_id}/insights")
def campaign_insights(
    campaign_id: CampaignId,
    session: SessionDep,
    principal: CurrentUser,
    ak: OptionalAkSlug = None,
    district_id: OptionalDistrict = None,
) -> dict[str, Any]:
    """Topics, answers and weeks for the distrikt, an AK or a district; below AK level the
    opinions are shown only above the threshold (api/totals/suppression.py)."""
    ak = insights.authorised_scope(
        session=session,
        principal=principal,
        campaign_id=campaign_id,
        ak=ak,
        district_id=district_id,
    )
    return insights.insights(
        session=session, campaign_id=campaign_id, ak=ak, district_id=district_id, now=utcnow()
    )
