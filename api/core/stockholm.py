"""Calendar days and years as the plan counts them: in Europe/Stockholm time."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm_day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def stockholm_today(now: datetime | None = None) -> date:
    return stockholm_day(now or datetime.now(UTC))


def stockholm_noon(day: date) -> datetime:
    """A paper tally's moment: midday of its date, so no time zone moves it to another day."""
    return datetime.combine(day, time(12), tzinfo=STOCKHOLM).astimezone(UTC)
