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
{district_id}, {unique} (a fresh hex string). Entries may add more with `prepare`.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "volunteer", "organiser_own", "organiser_foreign", "staff")
OWN_AK = "ale"
FOREIGN_AK = "lerum"


@dataclass(frozen=True)
class Policy:
    expect: dict[str, int]
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    # Whom {user_id} names: "volunteer" (of the own AK) or "organiser" (of the own AK).
    target: str = "volunteer"
    # Extra placeholders: prepare(context) -> {name: value}; context has .db and .people.
    prepare: Callable[[Any], dict[str, Any]] | None = None


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
    ("POST", "/api/auth/totp"): Policy(password_accounts(201)),
    ("POST", "/api/auth/totp/verify"): Policy(password_accounts(409), body={"code": "000000"}),
    ("POST", "/api/auth/totp/recovery-codes"): Policy(password_accounts(409)),
    # Invites.
    ("POST", "/api/invites"): Policy(organisers_of_the_ak(201), body={"ak": OWN_AK}),
    ("GET", "/api/invites"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
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
                    "occurred_at": "2026-05-01T12:00:00+02:00",
                    "outcome": "not_home",
                }
            ]
        },
        prepare=lambda ctx: {"log_uuid": str(uuid.uuid4())},
    ),
    # The target volunteer wrote the log: another volunteer or a foreign organiser may not void it.
    ("POST", "/api/logs/{log_id}/void"): Policy(
        statuses(401, 403, 200, 403, 200), prepare=lambda ctx: _a_log(ctx)
    ),
    ("GET", "/api/logs/skewed"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("GET", "/api/me/today"): Policy(signed_in()),
    # Assignments: the AK is the district's; a foreign organiser is told no.
    ("POST", "/api/assignments"): Policy(
        statuses(401, 403, 201, 403, 201),
        body={"district_id": "{district_id}", "user_id": "{user_id}"},
    ),
    ("DELETE", "/api/assignments/{assignment_id}"): Policy(
        statuses(401, 403, 204, 403, 204), prepare=lambda ctx: _an_assignment(ctx)
    ),
    ("GET", "/api/assignments"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK}),
    ("GET", "/api/assignments/mine"): Policy(signed_in()),
    # Paper tallies.
    ("POST", "/api/tallies"): Policy(
        statuses(401, 403, 201, 403, 201),
        body={"district_id": "{district_id}", "date": "2026-03-14", "conversation": 3},
    ),
    ("GET", "/api/tallies"): Policy(organisers_of_the_ak(), query={"ak": OWN_AK, "year": 2026}),
    ("POST", "/api/tallies/{tally_id}/void"): Policy(
        statuses(401, 403, 200, 403, 200), prepare=lambda ctx: _a_tally(ctx)
    ),
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
    ("PUT", "/api/campaign-periods/{year}"): Policy(
        staff_only(),
        body={"starts_on": "2026-08-01", "ends_on": "2026-09-13"},
        prepare=lambda ctx: {"year": 2026},
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
    # The staff dashboard's views over every AK.
    ("GET", "/api/totals/overview"): Policy(staff_only(), query={"year": 2026}),
    # Exports: everyone signed in gets the per-AK table; detail only for the caller's own AKs.
    ("GET", "/api/exports/totals.csv"): Policy(signed_in(), query={"year": 2026}),
    ("GET", "/api/exports/totals.xlsx"): Policy(signed_in(), query={"year": 2026}),
    # The organisers' and staff's pages: the page is public, its data needs a token.
    ("GET", "/admin"): Policy(everyone()),
}


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


def _a_log(ctx: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.door_logs.ingest import Caller, ingest

    user_id, district_id = _target_volunteer_and_district(ctx)
    log_id = str(uuid.uuid4())
    item = {
        "id": log_id,
        "district_id": district_id,
        "occurred_at": "2026-05-01T12:00:00+02:00",
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
