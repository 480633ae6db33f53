"""Keyword-only queries and writes; routes call these and commit once per request."""

from sqlmodel import Session, col, select

from api.core.errors import not_found
from api.models.plan import Ak, District, Goal

# --- AKs, districts, goals -------------------------------------------------------------


def list_aks(*, session: Session) -> list[Ak]:
    return list(session.exec(select(Ak).order_by(Ak.name)).all())


def get_ak_by_slug(*, session: Session, slug: str) -> Ak:
    ak = session.exec(select(Ak).where(Ak.slug == slug)).first()
    if ak is None:
        raise not_found("ak_not_found", f"No AK with slug {slug!r}")
    return ak


def ak_slugs_by_id(*, session: Session) -> dict[int, str]:
    return {a.id: a.slug for a in session.exec(select(Ak)).all() if a.id is not None}


def list_districts(
    *, session: Session, ak: Ak | None = None, include_retired: bool = False
) -> list[District]:
    query = select(District)
    if ak is not None:
        query = query.where(District.ak_id == ak.id)
    if not include_retired:
        query = query.where(col(District.active).is_(True))
    return list(session.exec(query.order_by(col(District.prioritised).desc(), District.code)).all())


def list_goals(*, session: Session, year: int) -> list[tuple[Goal, Ak]]:
    rows = session.exec(
        select(Goal, Ak).join(Ak, col(Goal.ak_id) == col(Ak.id)).where(Goal.year == year)
    ).all()
    if not rows:
        raise not_found("goals_not_found", f"No goals for the year {year}")
    return sorted(rows, key=lambda r: r[1].name)
