"""Gallring: erase volunteers who have been inactive too long, purge old audit entries.

A volunteer's activity is the latest of: the account's creation, a sign-in (a session made by
redeeming an invite or signing in) and a door log the server received from them. Erasure is
the same as an organiser's (accounts.erase_user): name and sessions go, the logs stay as
anonymous counts, so every total is unchanged.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from api.accounts import service as accounts
from api.models.accounts import AuditEvent, AuthSession, LoginFailure, Role, User
from api.models.door_logs import DoorLog


@dataclass
class RetentionReport:
    volunteer_ids: list[int]
    audit_entries: int
    dry_run: bool

    def describe(self) -> str:
        verb = "would erase" if self.dry_run else "erased"
        purge = "would purge" if self.dry_run else "purged"
        return (
            f"{verb} {len(self.volunteer_ids)} inactive volunteers, "
            f"{purge} {self.audit_entries} audit entries"
        )


def inactive_volunteers(*, session: Session, before: datetime) -> list[int]:
    """Ids of volunteers (not yet erased) with no activity since `before`."""
    last_session = (
        select(col(AuthSession.user_id), func.max(AuthSession.created_at).label("at"))
        .group_by(col(AuthSession.user_id))
        .subquery()
    )
    last_log = (
        select(col(DoorLog.user_id), func.max(DoorLog.received_at).label("at"))
        .group_by(col(DoorLog.user_id))
        .subquery()
    )
    query = (
        select(col(User.id))
        .outerjoin(last_session, last_session.c.user_id == User.id)
        .outerjoin(last_log, last_log.c.user_id == User.id)
        .where(col(User.role) == Role.volunteer.value)
        .where(col(User.erased_at).is_(None))
        .where(col(User.created_at) < before)
        .where((last_session.c.at.is_(None)) | (last_session.c.at < before))
        .where((last_log.c.at.is_(None)) | (last_log.c.at < before))
        .order_by(col(User.id))
    )
    return [int(i) for i in session.execute(query).scalars()]


def run_retention(
    *,
    session: Session,
    now: datetime,
    volunteer_inactive_days: int,
    audit_days: int,
    dry_run: bool,
) -> RetentionReport:
    """Erases and purges what the settings say (0 days: that part is off); audits the run."""
    volunteers: list[int] = []
    if volunteer_inactive_days > 0:
        volunteers = inactive_volunteers(
            session=session, before=now - timedelta(days=volunteer_inactive_days)
        )
    old_audit = col(AuditEvent.at) < now - timedelta(days=audit_days)
    purged = 0
    if audit_days > 0:
        purged = int(
            session.execute(
                select(func.count()).select_from(AuditEvent).where(old_audit)
            ).scalar_one()
        )
    report = RetentionReport(volunteer_ids=volunteers, audit_entries=purged, dry_run=dry_run)
    if dry_run:
        return report
    for user_id in volunteers:
        user = session.get(User, user_id)
        assert user is not None
        accounts.erase_user(session=session, user=user, now=now)
        accounts.audit(
            session=session,
            actor_id=None,
            action="user.erase.retention",
            target_user_id=user_id,
            detail=f"inactive over {volunteer_inactive_days} days",
        )
    if audit_days > 0:
        session.execute(delete(AuditEvent).where(old_audit))
    # Failed sign-ins (with the IP address) matter for minutes; a day is far beyond any window.
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < now - timedelta(days=1)))
    # The run itself is audited after the purge, so its own entry stays.
    accounts.audit(session=session, actor_id=None, action="retention", detail=report.describe())
    return report
