"""The one policy table: every route of the app and the status each kind of caller gets.

Keyed by (method, path) exactly as the route is declared. tests/accounts/test_authz.py fails when a
route has no entry here (or an entry has no route). Add your routes' entries when you add routes.

Roles, and the objects their requests aim at:
- anonymous: no token
- volunteer: a volunteer of the own AK ("ale")
- organiser_own: an organiser of "ale", the AK every target object belongs to
- organiser_foreign: an organiser of "lerum" only: every target object is foreign to them
- staff: district staff

Placeholders in path, query and body are filled per request from fresh objects of "ale":
{user_id} (a volunteer, or an organiser with target="organiser"), {invite_id}, {invite_code},
{district_id}, {unique} (a fresh hex string), {recent} (now, ISO). Entries may add more
with `prepare`.

Cross-AK ids in bodies: `cross_ak` lists bodies that mix the route's own-AK object with an id
of ANOTHER AK ({foreign_user_id}: a volunteer of Lerum, {foreign_district_id}: a Lerum
district), sent by organiser_own (who organises Ale only). Each names the status, and the code
(or, for sync, the item's code) that must come back: exactly what a missing id gets. Every
route whose body carries an id (a key ending in `_id`) and that is open to organisers must
list them (tests/accounts/test_authz.py fails otherwise).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "volunteer", "organiser_own", "organiser_foreign", "staff")
OWN_AK = "ale"
FOREIGN_AK = "lerum"


@dataclass(frozen=True)
class CrossAk:
    body: dict[str, Any]
    status: int
    code: str
    # Sync answers 200 and refuses per item: the first item's code is checked instead.
    item_code: bool = False


@dataclass(frozen=True)
class Policy:
    expect: dict[str, int]
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    # Whom {user_id} names: "volunteer" (of the own AK) or "organiser" (of the own AK).
    target: str = "volunteer"
    # Extra placeholders: prepare(context) -> {name: value}; context has .db and .people.
    prepare: Callable[[Any], dict[str, Any]] | None = None
    cross_ak: tuple[CrossAk, ...] = ()


def statuses(
    anonymous: int, volunteer: int, organiser_own: int, organiser_foreign: int, staff: int
) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "volunteer": volunteer,
        "organiser_own": organiser_own,
        "organiser_foreign": organiser_foreign,
        "staff": staff,
    }


def everyone(status: int = 200) -> dict[str, int]:
    return statuses(status, status, status, status, status)


def signed_in(status: int = 200) -> dict[str, int]:
    return statuses(401, status, status, status, status)


def organisers_of_the_ak(status: int = 200) -> dict[str, int]:
    """?ak= routes: a foreign organiser is told no (the AK itself is no secret)."""
    return statuses(401, 403, status, 403, status)


def managers_of_the_object(status: int = 200) -> dict[str, int]:
    """Object routes: a foreign object answers 404, as if it did not exist."""
    return statuses(401, 403, status, 404, status)


def managers_reaching(status: int = 200) -> dict[str, int]:
    """An id (path or body) of another AK's object: 404, exactly as for a missing one."""
    return statuses(401, 403, status, 404, status)


def staff_only(status: int = 200) -> dict[str, int]:
    return statuses(401, 403, 403, 403, status)


def password_accounts(status: int) -> dict[str, int]:
    return statuses(401, 403, status, status, status)


