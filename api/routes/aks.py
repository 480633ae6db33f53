from fastapi import APIRouter

from api import crud
from api.deps import CurrentUser, SessionDep
from api.models import AkPublic

router = APIRouter(tags=["plan"])


@router.get("/aks")
def list_aks(session: SessionDep, _: CurrentUser) -> list[AkPublic]:
    return [
        AkPublic.model_validate(a, from_attributes=True) for a in crud.list_aks(session=session)
    ]
