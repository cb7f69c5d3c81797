"""Meeting booking: working hours, booking links sent to contacts, and the booking a contact makes.

Double booking is impossible: every booking of one user's time takes that user's row lock (FOR NO KEY
UPDATE on PostgreSQL; SQLite's writers take turns, BEGIN IMMEDIATE) and only then checks the slot
against the user's meetings and booked links, so of two contacts picking the same or overlapping slots
at once the second sees the first's meeting and is told the time was taken. The link is claimed by a
conditional UPDATE in the same transaction: a link books once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, CrmError, NotFound
from backend.live import topics
from backend.live.events import MeetingBookedNote, NotificationKind
from backend.models import Activity, ActivityKind, BookingLink, Contact, Notification, User, WorkingHours
from backend.permissions import Action
from backend.services import activities, invites
from backend.services import validate as v
from backend.services.slots import DEFAULT_HOURS, Hours, Slot, free_slots
from backend.services.unit import write
from backend.settings import get_settings

DURATIONS = (15, 30, 45, 60, 90, 120)
MAX_DAYS_AHEAD = 60
DEFAULT_DAYS_AHEAD = 14
CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
UNKNOWN_MEETING = timedelta(hours=1)  # a meeting logged without an end or duration blocks an hour
# The page offers slots starting at least this far ahead, and a booking takes any that has not begun: a
# visitor who picks the first time a few minutes after the page showed it (or the clock turns onto a slot's
# start meanwhile) still books it, instead of being told it is not one the page offered.
NOTICE = timedelta(minutes=5)


class SlotTaken(CrmError):
    """The slot was booked (or became busy) since the page showed it."""

    code = "CONFLICT"

    def __init__(self) -> None:
        super().__init__("That time was just taken: please pick another one", field="slot")


class SlotBegun(SlotTaken):
    """The slot's start passed while the page was open."""

    def __init__(self) -> None:
        CrmError.__init__(self, "That time has begun: please pick a later one", field="slot")


