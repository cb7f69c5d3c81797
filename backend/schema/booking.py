"""Meeting booking as the API shows it: your working hours and your booking links."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.models import BookingLink
from backend.reads.context import Info
from backend.schema.rows import Shows
from backend.services import booking as service
from backend.services.slots import Hours

if TYPE_CHECKING:
    from backend.schema.contacts import ContactType

ContactRef = Annotated["ContactType", strawberry.lazy("backend.schema.contacts")]


@strawberry.type(name="WorkingHours", description="When you take meetings, in your own time zone")
class WorkingHoursType:
    weekdays: list[int] = strawberry.field(description="ISO weekdays: 1 = Monday … 7 = Sunday")
    start: str = strawberry.field(description="Local start time, HH:MM")
    end: str = strawberry.field(description="Local end time, HH:MM (24:00 = midnight)")
    time_zone: str = strawberry.field(description="Your time zone (the user's timeZone)")

    @classmethod
    def of(cls, hours: Hours, time_zone: str) -> WorkingHoursType:
        return cls(weekdays=sorted(hours.weekdays), start=hours.start, end=hours.end, time_zone=time_zone)


@strawberry.input(description="Your working hours: the days and the local times you take meetings")
class SetWorkingHoursInput:
    weekdays: list[int] = strawberry.field(description="ISO weekdays: 1 = Monday … 7 = Sunday")
    start: str = strawberry.field(description="Local start time, HH:MM")
    end: str = strawberry.field(description="Local end time, HH:MM, after the start (24:00 = midnight)")


@strawberry.type(name="BookingLink", description="A link you sent a contact to book a meeting with you")
class BookingLinkType(Shows[BookingLink]):
    id: strawberry.ID = strawberry.field(description="Link id (pass it to revokeBookingLink)")
    duration_minutes: int = strawberry.field(description="Length of the meeting offered")
    days_ahead: int = strawberry.field(description="How many days ahead it offers slots; it expires then")
    note: str = strawberry.field(description="Your note to the contact, shown on the booking page")
    created_at: datetime = strawberry.field(description="When it was sent")
    expires_at: datetime = strawberry.field(description="When it stops working")
    revoked_at: datetime | None = strawberry.field(description="When you withdrew it")
    booked_at: datetime | None = strawberry.field(description="When the contact booked")
    starts_at: datetime | None = strawberry.field(description="The meeting booked: its start")
    ends_at: datetime | None = strawberry.field(description="The meeting booked: its end")

    @strawberry.field(description="open, booked, revoked or expired")
    @staticmethod
    def state(link: strawberry.Parent[BookingLink]) -> str:
        return service.state_of(link)

    @strawberry.field(description="The contact it was sent to")
    @staticmethod
    async def contact(link: strawberry.Parent[BookingLink], info: Info) -> ContactRef | None:
        from backend.schema.contacts import ContactType

        return ContactType.of_maybe(await info.context.loaders.contact.load(link.contact_id))

    @strawberry.field(description="The meeting (activity) booked through it: activity(id) reads it")
    @staticmethod
    def meeting_id(link: strawberry.Parent[BookingLink]) -> strawberry.ID | None:
        return strawberry.ID(str(link.activity_id)) if link.activity_id is not None else None


@strawberry.input(description="A booking link for a contact: it is emailed to them")
class CreateBookingLinkInput:
    contact_id: strawberry.ID = strawberry.field(description="A contact you may see, with an email address")
    duration_minutes: int = strawberry.field(default=30, description="15, 30, 45, 60, 90 or 120")
    days_ahead: int = strawberry.field(default=14, description="Offer slots this many days ahead (1–60)")
    note: str = strawberry.field(default="", description="A note to the contact (shown on the page and in the email)")


@strawberry.type(description="The new link; its address is shown this once (it is emailed to the contact too)")
class CreateBookingLinkPayload:
    link: BookingLinkType = strawberry.field(description="The link")
    url: str = strawberry.field(description="The booking page's address, /b/{token}")


@strawberry.input(description="Withdraw a booking link of yours that was not used")
class RevokeBookingLinkInput:
    id: strawberry.ID = strawberry.field(description="The link")
