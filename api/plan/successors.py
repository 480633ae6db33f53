"""Successors after a re-districting: a retired prioritised district lives on in new ones.

A district import retires the districts that vanished from Valmyndigheten's file. For each
prioritised one, staff see the new districts that cover its area (largest overlap first; more
than one where it was split, like Alafors) and confirm one or several. Confirming makes the
successors prioritised and moves the current assignments; the retired district keeps its logs
and rollups, so earlier years still count on it, and the link is kept for reports and maps.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.errors import Conflict, Invalid, not_found
from api.models.door_logs import Assignment
from api.models.plan import District, DistrictBoundary, DistrictSuccessor
from api.plan.district_import import sweref_outline

# A new district covering less than this share of the old one's area is a sliver along a
# redrawn line (simplification, small corrections), not a part of a split.
MIN_SHARE = 0.05

MAX_SUCCESSORS = 10


@dataclass(frozen=True)
class Suggestion:
    district: District
    share: float  # of the retired district's area


@dataclass(frozen=True)
class Pending:
    district: District
    suggestions: list[Suggestion]


def suggestions(*, session: Session, retired: District) -> list[Suggestion]:
    """Active districts of the same AK covering part of the retired one, largest share first."""
    stored = session.get(DistrictBoundary, retired.id)
    if stored is None:
        return []
    old = sweref_outline(stored.geojson)
    if old.area <= 0:
        return []
    rows = session.exec(
        select(District, DistrictBoundary)
        .join(DistrictBoundary, col(DistrictBoundary.district_id) == col(District.id))
        .where(District.ak_id == retired.ak_id, col(District.active).is_(True))
        .where(
            DistrictBoundary.max_lon >= stored.min_lon, DistrictBoundary.min_lon <= stored.max_lon
        )
        .where(
            DistrictBoundary.max_lat >= stored.min_lat, DistrictBoundary.min_lat <= stored.max_lat
        )
    ).all()
    found = []
    for district, boundary in rows:
        share = sweref_outline(boundary.geojson).intersection(old).area / old.area
        if share >= MIN_SHARE:
            found.append(Suggestion(district, round(share, 3)))
    return sorted(found, key=lambda s: (-s.share, s.district.code))


def pending(*, session: Session) -> list[Pending]:
    """Retired prioritised districts that have no confirmed successor yet."""
    succeeded = select(DistrictSuccessor.retired_id)
    retired = session.exec(
        select(District)
        .where(col(District.active).is_(False), col(District.prioritised).is_(True))
        .where(col(District.id).not_in(succeeded))
        .order_by(District.code)
    ).all()
    return [Pending(d, suggestions(session=session, retired=d)) for d in retired]


def successors_of(*, session: Session, district_ids: list[int]) -> dict[int, list[District]]:
    """Confirmed successors per retired district id."""
    out: dict[int, list[District]] = {}
    if not district_ids:
        return out
    rows = session.exec(
        select(DistrictSuccessor.retired_id, District)
        .join(District, col(District.id) == col(DistrictSuccessor.successor_id))
        .where(col(DistrictSuccessor.retired_id).in_(district_ids))
        .order_by(District.code)
    ).all()
    for retired_id, district in rows:
        out.setdefault(retired_id, []).append(district)
    return out


def links(*, session: Session, ak_id: int) -> list[tuple[int, int]]:
    """(retired id, successor id) pairs of an AK's districts."""
    rows = session.exec(
        select(DistrictSuccessor.retired_id, DistrictSuccessor.successor_id)
        .join(District, col(District.id) == col(DistrictSuccessor.retired_id))
        .where(District.ak_id == ak_id)
    ).all()
    return [(int(r), int(s)) for r, s in rows]


@dataclass(frozen=True)
class Confirmed:
    retired: District
    successors: list[District]
    assignments_moved: int


def confirm(
    *, session: Session, retired_id: int, successor_ids: list[int], actor_id: int, today: date
) -> Confirmed:
    """One action: successors prioritised, current assignments moved, the link kept.

    Does not commit. The retired district stays prioritised: its earlier years were.
    """
    retired = session.get(District, retired_id)
    if retired is None:
        raise not_found("district_not_found", "Valdistriktet finns inte.")
    if retired.active:
        raise Invalid(
            "district_active", "Valdistriktet är inte avvecklat och behöver ingen ersättare."
        )
    if not retired.prioritised:
        raise Invalid("district_not_prioritised", "Bara prioriterade distrikt får ersättare.")
    done = session.exec(
        select(DistrictSuccessor).where(DistrictSuccessor.retired_id == retired_id)
    ).first()
    if done is not None:
        raise Conflict("successor_confirmed", "Ersättaren är redan bekräftad.")
    ids = list(dict.fromkeys(successor_ids))
    if not ids or len(ids) > MAX_SUCCESSORS:
        raise Invalid("successors_count", f"Välj mellan 1 och {MAX_SUCCESSORS} ersättare.")
    successors = []
    for successor_id in ids:
        successor = session.get(District, successor_id)
        if successor is None or successor.ak_id != retired.ak_id or not successor.active:
            raise Invalid(
                "successor_invalid",
                "En ersättare måste vara ett aktivt valdistrikt i samma arbetarekommun.",
            )
        successors.append(successor)

    now = utcnow()
    for successor in successors:
        successor.prioritised = True
        if not successor.plan_name and retired.plan_name:
            successor.plan_name = retired.plan_name
        successor.updated_at = now
        session.add(successor)
        assert successor.id is not None
        session.add(
            DistrictSuccessor(
                retired_id=retired_id,
                successor_id=successor.id,
                confirmed_by=actor_id,
                confirmed_at=now,
            )
        )

    # Assignments that have not ended follow the district: to the first successor, and a copy
    # for each further one (a split); ended ones stay where the work was done.
    current = session.exec(
        select(Assignment).where(
            Assignment.district_id == retired_id,
            (col(Assignment.ends_on).is_(None)) | (col(Assignment.ends_on) >= today),
        )
    ).all()
    first, *others = successors
    for assignment in current:
        assert first.id is not None
        assignment.district_id = first.id
        session.add(assignment)
        for other in others:
            assert other.id is not None
            session.add(
                Assignment(
                    district_id=other.id,
                    user_id=assignment.user_id,
                    starts_on=assignment.starts_on,
                    ends_on=assignment.ends_on,
                    created_by=actor_id,
                )
            )
    session.flush()
    return Confirmed(retired, successors, len(current))