class LinkClosed(CrmError):
    """The link was used, revoked or has expired."""

    code = "BAD_USER_INPUT"

    def __init__(self, state: str) -> None:
        super().__init__(f"This booking link is {state}", field="token", state=state)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def zone_of(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- Working hours ------------------------------------------------------------------------------------


def _hours(row: WorkingHours | None) -> Hours:
    if row is None:
        return DEFAULT_HOURS
    return Hours(frozenset(int(d) for d in row.weekdays), row.start_minute, row.end_minute)


async def hours_of(user_id: int) -> Hours:
    return _hours(await WorkingHours.filter(user_id=user_id).first())


async def own_hours(actor: Actor) -> Hours:
    permissions.require_role(actor)
    return await hours_of(actor.user_id or 0)


def _minute(field: str, value: str | None) -> int:
    text = v.text(field, value, max_length=5, required=True)
    match = CLOCK.match(text)
    if not match or (match[1] == "24" and match[2] != "00"):
        raise BadUserInput(field, "must be a time of day as HH:MM, e.g. 09:00")
    return int(match[1]) * 60 + int(match[2])


def clean_hours(weekdays: Iterable[int], start: str | None, end: str | None) -> Hours:
    """Working days (ISO weekdays, 1 = Monday) and local start and end times as typed (HH:MM), checked: a
    person's meeting hours here, the support desk's business hours (services/support_calendar.py)."""
    days = sorted(set(weekdays))
    if not days:
        raise BadUserInput("weekdays", "pick at least one day")
    if any(not 1 <= d <= 7 for d in days):
        raise BadUserInput("weekdays", "days are numbered 1 (Monday) to 7 (Sunday)")
    start_minute, end_minute = _minute("start", start), _minute("end", end)
    if start_minute >= 24 * 60:
        raise BadUserInput("start", "must be before 24:00")
    if end_minute <= start_minute:
        raise BadUserInput("end", "must be after the start")
    return Hours(frozenset(days), start_minute, end_minute)


async def set_hours(actor: Actor, weekdays: Iterable[int], start: str | None, end: str | None) -> Hours:
    """The caller's own working hours: ISO weekdays (1 = Monday) and a local start and end time."""
    permissions.require(actor, Action.SET_WORKING_HOURS)
    hours = clean_hours(weekdays, start, end)
    days = sorted(hours.weekdays)
    start_minute, end_minute = hours.start_minute, hours.end_minute
    if actor.user_id is None:
        raise BadUserInput("weekdays", "only a user has working hours")
    async with write(actor) as unit:
        before = await hours_of(actor.user_id)
        values: dict[str, Any] = {"weekdays": "".join(map(str, days)), "start_minute": start_minute,
                                  "end_minute": end_minute}
        if await WorkingHours.filter(user_id=actor.user_id).update(**values) == 0:
            await WorkingHours.create(user_id=actor.user_id, **values)
        await unit.audit("working_hours.set", "user", actor.user_id, {
            "weekdays": [sorted(before.weekdays), days], "start": [before.start, hours.start],
            "end": [before.end, hours.end]})
    return hours


# --- Links --------------------------------------------------------------------------------------------


def link_url(token: str) -> str:
    return f"{get_settings().public_url}/b/{token}"


def _when(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime(f"%a %d %b %Y, %H:%M {zone.key}")


async def create_link(actor: Actor, raw_contact_id: Any, minutes: int | None, days_ahead: int | None,
                      note: str | None) -> tuple[BookingLink, str]:
    """A link for a contact the caller may see, emailed to them; returns it with its token (shown once)."""
    permissions.require(actor, Action.CREATE_BOOKING_LINK)
    minutes = 30 if minutes is None else minutes
    if minutes not in DURATIONS:
        raise BadUserInput("durationMinutes", f"must be one of {', '.join(map(str, DURATIONS))} minutes")
    days = DEFAULT_DAYS_AHEAD if days_ahead is None else days_ahead
    if not 1 <= days <= MAX_DAYS_AHEAD:
        raise BadUserInput("daysAhead", f"must be from 1 to {MAX_DAYS_AHEAD} days")
    text = v.text("note", note, max_length=2000, multiline=True)
    if actor.user_id is None:
        raise BadUserInput("contactId", "only a user can offer their time")
    contact: Contact = await v.one(
        Contact.filter(permissions.contact_rule(actor), id=v.parse_id("contactId", raw_contact_id)),
        "Contact", raw_contact_id, "contactId")
    if why := permissions.read_only_reason(contact):
        raise BadUserInput("contactId", f"this contact takes no bookings: {why}")
    if not contact.email:
        raise BadUserInput("contactId", "this contact has no email address to send the link to")
    owner = await User.get(id=actor.user_id)
    token = secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    async with write(actor) as unit:
        link = await BookingLink.create(token_hash=hash_token(token), user_id=owner.id, contact_id=contact.id,
                                        duration_minutes=minutes, days_ahead=days, note=text,
                                        expires_at=now + timedelta(days=days))
        await unit.send_mail("booking_link", f"booking_link:{link.id}", contact.email, name=contact.name,
                             owner=owner.name, minutes=minutes, note=text, url=link_url(token),
                             expires=_when(link.expires_at, zone_of(owner)))
        await unit.audit("booking_link.create", "booking_link", link.id, {
            "contact_id": contact.id, "duration_minutes": minutes, "days_ahead": days,
            "expires_at": link.expires_at.isoformat()})
    return link, token


async def visible_link(actor: Actor, raw_id: Any, field: str = "id") -> BookingLink:
    query = BookingLink.filter(permissions.booking_link_rule(actor), id=v.parse_id(field, raw_id))
    link: BookingLink = await v.one(query, "BookingLink", raw_id, field)
    return link


async def revoke_link(actor: Actor, raw_id: Any) -> BookingLink:
    """Withdraw one's own open link; a booked one stays booked (the meeting is an activity of its own)."""
    async with write(actor) as unit:
        link = await visible_link(actor, raw_id)
        if link.booked_at is not None:
            raise BadUserInput("id", "this link was used already: change the meeting instead")
        now = datetime.now(UTC)
        if link.revoked_at is None:
            await BookingLink.filter(id=link.id, revoked_at=None).update(revoked_at=now)
            link.revoked_at = now
            await unit.audit("booking_link.revoke", "booking_link", link.id, {"revoked_at": [None, now.isoformat()]})
    return link


def state_of(link: BookingLink, now: datetime | None = None) -> str:
    """open, booked, revoked or expired."""
    if link.booked_at is not None:
        return "booked"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or datetime.now(UTC)):
        return "expired"
    return "open"


# --- The public side: free slots and the booking ------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What the public page shows for one link."""

    link: BookingLink
    owner: User
    contact: Contact
    zone: ZoneInfo
    state: str
    slots: list[Slot]


async def find(token: str) -> BookingLink:
    link = await BookingLink.filter(token_hash=hash_token(token)).first() if token else None
    if link is None:
        raise NotFound("BookingLink", "this link", field="token")
    return link


async def busy_times(user_id: int, since: datetime, until: datetime, *, skip_link: int | None = None
                     ) -> list[tuple[datetime, datetime]]:
    """The user's meetings and booked links overlapping [since, until)."""
    meetings = await Activity.filter(kind=ActivityKind.MEETING, author_id=user_id, occurred_at__lt=until,
                                     occurred_at__gte=since - timedelta(days=1))
    busy = []
    for m in meetings:
        ends = m.ends_at or m.occurred_at + (timedelta(minutes=m.duration_minutes) if m.duration_minutes
                                              else UNKNOWN_MEETING)
        if ends > since:
            busy.append((m.occurred_at, ends))
    booked = BookingLink.filter(user_id=user_id, starts_at__lt=until, ends_at__gt=since)
    if skip_link is not None:
        booked = booked.exclude(id=skip_link)
    busy += [(b.starts_at, b.ends_at) for b in await booked if b.starts_at and b.ends_at]
    return busy


async def slots_for(link: BookingLink, owner: User, now: datetime) -> list[Slot]:
    busy = await busy_times(owner.id, now, link.expires_at, skip_link=link.id)
    return free_slots(await hours_of(owner.id), zone_of(owner), busy, link.duration_minutes, now, link.expires_at)


async def offer(token: str, now: datetime | None = None) -> Offer:
    """The link's state and, while open, its free slots (NotFound for an unknown token)."""
    now = now or datetime.now(UTC)
    link = await find(token)
    owner = await User.get(id=link.user_id)
    contact = await Contact.get(id=link.contact_id)
    state = state_of(link, now)
    slots = await slots_for(link, owner, now + NOTICE) if state == "open" and owner.active else []
    return Offer(link, owner, contact, zone_of(owner), state, slots)


def _slot_start(raw: str | None) -> datetime:
    text = v.text("slot", raw, max_length=40, required=True)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadUserInput("slot", "is not a time the page offered") from None
    if at.tzinfo is None:
        raise BadUserInput("slot", "is not a time the page offered")
    return at.astimezone(UTC)


async def book(token: str, raw_slot: str | None, now: datetime | None = None) -> BookingLink:
    """The contact picks a slot: the meeting is created for the link's owner with the contact attending,
    the owner is notified, both get an invite. LinkClosed when the link cannot book, SlotTaken when the
    slot is no longer free."""
    now = now or datetime.now(UTC)
    starts = _slot_start(raw_slot)
    link = await find(token)
    if (state := state_of(link, now)) != "open":
        raise LinkClosed(state)
    owner = await User.get(id=link.user_id)
    if not owner.active:
        raise LinkClosed("no longer valid")
    # The meeting is the owner's: made with their rights (they must still see the contact), audited as
    # theirs, via the booking page.
    actor = Actor.for_user(owner, via="booking")
    async with write(actor) as unit:
        # The turn of this user's calendar: bookings of their time wait here for each other until the commit.
        await User.filter(id=owner.id).select_for_update(no_key=True).first()
        slot = next((s for s in await slots_for(link, owner, now) if s.starts == starts), None)
        if slot is None:
            # On the grid since the link was made: taken meanwhile, or begun while the page was open.
            since = min(now, max(starts, link.created_at))
            if any(s.starts == starts for s in free_slots(await hours_of(owner.id), zone_of(owner), [],
                                                         link.duration_minutes, since, link.expires_at)):
                raise SlotBegun() if starts < now else SlotTaken()
            raise BadUserInput("slot", "is not a time the page offered")
        claimed = await BookingLink.filter(id=link.id, booked_at=None, revoked_at=None).update(
            booked_at=now, starts_at=slot.starts, ends_at=slot.ends)
        if not claimed:
            raise LinkClosed("used already")
        contact = await Contact.get(id=link.contact_id)
        meeting = await activities.log_activity(actor, {
            "kind": ActivityKind.MEETING, "title": f"Meeting with {contact.name}"[:200],
            "description": link.note, "occurred_at": slot.starts, "ends_at": slot.ends,
            "attendees": [contact.name, contact.email] if contact.email else [contact.name],
            "contact_id": contact.id,
        }, require=False)
        await BookingLink.filter(id=link.id).update(activity_id=meeting.id)
        zone = zone_of(owner)
        when = f"{_when(slot.starts, zone)}–{slot.ends.astimezone(zone):%H:%M}"
        note = await Notification.create(user_id=owner.id, kind=NotificationKind.MEETING_BOOKED,
                                          message=f"{contact.name} booked a meeting: {when}"[:500],
                                          entity="activity", entity_id=meeting.id)
        unit.publish(topics.notifications(owner.id), MeetingBookedNote(activity_id=meeting.id, title=meeting.title))
        domain = get_settings().mail_from.rpartition("@")[2] or "localhost"
        ics = invites.attachment(invites.invite(
            f"booking-{link.id}-{link.token_hash[:16]}@{domain}", slot.starts, slot.ends, meeting.title, link.note,
            organizer=(owner.name, owner.email), attendee=(contact.name, contact.email), stamp=now))
        shared: dict[str, Any] = {"owner": owner.name, "guest": contact.name, "guest_email": contact.email,
                  "minutes": link.duration_minutes, "note": link.note, "contact_id": contact.id}
        await unit.send_mail("meeting_booked", f"meeting_booked:{link.id}:owner", owner.email, owner.language, attachments=[ics],
                             name=owner.name, for_owner=True, when=when, **shared)
        await unit.send_mail("meeting_booked", f"meeting_booked:{link.id}:guest", contact.email, attachments=[ics],
                             name=contact.name, for_owner=False, when=when, **shared)
        await unit.audit("booking.book", "booking_link", link.id, {
            "starts_at": slot.starts.isoformat(), "ends_at": slot.ends.isoformat(), "activity_id": meeting.id,
            "notification_id": note.id})
    return await BookingLink.get(id=link.id)

