from typing import Annotated

from fastapi import APIRouter, Query

from api.accounts.access import CurrentUser, SessionDep
from api.core.types import OptionalAkSlug
from api.models.plan import District, DistrictPublic
from api.plan import catalogue

router = APIRouter(tags=["plan"])


def district_public(district: District, ak_slug: str) -> DistrictPublic:
    assert district.id is not None
    return DistrictPublic(
        id=district.id,
        ak=ak_slug,
        name=district.name,
        code=district.code,
        prioritised=district.prioritised,
        plan_name=district.plan_name,
        active=district.active,
    )


@router.get("/districts")
def list_districts(
    session: SessionDep,
    _: CurrentUser,
    ak: OptionalAkSlug = None,
    include_retired: Annotated[bool, Query(description="Retired districts too")] = False,
) -> list[DistrictPublic]:
    the_ak = catalogue.get_ak_by_slug(session=session, slug=ak) if ak is not None else None
    slugs = catalogue.ak_slugs_by_id(session=session)
    return [
        district_public(d, slugs[d.ak_id])
        for d in catalogue.list_districts(
            session=session, ak=the_ak, include_retired=include_retired
        )
    ]
