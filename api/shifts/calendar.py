"""A shift as an iCalendar file (RFC 5545), times in Europe/Stockholm."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from api.models.shifts import Shift

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def shift_ics(*, shift: Shift, url: str, now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Knacka//knackpass//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"shift-{shift.id}@knacka")
    event.add("dtstamp", now)
    event.add("dtstart", shift.starts_at.astimezone(STOCKHOLM))
    event.add("dtend", shift.ends_at.astimezone(STOCKHOLM))
    event.add("summary", "Knackpass")
    event.add("location", shift.meeting_point)
    event.add("description", f"Detaljer i appen: {url}")
    event.add("status", "CANCELLED" if shift.cancelled_at else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Knackpass")
    alarm.add("trigger", -timedelta(hours=1))
    event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
