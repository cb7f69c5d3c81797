"""Meeting booking (services/booking.py, public/booking.py): working hours, links emailed to contacts, the
public page, the meeting with its invites (parsed back with icalendar), closed links, taken slots, rights,
and two contacts racing for one slot on two server processes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from backend.app import create_app
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import Activity, ActivityKind, AuditEntry, BookingLink, Notification, OutboxMessage, Role, User
from backend.services import booking, tokens
from tests.factories import error, fresh_limiter, make_contact, make_customer, make_team, make_user, ok, setting  # noqa: F401
from tests.mailserver import Inbox, smtp_server
from tests.servers import crm_servers
from tests.test_outbox import run_jobs_until_idle

pytestmark = pytest.mark.usefixtures("fresh_limiter")
APP = create_app()
CREATE = """mutation($input: CreateBookingLinkInput!) {
  createBookingLink(input: $input) { url link { id state durationMinutes expiresAt contact { id name } } }
}"""
REVOKE = "mutation($input: RevokeBookingLinkInput!) { revokeBookingLink(input: $input) { id state revokedAt } }"
LINKS = "query($c: ID) { bookingLinks(first: 10, contactId: $c) { totalCount edges { node { id state meetingId } } } }"
HOURS = "{ workingHours { weekdays start end timeZone } }"
SET_HOURS = "mutation($input: SetWorkingHoursInput!) { setWorkingHours(input: $input) { weekdays start end timeZone } }"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SLOT = re.compile(r'name="slot" value="([^"]+)"')


@pytest.fixture
def inbox(setting: Any) -> Iterator[Inbox]:  # noqa: F811 (a fixture)
    with smtp_server() as (box, url):
        setting(CRM_SMTP_URL=url)
        yield box


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP, client=("127.0.0.1", 4000)),
                             base_url="http://testserver")


async def rep_and_contact(zone: str = "Europe/Berlin") -> tuple[User, dict[str, Any]]:
    team = await make_team()
    rep = await make_user(Role.SALES_REP, team=team)
    rep.time_zone = zone
    await rep.save()
    customer = await make_customer(rep)
    contact = await make_contact(rep, name="Dana <Guest>", email="dana@example.org", customerId=customer["id"])
    return rep, contact


async def new_link(rep: User, contact: dict[str, Any], **values: Any) -> tuple[str, dict[str, Any]]:
    made = (await ok(rep, CREATE, input={"contactId": contact["id"], **values}))["createBookingLink"]
    return made["url"].rsplit("/b/", 1)[1], made


async def open_page(browser: httpx.AsyncClient, token: str) -> tuple[httpx.Response, str, list[str]]:
    page = await browser.get(f"/b/{token}")
    csrf = CSRF.search(page.text)
    return page, csrf.group(1) if csrf else "", SLOT.findall(page.text)


def invite_of(mail: EmailMessage) -> Any:
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invite.ics" and part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    return calendar, event


async def test_a_booking_makes_the_meeting_and_sends_both_an_invite(db: str, inbox: Inbox) -> None:
    rep, contact = await rep_and_contact()
    token, made = await new_link(rep, contact, durationMinutes=45, daysAhead=10, note="About the <renewal>")
    assert made["link"]["state"] == "open" and made["link"]["contact"]["name"] == "Dana <Guest>"
    await run_jobs_until_idle()
    [sent] = inbox.to("dana@example.org")
    text = sent.get_body(preferencelist=("plain",)).get_content()
    assert f"/b/{token}" in text and "45 minutes" in text and "About the <renewal>" in text

    async with client() as browser:
        page, csrf, slots = await open_page(browser, token)
        assert page.status_code == 200 and "Book a meeting with" in page.text and "Europe/Berlin" in page.text
        assert "About the &lt;renewal&gt;" in page.text and page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store" and 'content="noindex"' in page.text
        chosen = datetime.fromisoformat(slots[0])
        assert chosen > datetime.now(UTC) and chosen.astimezone(booking.ZoneInfo("Europe/Berlin")).isoweekday() <= 5
        answer = await browser.post(f"/b/{token}", data={"csrf": csrf, "slot": slots[0]})
        assert answer.status_code == 303
        done = await browser.get(answer.headers["location"])
    assert "Your meeting is booked for" in done.text and "Booked: thank you!" in done.text and not SLOT.findall(done.text)

    meeting = await Activity.get(kind=ActivityKind.MEETING, contact_id=int(contact["id"]))
    assert meeting.author_id == rep.id and meeting.occurred_at == chosen
    assert meeting.ends_at == chosen + timedelta(minutes=45) and "dana@example.org" in meeting.attendees
    link = await BookingLink.get(id=int(made["link"]["id"]))
    assert link.activity_id == meeting.id and link.starts_at == chosen
    [note] = await Notification.filter(user_id=rep.id, kind="meeting_booked")
    assert note.entity_id == meeting.id and "Dana <Guest> booked a meeting" in note.message
    audit = await AuditEntry.get(action="booking.book")
    assert audit.actor_id == rep.id and audit.via == "booking"
    listed = (await ok(rep, LINKS, c=contact["id"]))["bookingLinks"]["edges"][0]["node"]
    assert listed == {"id": made["link"]["id"], "state": "booked", "meetingId": str(meeting.id)}

    await run_jobs_until_idle()
    [to_rep] = inbox.to(rep.email)
    [_, to_guest] = inbox.to("dana@example.org")
    assert "Dana <Guest> booked a meeting" in to_rep["Subject"] and rep.name in to_guest["Subject"]
    uids = set()
    for mail in (to_rep, to_guest):
        calendar, event = invite_of(mail)
        assert str(calendar["method"]) == "REQUEST"
        assert event.decoded("dtstart") == chosen and event.decoded("dtend") == chosen + timedelta(minutes=45)
        assert event.decoded("dtstart").utcoffset() == timedelta(0)
        assert str(event["organizer"]) == f"mailto:{rep.email}" and event["organizer"].params["CN"] == rep.name
        assert str(event["attendee"]) == "mailto:dana@example.org"
        uids.add(str(event["uid"]))
    assert len(uids) == 1  # one event in both calendars
    assert {m.key for m in await OutboxMessage.filter(kind="meeting_booked")} == {
        f"meeting_booked:{link.id}:owner", f"meeting_booked:{link.id}:guest"}


async def test_meetings_and_working_hours_shape_the_page(db: str) -> None:
    rep, contact = await rep_and_contact("America/New_York")
    assert (await ok(rep, HOURS))["workingHours"] == {
        "weekdays": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00", "timeZone": "America/New_York"}
    # Only Saturdays, 10:00–12:00: hour slots at 10 and 11 each Saturday; a meeting takes the 10:00 one.
    hours = await ok(rep, SET_HOURS, input={"weekdays": [6], "start": "10:00", "end": "12:00"})
    assert hours["setWorkingHours"]["weekdays"] == [6]
    token, _ = await new_link(rep, contact, durationMinutes=60, daysAhead=8)
    link = await booking.find(token)
    zone = booking.ZoneInfo("America/New_York")
    now = datetime.now(UTC)
    saturday = next(d for d in (now.astimezone(zone).date() + timedelta(days=i) for i in range(1, 8))
                    if d.isoweekday() == 6)
    ten = datetime(saturday.year, saturday.month, saturday.day, 10, tzinfo=zone)
    await ok(rep, """mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }""",
             input={"kind": "MEETING", "title": "Own meeting", "occurredAt": ten.isoformat(),
                    "endsAt": (ten + timedelta(minutes=30)).isoformat()})
    async with client() as browser:
        _, _, slots = await open_page(browser, token)
    local = [datetime.fromisoformat(s).astimezone(zone) for s in slots]
    assert local and all(t.isoweekday() == 6 and t.hour in (10, 11) for t in local)
    assert ten not in local and ten + timedelta(hours=1) in local
    assert all(datetime.fromisoformat(s) + timedelta(hours=1) <= link.expires_at for s in slots)


async def test_bad_working_hours_are_refused_naming_the_field(db: str) -> None:
    rep, _ = await rep_and_contact()
    for values, field in (({"weekdays": [], "start": "09:00", "end": "17:00"}, "weekdays"),
                          ({"weekdays": [8], "start": "09:00", "end": "17:00"}, "weekdays"),
                          ({"weekdays": [1], "start": "9am", "end": "17:00"}, "start"),
                          ({"weekdays": [1], "start": "17:00", "end": "09:00"}, "end"),
                          ({"weekdays": [1], "start": "09:00", "end": "24:30"}, "end")):
        problem = await error(rep, SET_HOURS, input=values)
        assert (problem["code"], problem["field"]) == ("BAD_USER_INPUT", field), values
    assert (await ok(rep, HOURS))["workingHours"]["start"] == "09:00"  # nothing written
    marketing = await make_user(Role.MARKETING)
    assert (await error(marketing, SET_HOURS, input={"weekdays": [1], "start": "09:00", "end": "17:00"}))[
        "code"] == "FORBIDDEN"


async def test_closed_and_unknown_links_answer_with_a_clear_page(db: str) -> None:
    rep, contact = await rep_and_contact()
    async with client() as browser:
        unknown = await browser.get("/b/no-such-token")
        assert unknown.status_code == 404 and "Booking link not found" in unknown.text
        posted = await browser.post("/b/no-such-token", data={"slot": "x"})
        assert posted.status_code == 404

        expired, _ = await new_link(rep, contact)
        await BookingLink.filter(token_hash=booking.hash_token(expired)).update(
            expires_at=datetime.now(UTC) - timedelta(minutes=1))
        page, csrf, slots = await open_page(browser, expired)
        assert page.status_code == 200 and "has expired" in page.text and not slots

        revoked, made = await new_link(rep, contact)
        assert (await ok(rep, REVOKE, input={"id": made["link"]["id"]}))["revokeBookingLink"]["state"] == "revoked"
        page, _, slots = await open_page(browser, revoked)
        assert "was withdrawn" in page.text and not slots

        used, _ = await new_link(rep, contact)
        page, csrf, slots = await open_page(browser, used)
        assert (await browser.post(f"/b/{used}", data={"csrf": csrf, "slot": slots[0]})).status_code == 303
        again = await browser.post(f"/b/{used}", data={"csrf": csrf, "slot": slots[1]})
        assert again.status_code == 409 and "Your meeting is booked for" in again.text
        start = datetime.fromisoformat(slots[0]).astimezone(booking.ZoneInfo("Europe/Berlin"))
        assert f"{start:%H:%M}" in again.text

        fresh, _ = await new_link(rep, contact)
        page, csrf, slots = await open_page(browser, fresh)
        forged = await browser.post(f"/b/{fresh}", data={"csrf": "forged", "slot": slots[0]})
        assert forged.status_code == 403 and "reload" in forged.text.lower()
        odd = await browser.post(f"/b/{fresh}", data={"csrf": csrf, "slot": "2020-01-01T09:00:00+00:00"})
        assert odd.status_code == 400 and "not one this page offers" in odd.text
        garbage = await browser.post(f"/b/{fresh}", data={"csrf": csrf, "slot": "next tuesday"})
        assert garbage.status_code == 400
    assert await Activity.filter(kind=ActivityKind.MEETING).count() == 1  # only the one booking


async def test_a_taken_slot_says_so_and_shows_the_rest(db: str) -> None:
    rep, contact = await rep_and_contact()
    first, _ = await new_link(rep, contact)
    second, _ = await new_link(rep, contact, durationMinutes=60)
    async with client() as browser:
        _, csrf_a, slots_a = await open_page(browser, first)
        _, csrf_b, slots_b = await open_page(browser, second)
        assert slots_b[0] in slots_a  # the hours lie on the half hours' grid (both from 09:00)
        assert (await browser.post(f"/b/{first}", data={"csrf": csrf_a, "slot": slots_b[0]})).status_code == 303
        taken = await browser.post(f"/b/{second}", data={"csrf": csrf_b, "slot": slots_b[0]})
    assert taken.status_code == 409 and "just taken" in taken.text
    left = SLOT.findall(taken.text)
    assert slots_b[0] not in left and slots_b[1] in left  # the hour overlapping the 30 minutes is gone


async def test_a_slot_is_offered_minutes_ahead_and_books_until_it_begins(db: str) -> None:
    """On a pinned clock: at 09:57 (Berlin) the 10:00 slot is too close to offer; 10:30 is offered, still books
    at 10:29 (the visitor took their time), and once begun is refused as such, not as a time never offered."""
    rep, contact = await rep_and_contact()
    token, _ = await new_link(rep, contact, durationMinutes=30, daysAhead=14)
    zone = booking.ZoneInfo("Europe/Berlin")
    day = next(d for d in (datetime.now(zone).date() + timedelta(days=i) for i in range(2, 9)) if d.isoweekday() <= 5)

    def at(hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)

    offered = (await booking.offer(token, at(9, 57))).slots
    assert offered[0].starts == at(10, 30)
    with pytest.raises(booking.SlotBegun) as begun:
        await booking.book(token, at(10, 30).isoformat(), now=at(10, 31))
    assert begun.value.extensions == {"code": "CONFLICT", "field": "slot"}
    with pytest.raises(BadUserInput):  # before the link was made: never on its page
        await booking.book(token, "2020-01-01T09:00:00+00:00", now=at(10, 31))
    booked = await booking.book(token, at(10, 30).isoformat(), now=at(10, 29))
    assert booked.starts_at == at(10, 30)


async def test_only_the_owner_sees_and_revokes_and_reps_only_for_contacts_they_see(db: str) -> None:
    rep, contact = await rep_and_contact()
    other = await make_user(Role.SALES_REP, team=await make_team())
    admin = await make_user(Role.ADMIN)
    marketing = await make_user(Role.MARKETING)
    support = await make_user(Role.SUPPORT)
    assert (await error(other, CREATE, input={"contactId": contact["id"]}))["code"] == "NOT_FOUND"
    assert (await error(marketing, CREATE, input={"contactId": contact["id"]}))["code"] == "FORBIDDEN"
    for values, field in (({"durationMinutes": 7}, "durationMinutes"), ({"daysAhead": 0}, "daysAhead"),
                          ({"daysAhead": 61}, "daysAhead"), ({"note": "x" * 2001}, "note")):
        problem = await error(rep, CREATE, input={"contactId": contact["id"], **values})
        assert (problem["code"], problem["field"]) == ("BAD_USER_INPUT", field)
    assert await BookingLink.all().count() == 0 and await OutboxMessage.all().count() == 0
    _, made = await new_link(rep, contact)
    _, by_support = await new_link(support, contact)  # support sees every contact
    for stranger in (other, admin, support):
        assert (await error(stranger, REVOKE, input={"id": made["link"]["id"]}))["code"] == "NOT_FOUND"
    assert [e["node"]["id"] for e in (await ok(admin, LINKS))["bookingLinks"]["edges"]] == []
    assert [e["node"]["id"] for e in (await ok(support, LINKS))["bookingLinks"]["edges"]] == [by_support["link"]["id"]]
    assert [e["node"]["id"] for e in (await ok(rep, LINKS))["bookingLinks"]["edges"]] == [made["link"]["id"]]
    assert (await ok(rep, REVOKE, input={"id": made["link"]["id"]}))["revokeBookingLink"]["revokedAt"]
    entry = await AuditEntry.get(action="booking_link.revoke")
    assert entry.actor_id == rep.id


async def _race(servers: list[Any], tokens_: list[str]) -> list[int]:
    """Every link's visitor opens the page, then all post the same first slot at the same moment."""
    async with httpx.AsyncClient(timeout=60) as http:
        pages = [await http.get(f"{servers[i % 2].base}/b/{t}") for i, t in enumerate(tokens_)]
        slot = SLOT.findall(pages[0].text)[0]
        answers = await asyncio.gather(*(
            http.post(f"{servers[i % 2].base}/b/{t}", data={"csrf": CSRF.findall(p.text)[0], "slot": slot})
            for i, (t, p) in enumerate(zip(tokens_, pages, strict=True))))
    return [a.status_code for a in answers]


