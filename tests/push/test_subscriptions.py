"""Opt-in and opt-out: subscriptions die with logout, signing out everywhere and erasure; only
the browser makers' push services are accepted as endpoints."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from api.core.db import utcnow
from api.models.accounts import AuthSession
from api.models.push import PushReminder, PushSubscription
from api.ops.retention import run_retention
from tests.conftest import MakeUser
from tests.push.conftest import Subscribe
from tests.support.push_service import PushService
from tests.support.shifts import make_shift


def endpoints(db: Engine, user_id: int | None = None) -> list[str]:
    with Session(db) as session:
        query = select(PushSubscription.endpoint)
        if user_id is not None:
            query = query.where(PushSubscription.user_id == user_id)
        return sorted(session.execute(query).scalars())


def test_the_key_is_public_and_made_once(client: TestClient):
    first = client.get("/api/push/key").json()
    again = client.get("/api/push/key").json()
    assert first == again
    assert len(first["public_key"]) == 87  # an uncompressed P-256 point, base64url
    assert first["lead_minutes"] == [1440, 60]


def test_an_endpoint_outside_the_push_services_is_refused(
    client: TestClient, make_user: MakeUser, push_service: PushService, db: Engine
):
    vera = make_user("volunteer", aks=["ale"])
    subscription = push_service.subscribe()
    for endpoint in ("https://evil.example/push/x", "http://10.0.0.1/metrics", "ftp://127.0.0.1/x"):
        subscription["endpoint"] = endpoint
        answer = client.post("/api/push/subscriptions", json=subscription, headers=vera.headers)
        assert answer.status_code in (400, 422), endpoint
    assert endpoints(db) == []
    unknown = push_service.subscribe()
    unknown["endpoint"] = "https://evil.example/push/y"
    answer = client.post("/api/push/subscriptions", json=unknown, headers=vera.headers)
    assert answer.json()["code"] == "push_service_unknown"


def test_no_other_field_is_taken(client: TestClient, make_user: MakeUser, push_service):
    vera = make_user("volunteer", aks=["ale"])
    subscription = push_service.subscribe() | {"name": "Vera"}
    answer = client.post("/api/push/subscriptions", json=subscription, headers=vera.headers)
    assert answer.status_code == 422


def test_opt_out_of_one_browser_or_all(
    client: TestClient, make_user: MakeUser, subscribe: Subscribe, db: Engine
):
    vera = make_user("volunteer", aks=["ale"])
    phone, tablet = subscribe(vera), subscribe(vera)
    gone = client.request(
        "DELETE",
        "/api/push/subscriptions",
        json={"endpoint": phone["endpoint"]},
        headers=vera.headers,
    )
    assert gone.status_code == 204
    assert endpoints(db) == [tablet["endpoint"]]
    assert client.delete("/api/push/subscriptions", headers=vera.headers).status_code == 204
    assert endpoints(db) == []


def test_the_same_browser_again_is_one_subscription_of_whoever_subscribed_last(
    client: TestClient, make_user: MakeUser, push_service: PushService, db: Engine
):
    vera = make_user("volunteer", aks=["ale"])
    nils = make_user("volunteer", aks=["ale"])
    subscription = push_service.subscribe()
    for who in (vera, vera, nils):
        client.post("/api/push/subscriptions", json=subscription, headers=who.headers)
    assert endpoints(db, vera.id) == []
    assert endpoints(db, nils.id) == [subscription["endpoint"]]


def test_logout_deletes_the_persons_subscriptions(
    client: TestClient, make_user: MakeUser, subscribe: Subscribe, db: Engine
):
    vera = make_user("volunteer", aks=["ale"])
    nils = make_user("volunteer", aks=["ale"])
    subscribe(vera)
    subscribe(vera)
    kept = subscribe(nils)
    assert client.post("/api/auth/logout", headers=vera.headers).status_code == 204
    assert endpoints(db) == [kept["endpoint"]]


def test_signing_out_everywhere_deletes_them_too(
    client: TestClient, make_user: MakeUser, subscribe: Subscribe, db: Engine
):
    vera = make_user("volunteer", aks=["ale"])
    subscribe(vera)
    assert client.post("/api/auth/sessions/revoke", headers=vera.headers).status_code == 204
    assert endpoints(db) == []


def test_erasure_deletes_them(
    client: TestClient, make_user: MakeUser, subscribe: Subscribe, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    subscribe(vera)
    answer = client.post(f"/api/users/{vera.id}/erase", headers=olle.headers)
    assert answer.status_code == 200, answer.text
    assert endpoints(db) == []


def test_gallring_deletes_subscriptions_without_a_live_session_and_old_reminders(
    client: TestClient, make_user: MakeUser, subscribe: Subscribe, db: Engine
):
    vera = make_user("volunteer", aks=["ale"])
    gone = make_user("volunteer", aks=["ale"])
    kept = subscribe(vera)
    subscribe(gone)
    olle = make_user("organiser", aks=["ale"])
    shift = make_shift(client, olle, starts_in=timedelta(days=-3))
    with Session(db) as session:
        # Gone's sessions all expired; an old reminder row of a shift three days ago.
        session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == gone.id)  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(days=1))
        )
        session.add(
            PushReminder(
                shift_id=shift["id"],
                user_id=vera.id,
                kind="reminder",
                lead_minutes=60,
                starts_at=utcnow() - timedelta(days=3),
                sent_at=utcnow() - timedelta(days=3),
            )
        )
        session.commit()
        report = run_retention(
            session=session,
            now=utcnow(),
            volunteer_inactive_days=0,
            audit_days=0,
            dry_run=False,
        )
        session.commit()
        reminders = session.execute(select(PushReminder.id)).all()
    assert endpoints(db) == [kept["endpoint"]]
    assert reminders == []
    assert report.purged["push_subscription"] == 1
