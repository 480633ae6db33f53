from fastapi import APIRouter

from api.accounts.access import CurrentUser, SessionDep
from api.models.plan import AkPublic
from api.plan import catalogue

router = APIRouter(tags=["plan"])


@router.get("/aks")
def list_aks(session: SessionDep, _: CurrentUser) -> list[AkPublic]:
    return [
        AkPublic.model_validate(a, from_attributes=True)
        for a in catalogue.list_aks(session=session)
    ]
