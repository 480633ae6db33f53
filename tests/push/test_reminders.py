"""Web Push end to end without the internet: the server's sender against a stand-in push
service that checks the VAPID signature and decrypts the payload as the browser would."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.core.db import utcnow
from api.core.stockholm import STOCKHOLM
from api.models.push import PushReminder, PushSubscription
from api.models.shifts import Shift
from api.push.reminders import PushWorker, notify_shift_changed
from tests.conftest import MakeUser
from tests.push.conftest import Subscribe
from tests.support.push_service import PushService
from tests.support.shifts import make_shift

MEETING_POINT = "Ale torg, vid biblioteket"
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def ten_oclock(days_ahead: int) -> datetime:
    day = (utcnow().astimezone(STOCKHOLM) + timedelta(days=days_ahead)).date()
    return datetime.combine(day, time(10), tzinfo=STOCKHOLM).astimezone(UTC)


def shift_starting(client: TestClient, by, starts: datetime, **extra) -> dict:  # type: ignore[no-untyped-def]
    return make_shift(client, by, starts_in=starts - datetime.now(UTC), **extra)


def at(moment: datetime):  # type: ignore[no-untyped-def]
    return lambda: moment


def worker(app: FastAPI, db: Engine) -> PushWorker:
    return PushWorker(db, app.state.settings)


def test_the_day_before_reminder_arrives_signed_encrypted_and_neutral(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    starts = ten_oclock(days_ahead=3)
    shift = shift_starting(client, olle, starts)
    assert client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers).is_success
    phone = subscribe(vera)
    pusher = worker(app, db)
    nothing_yet = pusher.run_pass(at(starts - timedelta(hours=25)))
    assert nothing_yet.sent == 0 and push_service.received() == []

    report = pusher.run_pass(at(starts - timedelta(hours=23, minutes=59)))

    assert report.sent == 1
    [got] = push_service.for_endpoint(phone["endpoint"])
    assert push_service.refused() == []  # the VAPID JWT verified, the body decrypted
    assert got.payload["title"] == "Knackpass"
    assert got.payload["body"] == "Du har ett knackpass i morgon kl. 10."
    assert got.payload["tag"] == f"knackpass-{shift['id']}"
    # Neutral on a lock screen: no meeting point, no party, no AK, no district.
    text = json.dumps(got.payload, ensure_ascii=False)
    for secret in (MEETING_POINT, "Ale", "Socialdemokraterna", "S "):
        assert secret not in text
    assert got.topic and got.topic.startswith("knackpass-")
    assert 0 < got.ttl <= 24 * 3600
    # Sent and marked: the next passes send nothing again.
    assert pusher.run_pass(at(starts - timedelta(hours=23))).sent == 0
    assert len(push_service.received()) == 1
    pusher.close()


def test_the_hour_before_reminder_and_no_day_before_one_for_a_late_sign_up(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    shift = shift_starting(client, olle, starts)
    assert client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers).is_success
    subscribe(vera)
    pusher = worker(app, db)
    # Signed up 3 hours before: the "day before" reminder is not owed.
    assert pusher.run_pass(at(starts - timedelta(hours=2))).sent == 0
    assert pusher.run_pass(at(starts - timedelta(minutes=59))).sent == 1
    [got] = push_service.received()
    local = starts.astimezone(STOCKHOLM)
    clock = f"kl. {local.hour}" if local.minute == 0 else f"kl. {local.hour}.{local.minute:02d}"
    assert got.payload["body"].startswith("Du har ett knackpass i ")
    assert got.payload["body"].endswith(f"{clock}.")
    pusher.close()


def test_staff_set_the_lead_times(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    staff,
    subscribe: Subscribe,
    push_service: PushService,
):
    vera = make_user("volunteer", aks=["ale"])
    refused = client.put("/api/push/lead-times", json={"lead_minutes": [120]}, headers=vera.headers)
    assert refused.status_code == 403
    answer = client.put("/api/push/lead-times", json={"lead_minutes": [120]}, headers=staff.headers)
    assert answer.json() == {"lead_minutes": [120]}
    assert client.get("/api/push/key").json()["lead_minutes"] == [120]
    olle = make_user("organiser", aks=["ale"])
    starts = ten_oclock(days_ahead=3)
    shift = shift_starting(client, olle, starts)
    client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers)
    subscribe(vera)
    pusher = worker(app, db)
    assert pusher.run_pass(at(starts - timedelta(hours=23))).sent == 0
    assert pusher.run_pass(at(starts - timedelta(minutes=119))).sent == 1
    assert push_service.received()[0].payload["body"] == "Du har ett knackpass i dag kl. 10."
    pusher.close()


def test_a_cancelled_shift_sends_a_neutral_notice_and_no_reminder(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    nils = make_user("volunteer", aks=["ale"])  # signed up, never subscribed: nothing owed
    starts = ten_oclock(days_ahead=2)
    shift = shift_starting(client, olle, starts)
    for who in (vera, nils):
        client.post(f"/api/shifts/{shift['id']}/signup", headers=who.headers)
    subscribe(vera)
    assert client.delete(f"/api/shifts/{shift['id']}", headers=olle.headers).status_code == 204
    pusher = worker(app, db)
    assert pusher.run_pass().sent == 1
    [got] = push_service.received()
    weekday = WEEKDAYS[starts.astimezone(STOCKHOLM).weekday()]
    assert got.payload["body"] == f"Ditt knackpass på {weekday} kl. 10 är inställt."
    assert MEETING_POINT not in json.dumps(got.payload, ensure_ascii=False)
    # The day-before reminder of a cancelled shift is never owed.
    assert pusher.run_pass(at(starts - timedelta(hours=23))).sent == 0
    with Session(db) as session:
        owed = session.execute(select(PushReminder.kind, PushReminder.user_id)).all()
    assert owed == [("cancelled", vera.id)]
    pusher.close()


@pytest.mark.parametrize("status", [410, 404])
def test_a_subscription_the_push_service_calls_gone_is_deleted(
    status: int,
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    starts = ten_oclock(days_ahead=2)
    shift = shift_starting(client, olle, starts)
    client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers)
    old_phone = subscribe(vera)
    new_phone = subscribe(vera)
    push_service.answer(old_phone["endpoint"], status)
    pusher = worker(app, db)
    report = pusher.run_pass(at(starts - timedelta(hours=23)))
    assert (report.sent, report.gone) == (1, 1)
    assert len(push_service.for_endpoint(new_phone["endpoint"])) == 1
    with Session(db) as session:
        left = session.execute(select(PushSubscription.endpoint)).scalars().all()
        open_ = session.execute(
            select(func.count()).select_from(PushReminder).where(PushReminder.sent_at.is_(None))  # type: ignore[union-attr]
        ).scalar_one()
    assert left == [new_phone["endpoint"]]
    assert open_ == 0
    pusher.close()


def test_two_workers_at_once_send_each_reminder_once(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    starts = ten_oclock(days_ahead=3)
    shifts = [shift_starting(client, olle, starts + timedelta(minutes=i)) for i in range(3)]
    people = [make_user("volunteer", aks=["ale"]) for _ in range(12)]
    for person in people:
        subscribe(person)
        for shift in shifts:
            client.post(f"/api/shifts/{shift['id']}/signup", headers=person.headers)
    workers = [worker(app, db), worker(app, db)]
    moment = at(starts - timedelta(hours=23))
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda w: w.run_pass(moment), workers))
    got = push_service.received()
    assert len(got) == 36
    assert len({g.topic for g in got}) == 36  # each reminder once
    assert sum(r.sent for r in reports) == 36
    for w in workers:
        w.close()


class Died(Exception):
    pass


def test_a_worker_that_dies_after_claiming_loses_nothing(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    starts = ten_oclock(days_ahead=3)
    shift = shift_starting(client, olle, starts)
    people = [make_user("volunteer", aks=["ale"]) for _ in range(5)]
    for person in people:
        subscribe(person)
        client.post(f"/api/shifts/{shift['id']}/signup", headers=person.headers)
    dying, other = worker(app, db), worker(app, db)
    moment = starts - timedelta(hours=23)

    def die() -> None:
        raise Died

    with pytest.raises(Died):
        dying.run_pass(at(moment), after_claim=die)
    # Claimed, not sent: another process leaves them while the claim is fresh …
    assert other.run_pass(at(moment + timedelta(seconds=1))).sent == 0
    # … and takes them over once it is stale.
    stale = moment + timedelta(seconds=app.state.settings.push_claim_seconds + 1)
    assert other.run_pass(at(stale)).sent == 5
    assert len({g.token for g in push_service.received()}) == 5
    dying.close()
    other.close()


def test_a_moved_shift_sends_a_notice_and_reminds_for_the_new_time(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    """The move (PATCH) path calls notify_shift_changed(kind="moved") after setting the new
    start, in its own transaction, as cancel does."""
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    starts = ten_oclock(days_ahead=3)
    shift = shift_starting(client, olle, starts)
    client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers)
    subscribe(vera)
    pusher = worker(app, db)
    moment = starts - timedelta(hours=23)
    assert pusher.run_pass(at(moment)).sent == 1  # the day-before reminder, for 10:00
    later = starts + timedelta(hours=1)
    with Session(db) as session:
        moved = session.get(Shift, shift["id"])
        assert moved is not None
        moved.starts_at, moved.ends_at = later, later + timedelta(hours=3)
        session.add(moved)
        owed = notify_shift_changed(session=session, shift_id=shift["id"], kind="moved", now=moment)
        session.commit()
    assert owed == 1
    report = pusher.run_pass(at(moment + timedelta(minutes=1)))
    bodies = [g.payload["body"] for g in push_service.received()]
    assert bodies[0] == "Du har ett knackpass i morgon kl. 10."
    # The notice, and (the new start is also within a day) the reminder for the new time.
    assert sorted(bodies[1:]) == [
        "Ditt knackpass är flyttat till i morgon kl. 11.",
        "Du har ett knackpass i morgon kl. 11.",
    ]
    assert report.sent == 2
    pusher.close()


def test_the_persons_extract_lists_their_push_browsers_and_reminders(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    staff,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    starts = ten_oclock(days_ahead=3)
    shift = shift_starting(client, olle, starts)
    client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers)
    subscribe(vera)
    pusher = worker(app, db)
    assert pusher.run_pass(at(starts - timedelta(hours=23))).sent == 1
    pusher.close()
    body = client.get(f"/api/users/{vera.id}/extract", headers=staff.headers).json()
    assert body["push_subscriptions"] == [{"push_service": "127.0.0.1"}]
    [sent] = body["push_reminders"]
    assert (sent["shift_id"], sent["kind"], sent["lead_minutes"]) == (shift["id"], "reminder", 1440)
    assert sent["sent_at"] is not None


def test_moving_a_shift_through_patch_tells_those_signed_up(
    app: FastAPI,
    client: TestClient,
    db: Engine,
    make_user: MakeUser,
    subscribe: Subscribe,
    push_service: PushService,
):
    olle = make_user("organiser", aks=["ale"])
    vera = make_user("volunteer", aks=["ale"])
    starts = ten_oclock(days_ahead=3)
    shift = shift_starting(client, olle, starts)
    client.post(f"/api/shifts/{shift['id']}/signup", headers=vera.headers)
    subscribe(vera)
    pusher = worker(app, db)
    later = starts + timedelta(hours=1)
    moved = client.patch(
        f"/api/shifts/{shift['id']}",
        json={
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(hours=3)).isoformat(),
        },
        headers=olle.headers,
    )
    assert moved.status_code == 200, moved.text
    # A note-only edit tells nobody.
    noted = client.patch(
        f"/api/shifts/{shift['id']}", json={"note": "Ta med vatten"}, headers=olle.headers
    )
    assert noted.status_code == 200, noted.text
    report = pusher.run_pass(at(utcnow() + timedelta(minutes=1)))
    bodies = [g.payload["body"] for g in push_service.received()]
    assert len(bodies) == 1 and bodies[0].startswith("Ditt knackpass är flyttat till ")
    assert bodies[0].endswith("kl. 11.")
    assert report.sent == 1
    pusher.close()


def test_the_vapid_subject_is_an_address_the_operator_reads():
    from api.core.config import Settings
    from api.push.reminders import _subject

    assert _subject(Settings(push_subject="mailto:drift@example.se")) == "mailto:drift@example.se"
    # No subject set: the privacy contact's address, before the public URL or a placeholder.
    both = Settings(privacy_contact="dataskydd@example.se", public_url="https://knacka.example.se")
    assert _subject(both) == "mailto:dataskydd@example.se"
    assert _subject(Settings(public_url="https://knacka.example.se")) == "https://knacka.example.se"