POLICY: dict[tuple[str, str], Policy] = {
    # Framework and PWA files: public.
    ("GET", "/openapi.json"): Policy(everyone()),
    ("GET", "/docs"): Policy(everyone()),
    ("GET", "/docs/oauth2-redirect"): Policy(everyone()),
    # Operational: no people's data, scraped by Prometheus (restrict it at the proxy).
    ("GET", "/metrics"): Policy(everyone()),
    ("GET", "/redoc"): Policy(everyone()),
    ("GET", "/sw.js"): Policy(everyone()),
    ("GET", "/favicon.ico"): Policy(everyone()),
    ("GET", "/{path:path}"): Policy(everyone()),
    # Foundation.
    ("GET", "/api/health"): Policy(everyone()),
    ("GET", "/api/aks"): Policy(signed_in()),
    ("GET", "/api/districts"): Policy(signed_in(), query={"ak": OWN_AK}),
    # Boundaries are public facts (Valmyndigheten): every signed-in user may read them.
    ("GET", "/api/districts/geometry"): Policy(signed_in(), query={"ak": OWN_AK}),
    # No outline imported for the target in this test: 404 once past the access check.
    ("GET", "/api/districts/{district_id}/geometry"): Policy(signed_in(404)),
    ("GET", "/api/maps/config"): Policy(signed_in()),
    ("GET", "/api/goals"): Policy(signed_in(), query={"year": 2026}),
    # Sign-in: a wrong password is 401 for everyone; redeem is open to anyone with a code.
    ("POST", "/api/auth/login"): Policy(
        everyone(401), body={"email": "{unique}@example.se", "password": "fel-losen"}
    ),
    ("POST", "/api/auth/redeem"): Policy(everyone(), body={"code": "{invite_code}", "name": "Ny"}),
    ("POST", "/api/auth/logout"): Policy(signed_in(204)),
    ("POST", "/api/auth/sessions/revoke"): Policy(signed_in(204)),
    ("GET", "/api/me"): Policy(signed_in()),
    # TOTP: only accounts with a password; 409 = allowed, but nothing to verify or renew.
    # Changing one's password: accounts with one; the wrong current password here is a 401.
    ("POST", "/api/auth/password"): Policy(
        statuses(401, 403, 401, 401, 401),
        body={"current_password": "fel-losen-1", "new_password": "ett helt nytt lösenord"},
    ),
    ("POST", "/api/auth/totp"): Policy(password_accounts(201)),
    ("POST", "/api/auth/totp/verify"): Policy(password_accounts(409), body={"code": "000000"}),
    ("POST", "/api/auth/totp/recovery-codes"): Policy(password_accounts(409)),
    # Invites.
    ("POST", "/api/invites"): Policy(organisers_of_the_ak(201), body={"ak": OWN_AK}),
    ("GET", "/api/invites"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("GET", "/api/invites/{invite_id}/link"): Policy(managers_of_the_object()),
    ("DELETE", "/api/invites/{invite_id}"): Policy(managers_of_the_object(204)),
    # People.
    ("GET", "/api/users"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("POST", "/api/users"): Policy(
        staff_only(201),
        body={
            "email": "{unique}@example.se",
            "password": "ett-bra-losen",
            "name": "Ny Organisatör",
            "role": "organiser",
            "aks": [OWN_AK],
        },
    ),
    ("GET", "/api/users/{user_id}"): Policy(managers_of_the_object()),
    ("PATCH", "/api/users/{user_id}"): Policy(managers_of_the_object(), body={"name": "Nytt"}),
    ("PUT", "/api/users/{user_id}/aks"): Policy(
        staff_only(), body={"aks": [OWN_AK]}, target="organiser"
    ),
    ("POST", "/api/users/{user_id}/erase"): Policy(managers_of_the_object()),
    ("POST", "/api/users/{user_id}/sessions/revoke"): Policy(managers_of_the_object(204)),
    ("GET", "/api/audit"): Policy(staff_only()),
    ("GET", "/api/staff"): Policy(staff_only()),
    # Privacy (issue 22): the notice's periods are public (shown before anyone joins);
    # acknowledging it is the caller's own; the art. 15 extract is for staff only.
    ("GET", "/api/privacy/notice"): Policy(everyone()),
    ("POST", "/api/me/notice"): Policy(signed_in(204)),
    ("GET", "/api/users/{user_id}/extract"): Policy(staff_only()),
    # Door logs. Sync answers 200 for everyone signed in; access is decided per item
    # (tests/routes/test_sync.py shows a foreign district's item `rejected`).
    ("POST", "/api/sync"): Policy(
        signed_in(),
        body={
            "logs": [
                {
                    "id": "{log_uuid}",
                    "district_id": "{district_id}",
                    "occurred_at": "{recent}",
                    "outcome": "not_home",
                }
            ]
        },
        prepare=lambda ctx: {"log_uuid": str(uuid.uuid4())},
        cross_ak=(
            CrossAk(
                {
                    "logs": [
                        {
                            "id": "{log_uuid}",
                            "district_id": "{foreign_district_id}",
                            "occurred_at": "{recent}",
                            "outcome": "not_home",
                        }
                    ]
                },
                200,
                "district_not_allowed",
                item_code=True,
            ),
        ),
    ),
    # The target volunteer wrote the log: for another volunteer or a foreign organiser it is
    # as if it did not exist (404).
    ("POST", "/api/logs/{log_id}/void"): Policy(
        statuses(401, 404, 200, 404, 200), prepare=lambda ctx: _a_log(ctx)
    ),
    # Bulk void of a volunteer's logs: the volunteer is the path object (404 when foreign).
    ("POST", "/api/users/{user_id}/logs/void"): Policy(
        managers_of_the_object(),
        body={"starts_at": "{hour_ago}", "ends_at": "{recent}"},
        prepare=lambda ctx: {"hour_ago": _hours_ago(1)},
    ),
    ("GET", "/api/logs/skewed"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("GET", "/api/me/today"): Policy(signed_in()),
    # Data-quality review: the AK's organisers and staff only; never a volunteer.
    ("GET", "/api/quality"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("POST", "/api/quality/flags/{key}/keep"): Policy(
        organisers_of_the_ak(), query={"ak": OWN_AK}, prepare=lambda ctx: _a_flag(ctx)
    ),
    ("POST", "/api/quality/flags/{key}/void"): Policy(
        organisers_of_the_ak(), query={"ak": OWN_AK}, prepare=lambda ctx: _a_flag(ctx)
    ),
    # Assignments: the AK is the district's; a foreign organiser is told no.
    ("POST", "/api/assignments"): Policy(
        managers_reaching(201),
        body={"district_id": "{district_id}", "user_id": "{user_id}"},
        cross_ak=(
            CrossAk(
                {"district_id": "{district_id}", "user_id": "{foreign_user_id}"},
                404,
                "user_not_found",
            ),
            CrossAk(
                {"district_id": "{district_id}", "user_id": "{staff_id}"}, 404, "user_not_found"
            ),
            CrossAk(
                {"district_id": "{foreign_district_id}", "user_id": "{user_id}"},
                404,
                "district_not_found",
            ),
        ),
    ),
    ("DELETE", "/api/assignments/{assignment_id}"): Policy(
        managers_reaching(204), prepare=lambda ctx: _an_assignment(ctx)
    ),
    ("GET", "/api/assignments"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("GET", "/api/assignments/mine"): Policy(signed_in()),
    # Paper tallies.
    ("POST", "/api/tallies"): Policy(
        managers_reaching(201),
        body={"district_id": "{district_id}", "date": "2026-03-14", "conversation": 3},
        cross_ak=(
            CrossAk(
                {"district_id": "{foreign_district_id}", "date": "2026-03-14", "conversation": 3},
                404,
                "district_not_found",
            ),
            # A shift of another AK answers as one that does not exist.
            CrossAk(
                {
                    "district_id": "{district_id}",
                    "date": "2026-03-14",
                    "conversation": 3,
                    "shift_id": "{foreign_shift_id}",
                },
                422,
                "unknown_shift",
            ),
        ),
        prepare=lambda ctx: _a_foreign_shift(ctx),
    ),
    ("GET", "/api/tallies"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK, "year": 2026}),
    ("POST", "/api/tallies/{tally_id}/void"): Policy(
        managers_reaching(), prepare=lambda ctx: _a_tally(ctx)
    ),
    # Paper tallies of workplace visits and stalls: an AK and a date; a campaign of another
    # AK is refused as a missing one is (the campaign rule's own code).
    ("POST", "/api/channel-tallies"): Policy(
        managers_reaching(201),
        body={
            "ak": OWN_AK,
            "channel": "workplace",
            "date": "2026-05-14",
            "conversation": 3,
            "campaign_id": "{campaign_id}",
        },
        prepare=lambda ctx: {
            "campaign_id": _campaign(ctx),
            "foreign_campaign_id": _campaign(ctx, FOREIGN_AK),
        },
        cross_ak=(
            CrossAk(
                {
                    "ak": OWN_AK,
                    "channel": "stall",
                    "date": "2026-05-14",
                    "conversation": 3,
                    "campaign_id": "{foreign_campaign_id}",
                },
                422,
                "campaign_not_applicable",
            ),
        ),
    ),
    ("GET", "/api/channel-tallies"): Policy(
        organisers_of_the_ak(), query={"ak": OWN_AK, "year": 2026}
    ),
    ("POST", "/api/channel-tallies/{tally_id}/void"): Policy(
        managers_reaching(), prepare=lambda ctx: _a_channel_tally(ctx)
    ),
    # Knackpass: the AK's members see its shifts; another AK's shift is 404, as if absent.
    ("POST", "/api/shifts"): Policy(
        organisers_of_the_ak(201),
        body={
            "ak": OWN_AK,
            "starts_at": "2026-12-05T10:00:00+01:00",
            "ends_at": "2026-12-05T13:00:00+01:00",
            "meeting_point": "Ale torg",
            "district_ids": ["{district_id}"],
        },
    ),
    ("GET", "/api/shifts"): Policy(statuses(401, 200, 200, 403, 200), query={"ak": OWN_AK}),
    ("GET", "/api/shifts/mine"): Policy(signed_in()),
    ("GET", "/api/shifts/{shift_id}"): Policy(
        statuses(401, 200, 200, 404, 200), prepare=lambda ctx: _a_shift(ctx)
    ),
    # Moving or editing: organisers of the AK and staff; another AK's volunteer as leader is
    # refused as one who does not exist.
    ("PATCH", "/api/shifts/{shift_id}"): Policy(
        statuses(401, 403, 200, 404, 200),
        body={"capacity": 5, "leader_id": "{user_id}"},
        prepare=lambda ctx: _a_shift(ctx),
        cross_ak=(CrossAk({"leader_id": "{foreign_user_id}"}, 400, "unknown_leader"),),
    ),
    # Retention figures (counts) and "har inte varit ute på länge" (names): the AK's organisers.
    ("GET", "/api/shifts/retention"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("GET", "/api/shifts/inactive"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    # The sign-up link is public like an invite: its page shows no names; whoever holds it and
    # is signed in may sign up ("Jag kommer").
    ("GET", "/api/shifts/link/{code}"): Policy(everyone(), prepare=lambda ctx: _a_shift(ctx)),
    ("POST", "/api/shifts/link/{code}/signup"): Policy(
        signed_in(), prepare=lambda ctx: _a_shift(ctx)
    ),
    ("DELETE", "/api/shifts/{shift_id}"): Policy(
        statuses(401, 403, 204, 404, 204), prepare=lambda ctx: _a_shift(ctx)
    ),
    ("POST", "/api/shifts/{shift_id}/signup"): Policy(
        statuses(401, 200, 200, 404, 200), prepare=lambda ctx: _a_shift(ctx)
    ),
    ("DELETE", "/api/shifts/{shift_id}/signup"): Policy(
        statuses(401, 204, 204, 404, 204), prepare=lambda ctx: _a_shift(ctx)
    ),
    ("GET", "/api/shifts/{shift_id}/summary"): Policy(
        statuses(401, 200, 200, 404, 200), prepare=lambda ctx: _a_shift(ctx)
    ),
    ("GET", "/api/shifts/{shift_id}/calendar.ics"): Policy(
        statuses(401, 200, 200, 404, 200), prepare=lambda ctx: _a_shift(ctx)
    ),
    # Check-in: the shift's leader, the AK's organisers and staff; not another volunteer.
    ("POST", "/api/shifts/{shift_id}/checkins"): Policy(
        statuses(401, 403, 200, 404, 200),
        body={"user_id": "{user_id}"},
        prepare=lambda ctx: _a_shift(ctx),
        # Another AK's volunteer is not signed up: exactly what a missing person gets.
        cross_ak=(CrossAk({"user_id": "{foreign_user_id}"}, 404, "signup_not_found"),),
    ),
    # Web Push: the public key is public; each person (un)subscribes their own browsers only;
    # staff set the reminder lead times.
    ("GET", "/api/push/key"): Policy(everyone()),
    ("POST", "/api/push/subscriptions"): Policy(
        signed_in(201),
        body={
            "endpoint": "http://127.0.0.1:9/push/{unique}",
            "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
        },
    ),
    ("DELETE", "/api/push/subscriptions"): Policy(signed_in(204)),
    ("PUT", "/api/push/lead-times"): Policy(staff_only(), body={"lead_minutes": [1440, 60]}),
    # Topics: everyone reads the active list; staff edit it.
    ("GET", "/api/topics"): Policy(signed_in()),
    ("GET", "/api/topics/all"): Policy(staff_only()),
    ("POST", "/api/topics"): Policy(
        staff_only(201), body={"slug": "t{unique}", "label": "Kollektivtrafik {unique}"}
    ),
    ("PATCH", "/api/topics/{slug}"): Policy(
        staff_only(), body={"label": "Vården"}, prepare=lambda ctx: {"slug": "sjukvard"}
    ),
    # Totals per AK are for every signed-in user; finer views for the AK's organisers and staff.
    ("GET", "/api/totals"): Policy(signed_in(), query={"year": 2026}),
    ("GET", "/api/totals/pace"): Policy(signed_in(), query={"year": 2026}),
    ("GET", "/api/totals/stream"): Policy(signed_in(), query={"year": 2026}),
    ("GET", "/api/totals/districts"): Policy(
        organisers_of_the_ak(), query={"year": 2026, "ak": OWN_AK}
    ),
    ("GET", "/api/totals/where-to-knock"): Policy(
        organisers_of_the_ak(), query={"year": 2026, "ak": OWN_AK}
    ),
    ("GET", "/api/totals/weeks"): Policy(
        organisers_of_the_ak(), query={"year": 2026, "ak": OWN_AK}
    ),
    ("GET", "/api/totals/volunteers"): Policy(
        organisers_of_the_ak(), query={"year": 2026, "ak": OWN_AK}
    ),
    ("GET", "/api/totals/topics"): Policy(
        organisers_of_the_ak(), query={"year": 2026, "ak": OWN_AK}
    ),
    # A district's progress: the AK's own people and staff (a foreign organiser: no).
    ("GET", "/api/districts/progress"): Policy(
        statuses(401, 200, 200, 403, 200), query={"ak": OWN_AK}
    ),
    ("GET", "/api/member-register"): Policy(signed_in(), query={"year": 2026}),
    ("POST", "/api/member-register"): Policy(
        staff_only(201), body={"ak": OWN_AK, "date": "2026-06-30", "net_change": 4}
    ),
    # Campaigns: staff create and edit; every signed-in user reads those for their AK.
    ("POST", "/api/campaigns"): Policy(
        staff_only(201),
        body={"name": "Vårkampanj", "starts_on": "2026-03-01", "ends_on": "2026-04-30"},
    ),
    ("GET", "/api/campaigns"): Policy(signed_in()),
    # A campaign of the own AK only: another AK's answers 404, as if it did not exist.
    ("GET", "/api/campaigns/{campaign_id}"): Policy(
        statuses(401, 200, 200, 404, 200), prepare=lambda ctx: {"campaign_id": _campaign(ctx)}
    ),
    ("PUT", "/api/campaigns/{campaign_id}"): Policy(
        staff_only(),
        body={"name": "Hösten", "starts_on": "2026-09-01", "ends_on": "2026-09-30"},
        prepare=lambda ctx: {"campaign_id": _campaign(ctx)},
    ),
    ("GET", "/api/campaigns/{campaign_id}/totals"): Policy(
        statuses(401, 200, 200, 404, 200), prepare=lambda ctx: {"campaign_id": _campaign(ctx)}
    ),
    # Insights of an AK: its organisers and staff (the distrikt as a whole: staff only).
    ("GET", "/api/campaigns/{campaign_id}/insights"): Policy(
        statuses(401, 403, 200, 403, 200),
        query={"ak": OWN_AK},
        prepare=lambda ctx: {"campaign_id": _campaign(ctx)},
    ),
    ("GET", "/api/exports/campaigns/{campaign_id}/insights.csv"): Policy(
        statuses(401, 403, 200, 403, 200),
        query={"ak": OWN_AK},
        prepare=lambda ctx: {"campaign_id": _campaign(ctx)},
    ),
    ("GET", "/api/exports/campaigns/{campaign_id}/insights.xlsx"): Policy(
        statuses(401, 403, 200, 403, 200),
        query={"ak": OWN_AK},
        prepare=lambda ctx: {"campaign_id": _campaign(ctx)},
    ),
    # Staff edit the plan: goals per AK and year, and districts.
    ("PUT", "/api/goals/{ak}/{year}"): Policy(
        staff_only(),
        body={"conversations": 1200, "members": 12},
        prepare=lambda ctx: {"ak": OWN_AK, "year": 2027},
    ),
    ("POST", "/api/districts"): Policy(
        staff_only(201),
        body={"ak": OWN_AK, "code": "{new_code}", "name": "Nytt distrikt"},
        prepare=lambda ctx: {"new_code": _a_free_district_code(ctx)},
    ),
    ("PATCH", "/api/districts/{district_id}"): Policy(staff_only(), body={"prioritised": True}),
    # Successors after a re-districting: staff only. The target district is active, so a
    # confirmation is refused (422) once past the access check.
    ("GET", "/api/districts/successors"): Policy(staff_only()),
    ("POST", "/api/districts/{district_id}/successors"): Policy(
        staff_only(422), body={"successor_ids": ["{district_id}"]}
    ),
    # The plan as a workbook: staff only. An empty upload is refused (422) once past the check.
    ("GET", "/api/plan/workbook"): Policy(staff_only()),
    ("POST", "/api/plan/workbook/preview"): Policy(staff_only(422)),
    ("POST", "/api/plan/workbook/apply"): Policy(staff_only(422), query={"digest": "0" * 32}),
    # The staff dashboard's views over every AK.
    ("GET", "/api/totals/overview"): Policy(staff_only(), query={"year": 2026}),
    # Exports: everyone signed in gets the per-AK table; detail only for the caller's own AKs.
    ("GET", "/api/exports/totals.csv"): Policy(signed_in(), query={"year": 2026}),
    ("GET", "/api/exports/totals.xlsx"): Policy(signed_in(), query={"year": 2026}),
    # The organisers' and staff's pages: the page is public, its data needs a token.
    ("GET", "/admin"): Policy(everyone()),
}


def _hours_ago(hours: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def _a_free_district_code(ctx: Any) -> str:
    """An 8-digit code in Ale's kommun (1440) that no district has yet."""
    from sqlmodel import Session, select

    from api.models.plan import District

    with Session(ctx.db) as session:
        taken = set(session.exec(select(District.code)).all())
    return next(f"1440{n:04d}" for n in range(9999, 0, -1) if f"1440{n:04d}" not in taken)


def _target_volunteer_and_district(ctx: Any) -> tuple[int, int]:
    """A volunteer and a district of the own AK, made fresh for the prepare hooks."""
    from sqlmodel import Session, select

    from api.models.accounts import User, UserAk
    from api.models.plan import Ak, District

    with Session(ctx.db) as session:
        ak = session.exec(select(Ak).where(Ak.slug == OWN_AK)).one()
        district = session.exec(select(District).where(District.ak_id == ak.id)).first()
        user = User(name="Hedvig Hemlig", role="volunteer")
        session.add(user)
        session.flush()
        session.add(UserAk(user_id=user.id, ak_id=ak.id))  # type: ignore[arg-type]
        session.commit()
        assert user.id is not None and district is not None and district.id is not None
        return user.id, district.id


def _campaign(ctx: Any, ak_slug: str = OWN_AK) -> int:
    """A campaign for the own AK only (or for another AK only)."""
    from datetime import date

    from sqlmodel import Session, select

    from api.models.campaigns import Campaign, CampaignAk
    from api.models.plan import Ak

    with Session(ctx.db) as session:
        ak = session.exec(select(Ak).where(Ak.slug == ak_slug)).one()
        campaign = Campaign(
            name=f"Kampanj för {ak_slug}",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 5, 31),
            all_aks=False,
        )
        session.add(campaign)
        session.flush()
        assert campaign.id is not None and ak.id is not None
        session.add(CampaignAk(campaign_id=campaign.id, ak_id=ak.id))
        session.commit()
        return campaign.id


def _a_shift(ctx: Any) -> dict[str, Any]:
    """A shift of the own AK, starting tomorrow, with the target volunteer signed up."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from api.plan import catalogue
    from api.shifts import service as shifts
    from api.shifts.rules import signup_code
    from tests.conftest import TEST_SECRET

    user_id, district_id = _target_volunteer_and_district(ctx)
    starts = datetime.now(UTC) + timedelta(days=1)
    with Session(ctx.db) as session:
        shift = shifts.create_shift(
            session=session,
            ak=catalogue.get_ak_by_slug(session=session, slug=OWN_AK),
            created_by=None,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            meeting_point="Ale torg",
            district_ids=[district_id],
            capacity=None,
            leader_id=None,
            note=None,
            secret_key=TEST_SECRET,
        )
        shifts.sign_up(session=session, shift=shift, user_id=user_id, now=datetime.now(UTC))
        session.commit()
        assert shift.id is not None
        code = signup_code(shift_id=shift.id, salt=shift.signup_salt, secret_key=TEST_SECRET)
        return {"shift_id": shift.id, "user_id": user_id, "code": code}


def _a_foreign_shift(ctx: Any) -> dict[str, Any]:
    """A shift of the foreign AK: a tally of the own AK may not name it."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session, select

    from api.models.plan import District
    from api.plan import catalogue
    from api.shifts import service as shifts
    from tests.conftest import TEST_SECRET

    starts = datetime.now(UTC) - timedelta(days=1)
    with Session(ctx.db) as session:
        lerum = catalogue.get_ak_by_slug(session=session, slug=FOREIGN_AK)
        district = session.exec(select(District).where(District.ak_id == lerum.id)).first()
        assert district is not None and district.id is not None
        shift = shifts.create_shift(
            session=session,
            ak=lerum,
            created_by=None,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            meeting_point="Lerums station",
            district_ids=[district.id],
            capacity=None,
            leader_id=None,
            note=None,
            secret_key=TEST_SECRET,
        )
        session.commit()
        return {"foreign_shift_id": shift.id}


def _a_log(ctx: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.door_logs.ingest import Caller, ingest

    user_id, district_id = _target_volunteer_and_district(ctx)
    log_id = str(uuid.uuid4())
    item = {
        "id": log_id,
        "district_id": district_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "outcome": "conversation",
    }
    with Session(ctx.db) as session:
        result = ingest(
            session=session,
            caller=Caller(user_id=user_id, role="volunteer", aks=[OWN_AK]),
            items=[item],
            now=datetime.now(UTC),
        )
        session.commit()
    assert result.results[0]["status"] == "created"
    return {"log_id": log_id}


def _an_assignment(ctx: Any) -> dict[str, Any]:
    from sqlmodel import Session

    from api.models.door_logs import Assignment

    user_id, district_id = _target_volunteer_and_district(ctx)
    with Session(ctx.db) as session:
        assignment = Assignment(district_id=district_id, user_id=user_id, created_by=user_id)
        session.add(assignment)
        session.commit()
        return {"assignment_id": assignment.id}


def _a_flag(ctx: Any) -> dict[str, Any]:
    """A burst flag of a fresh own-AK volunteer: its minute's count in the flags' rollup."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from api.core.stockholm import stockholm_day
    from api.door_logs.plausibility import minute_of
    from api.models.door_logs import QualityMinute

    user_id, district_id = _target_volunteer_and_district(ctx)
    minute = minute_of(datetime.now(UTC) - timedelta(hours=1))
    with Session(ctx.db) as session:
        session.add(QualityMinute(user_id=user_id, district_id=district_id, minute=minute, n=7))
        session.commit()
    day = stockholm_day(datetime.fromtimestamp(minute * 60, UTC))
    return {"key": f"burst-{user_id}-{district_id}-{day:%Y%m%d}-7"}


def _a_channel_tally(ctx: Any) -> dict[str, Any]:
    from datetime import UTC, date, datetime

    from sqlmodel import Session

    from api.accounts.access import Principal
    from api.accounts.sessions import SessionFacts
    from api.door_logs.tallies import create_channel_tally
    from api.models.accounts import User
    from api.models.campaigns import ChannelTallyCreate

    with Session(ctx.db) as session:
        staff = User(name="Stab", role="staff")
        session.add(staff)
        session.flush()
        assert staff.id is not None
        facts = SessionFacts(
            session_id=0,
            user_id=staff.id,
            name=staff.name,
            role="staff",
            totp_pending=False,
            aks=[],
        )
        tally = create_channel_tally(
            session=session,
            principal=Principal(facts=facts, db=session),
            body=ChannelTallyCreate(
                ak=OWN_AK, channel="stall", date=date(2026, 3, 14), conversation=2
            ),
            now=datetime.now(UTC),
        )
        session.commit()
        return {"tally_id": tally.id}


def _a_tally(ctx: Any) -> dict[str, Any]:
    from datetime import UTC, date, datetime

    from sqlmodel import Session

    from api.accounts.access import Principal
    from api.accounts.sessions import SessionFacts
    from api.door_logs.tallies import create_tally
    from api.models.accounts import User
    from api.models.door_logs import TallyCreate

    _, district_id = _target_volunteer_and_district(ctx)
    with Session(ctx.db) as session:
        staff = User(name="Stab", role="staff")
        session.add(staff)
        session.flush()
        assert staff.id is not None
        facts = SessionFacts(
            session_id=0,
            user_id=staff.id,
            name=staff.name,
            role="staff",
            totp_pending=False,
            aks=[],
        )
        principal = Principal(facts=facts, db=session)
        tally = create_tally(
            session=session,
            principal=principal,
            tally_in=TallyCreate(district_id=district_id, date=date(2026, 3, 14), conversation=2),
            now=datetime.now(UTC),
        )
        session.commit()
        return {"tally_id": tally.id}
