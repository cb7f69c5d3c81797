"""Meeting booking: your working hours, your booking links, creating and withdrawing them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend import permissions
from backend.models import BookingLink, User
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.booking import (
    BookingLinkType,
    CreateBookingLinkInput,
    CreateBookingLinkPayload,
    RevokeBookingLinkInput,
    SetWorkingHoursInput,
    WorkingHoursType,
)
from backend.services import booking as service
from backend.services import validate as v


async def _zone(info: Info) -> str:
    user = await info.context.loaders.user.load(info.context.actor.user_id or 0)
    return user.time_zone if isinstance(user, User) else "UTC"


@strawberry.type
class BookingQuery:
    @strawberry.field(description="Your working hours (Monday to Friday, 09:00–17:00 until you set them)")
    async def working_hours(self, info: Info) -> WorkingHoursType:
        hours = await service.own_hours(info.context.actor)
        return WorkingHoursType.of(hours, await _zone(info))

    @strawberry.field(description="Your booking links, newest first (contactId: only those sent to this contact)")
    async def booking_links(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        contact_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only links to this contact")]
        = None,
    ) -> Connection[BookingLinkType]:
        query = BookingLink.filter(permissions.booking_link_rule(info.context.actor))
        if contact_id is not None:
            query = query.filter(contact_id=v.parse_id("contactId", contact_id))
        return await paginate(query, field="id", descending=True, first=first, after=after)


@strawberry.type
class BookingMutation:
    @strawberry.mutation(description="Set your working hours: booking links offer slots within them")
    async def set_working_hours(self, info: Info, input: SetWorkingHoursInput) -> WorkingHoursType:
        hours = await service.set_hours(info.context.actor, input.weekdays, input.start, input.end)
        return WorkingHoursType.of(hours, await _zone(info))

    @strawberry.mutation(description="Send a contact a link to book a meeting in your free time (emailed to them)")
    async def create_booking_link(self, info: Info, input: CreateBookingLinkInput) -> CreateBookingLinkPayload:
        link, token = await service.create_link(info.context.actor, input.contact_id, input.duration_minutes,
                                                input.days_ahead, input.note)
        return CreateBookingLinkPayload(link=BookingLinkType.of(link), url=service.link_url(token))

    @strawberry.mutation(description="Withdraw a booking link of yours that was not used")
    async def revoke_booking_link(self, info: Info, input: RevokeBookingLinkInput) -> BookingLinkType:
        return BookingLinkType.of(await service.revoke_link(info.context.actor, input.id))
