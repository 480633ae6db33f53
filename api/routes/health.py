from fastapi import APIRouter
from sqlalchemy import text

from api.accounts.access import SessionDep, SettingsDep
from api.models.base import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep, settings: SettingsDep) -> Health:
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok", database=settings.dialect)
