"""Gallring: every table's retention period in ONE place, and the run that keeps them.

POLICY below is the table docs/PRIVACY.md copies; tests/ops/test_retention.py checks that every
table of the schema is in it. A run (`knacka retention`, or by itself inside the app once a day,
see `run_if_due`) does, in one transaction:

- final logs (30 days after received_at): opinions deleted (counts stay), times to the hour;
- after the season (a log's year plus SEASON_GRACE): the log and its per-volunteer daily counts
  move to the shared anonymous id (api/ops/erasure.py), counts merged, totals unchanged;
- volunteers inactive for `volunteer_inactive_days`: erased as an organiser would erase them;
- sessions, invites, ended assignments, failed sign-ins and audit entries past their period: purged;
- staff and organiser accounts without a sign-in for a year: listed for review (never erased).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col

from api.accounts import service as accounts
from api.core.config import Settings
from api.core.db import hold_write_lock
from api.core.sql import dialect_of
from api.core.stockholm import stockholm_today
from api.door_logs import opinions, plausibility
from api.door_logs.plausibility import minute_of
from api.door_logs.rollups import door_log
from api.models.accounts import AuditEvent, AuthSession, Invite, LoginFailure, Role, User
from api.models.door_logs import (
    Assignment,
    DoorRateMinute,
    QualityDay,
    QualityMinute,
    QualityResolution,
)
from api.models.push import PushReminder, PushSubscription
from api.models.shifts import Shift, ShiftSignup
from api.ops import erasure
from api.shifts import figures

# After a season (a calendar year) ends, this long for its reports before the volunteer link goes.
SEASON_GRACE = timedelta(days=90)
SESSION_AFTER_END = timedelta(days=30)
INVITE_AFTER_END = timedelta(days=30)
ASSIGNMENT_AFTER_END = timedelta(days=30)
LOGIN_FAILURE_KEPT = timedelta(days=1)
# A push reminder row is kept a day past the shift's start (the claims only matter before it).
PUSH_KEPT = timedelta(days=1)
STALE_STAFF_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class Rule:
    table: str
    kept: str  # for how long, in the words docs/PRIVACY.md uses
    then: str  # what gallring does


POLICY: tuple[Rule, ...] = (
    Rule(
        "door_log",
        "for good, as counts",
        "final after 30 days: times to the hour; after the "
        "season (year + 90 days): the volunteer link moves to the anonymous id",
    ),
    Rule("door_log_opinion", "until the log is final (30 days)", "deleted; counts stay"),
    Rule("door_count_day", "for good", "none: counts per district and day"),
    Rule("door_count_year", "for good", "none: counts per district and year"),
    Rule("door_count_user_day", "the season + 90 days", "merged into the anonymous id"),
    Rule("topic_count_day", "for good", "none: counts per district, day and topic"),
    Rule("tally", "for good, as counts", "its author moves to the anonymous id on erasure"),
    Rule(
        "user_account",
        "until erased (volunteers: a year without sign-in or log)",
        "volunteers erased; staff and organisers listed for review after a year",
    ),
    Rule("user_ak", "as the account", "deleted with the account"),
    Rule("auth_session", "until 30 days after expiry or revocation", "deleted"),
    Rule("invite", "until 30 days after expiry", "deleted"),
    Rule("assignment", "until 30 days after it ends", "deleted (and with the person)"),
    Rule("login_failure", "one day", "deleted"),
    Rule("totp_factor", "as the account", "deleted with the account"),
    Rule("recovery_code", "as the account", "deleted with the account"),
    Rule("audit_event", "KNACKA_RETENTION_AUDIT_DAYS (730)", "deleted"),
    Rule("ak", "for good", "none: the plan"),
    Rule("district", "for good", "none: the plan"),
    Rule("district_boundary", "for good", "none: the plan"),
    Rule("goal", "for good", "none: the plan"),
    Rule("topic", "for good", "none: the plan"),
    Rule("district_successor", "for good", "none: the plan (which district succeeded which)"),
    Rule(
        "door_rate_minute",
        "read only for the last 30 days",
        "rows older than 30 days deleted; a person's rows deleted on erasure",
    ),
    Rule(
        "quality_minute",
        "60 days (its flags: the last 30)",
        "rows older than 60 days deleted; a person's rows merged into the anonymous id on erasure",
    ),
    Rule(
        "quality_day",
        "60 days (its flags: the last 30)",
        "rows older than 60 days deleted; a person's rows merged into the anonymous id on erasure",
    ),
    Rule(
        "quality_resolution",
        "30 days after the decision (the flag's life); the audit log keeps the event",
        "deleted; deleted with the person the flag was about",
    ),
    Rule("campaign", "for good", "none: the plan"),
    Rule("campaign_ak", "for good", "none: the plan"),
    Rule("campaign_topic", "for good", "none: the plan"),
    Rule("campaign_option", "for good", "none: the plan"),
    Rule(
        "channel_log",
        "for good, as counts",
        "final after 30 days: times to the hour; its author moves to the anonymous id on erasure",
    ),
    Rule("channel_count_day", "for good", "none: counts per AK, channel and day"),
    Rule("channel_tally", "for good, as counts", "its author moves to the anonymous id on erasure"),
    Rule("campaign_count_week", "for good", "none: counts per campaign, district and week"),
    Rule("campaign_opinion_week", "for good", "none: counts per campaign, district, week, option"),
    Rule("member_register_change", "for good", "none: AK figures; its author moves on erasure"),
    Rule("alembic_version", "for good", "none: the schema's version"),
    Rule(
        "shift", "for good", "none: time, place and counters; its leader and author go on erasure"
    ),
    Rule(
        "shift_signup",
        "KNACKA_RETENTION_SHIFT_SIGNUP_DAYS (90) after the shift ends",
        "deleted (and with the person)",
    ),
    Rule("shift_count", "for good, as counts", "the person's move to the anonymous id on erasure"),
    Rule(
        "shift_month",
        "for good, as counts per AK and month (no person)",
        "none: written when the month closes, before its sign-ups are deleted",
    ),
    Rule("push_config", "for good", "none: the server's VAPID key and the lead times"),
    Rule(
        "push_subscription",
        "until logout, erasure, the push service's 404/410, or no live session of the person",
        "deleted (and with the person)",
    ),
    Rule("push_reminder", "a day after the shift starts", "deleted (and with the person)"),
)


def notice_periods(settings: Settings) -> list[dict[str, str]]:
    """The periods above in the words of the privacy notice (art. 13), for people to read.

    The phone's join notice and /admin's first-sign-in notice read these through
    GET /api/privacy/notice, so the notice cannot drift from what gallring does.
    """
    final = opinions.FINAL_AFTER.days
    grace = SEASON_GRACE.days
    return [
        {
            "what": "Ditt namn och ditt konto",
            "kept": "tills du eller din organisatör tar bort det; ett frivilligkonto tas bort av "
            f"sig självt efter {settings.retention_volunteer_inactive_days} dagar utan "
            "inloggning eller logg",
        },
        {
            "what": "Vilka valdistrikt du fått och i vilken arbetskrets du är",
            "kept": f"som kontot; en tilldelning tas bort {ASSIGNMENT_AFTER_END.days} dagar "
            "efter att den slutat",
        },
        {
            "what": "Inloggningar (en per telefon eller dator)",
            "kept": f"tills de går ut eller du loggar ut, sedan {SESSION_AFTER_END.days} dagar",
        },
        {
            "what": "Dina loggar (valdistrikt, utfall, tid)",
            "kept": f"efter {final} dagar görs tiden om till hel timme och ämnena finns bara "
            f"kvar som antal; {grace} dagar efter valårets slut kopplas loggarna bort från dig "
            "och finns bara kvar som siffror",
        },
        {
            "what": "Dina siffror per dag",
            "kept": f"året ut och {grace} dagar till, sedan bara i de gemensamma siffrorna",
        },
        {
            "what": "Granskning av orimliga loggar (flaggor och beslut om dem)",
            "kept": f"{plausibility.FLAG_DAYS.days} dagar, sedan finns bara loggen över vem som "
            "beslutade kvar",
        },
        {
            "what": "Logg över vem som läst eller ändrat uppgifter om personer",
            "kept": f"{settings.retention_audit_days} dagar",
        },
        {
            "what": "Misslyckade inloggningar",
            "kept": f"{LOGIN_FAILURE_KEPT.days} dag",
        },
        {
            "what": "Påminnelser om knackpass, om du slår på dem",
            "kept": "tills du stänger av dem eller loggar ut; de går via webbläsarens "
            "push-tjänst (Google, Apple, Mozilla eller Microsoft), som inte kan läsa dem",
        },
    ]


@dataclass
class RetentionReport:
    volunteer_ids: list[int]
    audit_entries: int
    dry_run: bool
    final_logs: int = 0
    season_logs: int = 0
    shift_months_kept: int = 0
    purged: dict[str, int] = field(default_factory=dict)
    stale_staff: list[int] = field(default_factory=list)

    def describe(self) -> str:
        verb = "would erase" if self.dry_run else "erased"
        purge = "would purge" if self.dry_run else "purged"
        text_ = (
            f"{verb} {len(self.volunteer_ids)} inactive volunteers, "
            f"{purge} {self.audit_entries} audit entries"
        )
        if not self.dry_run:
            text_ += f", {self.final_logs} logs made final, {self.season_logs} logs past the season"
            text_ += f", {self.shift_months_kept} knackpass months kept as counts"
        if self.stale_staff:
            ids = ", ".join(str(i) for i in self.stale_staff[:20])
            text_ += f"; no sign-in for a year (review): {ids}"
        return text_[:200]


def inactive_volunteers(*, session: Session, before: datetime) -> list[int]:
    """Ids of volunteers with no activity since `before` (creation, sign-in, a log received)."""
    last_log = (
        select(door_log.c.user_id, func.max(door_log.c.received_at).label("at"))
        .group_by(door_log.c.user_id)
        .subquery()
    )
    query = (
        select(col(User.id))
        .outerjoin(last_log, last_log.c.user_id == User.id)
        .where(col(User.role) == Role.volunteer.value)
        .where(col(User.erased_at).is_(None))
        .where(col(User.created_at) < before)
        .where(col(User.last_sign_in_at).is_(None) | (col(User.last_sign_in_at) < before))
        .where((last_log.c.at.is_(None)) | (last_log.c.at < before))
        .order_by(col(User.id))
    )
    return [int(i) for i in session.execute(query).scalars()]


def stale_staff(*, session: Session, before: datetime) -> list[int]:
    """Staff and organisers without a sign-in since `before`: listed for a person to review."""
    last = func.coalesce(col(User.last_sign_in_at), col(User.created_at))
    return [
        int(i)
        for i in session.execute(
            select(col(User.id))
            .where(col(User.role).in_([Role.staff.value, Role.organiser.value]))
            .where(col(User.erased_at).is_(None), last < before)
            .order_by(col(User.id))
        ).scalars()
    ]


def season_cutoff(now: datetime) -> date:
    """Logs counted before this day are past their season (year + SEASON_GRACE)."""
    return date(stockholm_today(now - SEASON_GRACE).year, 1, 1)


def _finalise_logs(*, session: Session, now: datetime) -> int:
    """Logs 30 days after receipt: opinions go (counts stay), both times to the hour."""
    opinions.drop_final(session=session, now=now)
    c = door_log.c
    if dialect_of(session) == "postgresql":

        def hour(column: str) -> str:
            return f"date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    else:  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC

        def hour(column: str) -> str:
            return f"substr({column}, 1, 13) || ':00:00.000000'"

    done = session.execute(
        update(door_log)
        .where(c.final.is_(False), c.received_at < now - opinions.FINAL_AFTER)
        .values(
            final=True,
            occurred_at=text(hour("occurred_at")),
            received_at=text(hour("received_at")),
        )
    )
    channel = SQLModel.metadata.tables["channel_log"]
    session.execute(
        update(channel)
        .where(channel.c.final.is_(False), channel.c.received_at < now - opinions.FINAL_AFTER)
        .values(
            final=True,
            occurred_at=text(hour("occurred_at")),
            received_at=text(hour("received_at")),
        )
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def run_retention(
    *,
    session: Session,
    now: datetime,
    volunteer_inactive_days: int,
    audit_days: int,
    dry_run: bool,
    secret_key: str = "",
    shift_signup_days: int = 90,
) -> RetentionReport:
    """Everything POLICY says, in the caller's transaction (0 days: that part is off)."""
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
    report = RetentionReport(
        volunteer_ids=volunteers,
        audit_entries=purged,
        dry_run=dry_run,
        stale_staff=stale_staff(session=session, before=now - STALE_STAFF_AFTER),
    )
    if dry_run:
        return report
    hold_write_lock(session.connection())
    for user_id in volunteers:
        user = session.get(User, user_id)
        assert user is not None
        anonymous = erasure.erase_person(session=session, user=user, now=now, secret_key=secret_key)
        accounts.audit(
            session=session,
            actor_id=None,
            action="user.erase.retention",
            target_user_id=anonymous,
            detail=f"a volunteer inactive over {volunteer_inactive_days} days",
        )
    report.final_logs = _finalise_logs(session=session, now=now)
    report.season_logs = erasure.end_season_links(
        session=session, before=season_cutoff(now), now=now
    )
    # A month's knackpass figures are kept as counts before its sign-ups can go.
    if shift_signup_days > 0:
        report.shift_months_kept = figures.freeze_closed_months(
            session=session, now=now, signup_days=shift_signup_days
        )
    today = stockholm_today(now)
    for name, statement in (
        (
            "auth_session",
            delete(AuthSession).where(
                (col(AuthSession.expires_at) < now - SESSION_AFTER_END)
                | (col(AuthSession.revoked_at) < now - SESSION_AFTER_END)
            ),
        ),
        ("invite", delete(Invite).where(col(Invite.expires_at) < now - INVITE_AFTER_END)),
        (
            "assignment",
            delete(Assignment).where(col(Assignment.ends_on) < today - ASSIGNMENT_AFTER_END),
        ),
        (
            "shift_signup",
            delete(ShiftSignup).where(
                col(ShiftSignup.shift_id).in_(
                    select(col(Shift.id)).where(
                        col(Shift.ends_at) < now - timedelta(days=shift_signup_days)
                    )
                )
            ),
        ),
        # The rate rule reads only the last 30 days (older app logs are refused as too_old).
        (
            "door_rate_minute",
            delete(DoorRateMinute).where(
                col(DoorRateMinute.minute) < minute_of(now - plausibility.MAX_AGE)
            ),
        ),
        # Push: what a person was owed matters until the shift; a browser whose person has no
        # live session left is not theirs to reach any more.
        (
            "push_reminder",
            delete(PushReminder).where(col(PushReminder.starts_at) < now - PUSH_KEPT),
        ),
        (
            "push_subscription",
            delete(PushSubscription).where(
                col(PushSubscription.user_id).not_in(
                    select(col(AuthSession.user_id)).where(
                        col(AuthSession.revoked_at).is_(None), col(AuthSession.expires_at) > now
                    )
                )
            ),
        ),
        # A log of a minute 60 days back was received at least 30 days ago (older ones are
        # refused as too_old): final, never voided again, so its counts are never needed.
        (
            "quality_minute",
            delete(QualityMinute).where(
                col(QualityMinute.minute) < minute_of(now - 2 * plausibility.FLAG_DAYS)
            ),
        ),
        (
            "quality_day",
            delete(QualityDay).where(
                col(QualityDay.day) < stockholm_today(now) - 2 * plausibility.FLAG_DAYS
            ),
        ),
        # A decision outlives its flag only as the audit entry that recorded it.
        (
            "quality_resolution",
            delete(QualityResolution).where(
                col(QualityResolution.decided_at) < now - plausibility.FLAG_DAYS
            ),
        ),
        # Failed sign-ins (with the IP address) matter for minutes; a day is far beyond any window.
        (
            "login_failure",
            delete(LoginFailure).where(col(LoginFailure.at) < now - LOGIN_FAILURE_KEPT),
        ),
    ):
        report.purged[name] = int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    if audit_days > 0:
        session.execute(delete(AuditEvent).where(old_audit))
    # The run itself is audited after the purge, so its own entry stays (and marks the run).
    accounts.audit(session=session, actor_id=None, action="retention", detail=report.describe())
    return report


