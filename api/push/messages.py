"""What a push says: neutral, for a lock screen. No party, no meeting point, no district; the
app shows the details when opened ("Du har ett knackpass i morgon kl. 10")."""

from datetime import datetime
from typing import Any

from api.core.stockholm import STOCKHOLM

TITLE = "Knackpass"
_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def when(starts_at: datetime, now: datetime) -> str:
    """'i dag kl. 10', 'i morgon kl. 10.30', 'på lördag kl. 9', 'den 5 december kl. 10'."""
    local = starts_at.astimezone(STOCKHOLM)
    days = (local.date() - now.astimezone(STOCKHOLM).date()).days
    clock = f"kl. {local.hour}" if local.minute == 0 else f"kl. {local.hour}.{local.minute:02d}"
    if days == 0:
        day = "i dag"
    elif days == 1:
        day = "i morgon"
    elif 1 < days < 7:
        day = f"på {_WEEKDAYS[local.weekday()]}"
    else:
        day = f"den {local.day} {_MONTHS[local.month - 1]}"
    return f"{day} {clock}"


def body(*, kind: str, starts_at: datetime, now: datetime) -> str:
    at = when(starts_at, now)
    if kind == "cancelled":
        return f"Ditt knackpass {at} är inställt."
    if kind == "moved":
        return f"Ditt knackpass är flyttat till {at}."
    return f"Du har ett knackpass {at}."


def payload(*, shift_id: int, kind: str, starts_at: datetime, now: datetime) -> dict[str, Any]:
    """The service worker's notification: one tag per shift, so a repeat (or a newer message
    about the same shift) replaces the one on the phone instead of adding a second."""
    return {
        "title": TITLE,
        "body": body(kind=kind, starts_at=starts_at, now=now),
        "tag": f"knackpass-{shift_id}",
        "url": f"/pass/{shift_id}",
    }
