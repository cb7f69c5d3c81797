"""iCalendar meeting invites (RFC 5546 REQUEST) with the `icalendar` package, sent as text/calendar files."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//CRM//Meeting booking//EN"
CONTENT_TYPE = "text/calendar; method=REQUEST; charset=utf-8"


def _address(name: str, email: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name or email)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def invite(uid: str, starts: datetime, ends: datetime, summary: str, description: str,
           organizer: tuple[str, str], attendee: tuple[str, str], stamp: datetime | None = None) -> str:
    """One event as an invitation: `organizer` and `attendee` are (name, email); times go out in UTC.
    The same `uid` for every copy of one meeting, so calendars file them as one event."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", starts.astimezone(UTC))
    event.add("dtend", ends.astimezone(UTC))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("sequence", 0)
    event.add("status", "CONFIRMED")
    event["organizer"] = _address(*organizer)
    event.add("attendee", _address(*attendee, role="REQ-PARTICIPANT", partstat="ACCEPTED", rsvp="FALSE"))
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def attachment(ics: str) -> dict[str, str]:
    """The outbox's form of a file to send with a message (services/outbox.py)."""
    return {"filename": "invite.ics", "content_type": CONTENT_TYPE, "content": ics}