RUN_ACTION = "retention"

# Any fixed number: PostgreSQL's advisory lock that lets one process run the day's gallring.
_ADVISORY_KEY = 22_0001


def run_if_due(*, engine: Engine, settings: Settings, now: datetime) -> RetentionReport | None:
    """Gallring by itself: runs when the last run is older than the interval, in ONE process.

    PostgreSQL: a transaction-level advisory lock taken without waiting, so of several API
    processes one runs and the others skip; the last run's audit entry (read under the lock)
    says whether it is due. SQLite has a single process, whose write lock serialises it.
    """
    interval = timedelta(seconds=settings.retention_interval_seconds)
    with Session(engine) as session:
        if dialect_of(session) == "postgresql":
            got = session.execute(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY}
            )
            if not got.scalar_one():
                return None
        else:
            hold_write_lock(session.connection())
        last = session.execute(
            select(func.max(col(AuditEvent.at))).where(col(AuditEvent.action) == RUN_ACTION)
        ).scalar_one()
        if last is not None and now - last < interval:
            return None
        report = run_retention(
            session=session,
            now=now,
            volunteer_inactive_days=settings.retention_volunteer_inactive_days,
            audit_days=settings.retention_audit_days,
            dry_run=False,
            secret_key=settings.secret_key,
            shift_signup_days=settings.retention_shift_signup_days,
        )
        session.commit()
        return report