async def test_two_contacts_picking_the_same_slot_at_once_one_wins(db: str) -> None:
    """Eight links of one user, half of them for 30 and half for 60 minutes (overlapping), booked at the same
    instant through two server processes: exactly one booking, the others told the time was taken."""
    rep, contact = await rep_and_contact()
    links = [(await new_link(rep, contact, durationMinutes=30 if i % 2 else 60))[0] for i in range(8)]
    admin = await make_user(Role.ADMIN)
    await tokens.create(Actor.for_user(admin, via="test"), "race")
    with smtp_server() as (_, url):
        async with crm_servers(2, db, CRM_PUBLIC_RATE_LIMIT="100000", CRM_SMTP_URL=url) as servers:
            statuses = await _race(servers, links)
    assert sorted(statuses) == [303] + [409] * 7, statuses
    assert await Activity.filter(kind=ActivityKind.MEETING, author_id=rep.id).count() == 1
    assert await BookingLink.filter(booked_at__not_isnull=True).count() == 1


async def test_concurrent_bookings_in_one_process_leave_one_meeting(db: str) -> None:
    """The same race inside one process (on PostgreSQL each booking holds its own connection, so the user's
    row lock is what orders them): one booking, every other one refused as taken."""
    rep, contact = await rep_and_contact()
    links = [(await new_link(rep, contact, durationMinutes=30 if i % 2 else 60))[0] for i in range(6)]
    link = await booking.find(links[0])
    slot = (await booking.slots_for(link, rep, datetime.now(UTC)))[0].starts.isoformat()
    outcomes = await asyncio.gather(*(booking.book(t, slot) for t in links), return_exceptions=True)
    won = [o for o in outcomes if isinstance(o, BookingLink)]
    assert len(won) == 1 and all(isinstance(o, booking.SlotTaken) for o in outcomes if o not in won), outcomes
    assert await Activity.filter(kind=ActivityKind.MEETING, author_id=rep.id).count() == 1
    assert await OutboxMessage.filter(kind="meeting_booked").count() == 2
