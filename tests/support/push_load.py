"""Many volunteers signed up to many shifts, each with a browser subscribed at the stand-in push
service, their reminders all due at once: for the two-process test and bench/push_reminders.py.

Rows go straight into the database (the API would take minutes to make 10,000 people); the
volunteers signed up days before, so their 24-hour reminders are owed the moment a pass runs.
"""

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from api.models.accounts import User, UserAk
from api.models.plan import Ak, District
from api.models.push import PushSubscription
from api.models.shifts import Shift, ShiftSignup
from tests.support.push_service import PushService


def seed_due_reminders(
    engine: Engine,
    push_service: PushService,
    *,
    shifts: int,
    per_shift: int,
    starts_in: timedelta = timedelta(hours=23, minutes=30),
    ak_slug: str = "ale",
) -> list[int]:
    """`shifts` shifts starting in `starts_in`, `per_shift` new volunteers on each, each with
    one subscription. Returns the shift ids."""
    now = datetime.now(UTC)
    starts = now + starts_in
    with Session(engine) as session:
        ak_id = session.execute(select(Ak.id).where(Ak.slug == ak_slug)).scalar_one()
        district = session.execute(
            select(District.id).where(District.ak_id == ak_id).limit(1)
        ).scalar_one()
        shift_rows = [
            {
                "ak_id": ak_id,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "meeting_point": "Ale torg",
                "district_ids": str(district),
                "capacity": per_shift,
                "created_at": now,
                "signup_salt": secrets.token_hex(16),
                "signup_hash": secrets.token_hex(32),
                "signed_up": per_shift,
                "newcomers": 0,
            }
            for _ in range(shifts)
        ]
        shift_ids = list(
            session.execute(insert(Shift).returning(Shift.id), shift_rows).scalars()  # type: ignore[arg-type]
        )
        people = [
            {"name": f"Volontär {i}", "role": "volunteer", "created_at": now, "disabled": False}
            for i in range(shifts * per_shift)
        ]
        user_ids = list(
            session.execute(insert(User).returning(User.id), people).scalars()  # type: ignore[arg-type]
        )
        session.execute(insert(UserAk), [{"user_id": u, "ak_id": ak_id} for u in user_ids])
        signed_up = now - timedelta(days=3)
        session.execute(
            insert(ShiftSignup),
            [
                {
                    "shift_id": shift_ids[i // per_shift],
                    "user_id": user_id,
                    "signed_up_at": signed_up,
                    "newcomer": False,
                }
                for i, user_id in enumerate(user_ids)
            ],
        )
        browsers = []
        for user_id in user_ids:
            subscription = push_service.subscribe()
            browsers.append(
                {
                    "user_id": user_id,
                    "endpoint": subscription["endpoint"],
                    "p256dh": subscription["keys"]["p256dh"],
                    "auth": subscription["keys"]["auth"],
                }
            )
        session.execute(insert(PushSubscription), browsers)
        session.commit()
    return [int(s) for s in shift_ids]
