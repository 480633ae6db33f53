"""The one policy table: every route of the app and the status each kind of caller gets.

Keyed by (method, path) exactly as the route is declared. tests/test_authz.py fails when a
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
}
