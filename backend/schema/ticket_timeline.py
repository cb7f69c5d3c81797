"""Tickets on a customer's timeline (issue 20): each ticket's opening and, once resolved, its resolution, as
entries the 360° view interleaves with the activities, newest first."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from backend.reads.context import Info
from backend.schema.tickets import TicketType


@strawberry.enum(description="What happened to the ticket at that moment")
class TicketMoment(Enum):
    CREATED = "created"
    RESOLVED = "resolved"


@strawberry.type(description="A ticket opened or resolved, as a line on its customer's timeline")
class TicketTimelineEntry:
    kind: TicketMoment = strawberry.field(description="Opened (CREATED) or resolved (RESOLVED)")
    at: datetime = strawberry.field(description="When")
    ticket: TicketType = strawberry.field(description="The ticket")


async def ticket_entries(info: Info, customer_id: int, first: int) -> list[TicketTimelineEntry]:
    """The newest `first` entries of a customer: its newest tickets opened and newest resolved, two statements
    for all the customers of a document (loaders), merged by time."""
    loaders = info.context.loaders
    opened = await loaders.recent_tickets("created_at", first).load(customer_id)
    resolved = await loaders.recent_tickets("resolved_at", first).load(customer_id)
    entries = [TicketTimelineEntry(kind=TicketMoment.CREATED, at=t.created_at, ticket=TicketType.of(t)) for t in opened]
    entries += [TicketTimelineEntry(kind=TicketMoment.RESOLVED, at=t.resolved_at, ticket=TicketType.of(t))
                for t in resolved if t.resolved_at is not None]
    entries.sort(key=lambda e: (e.at, e.kind is TicketMoment.RESOLVED, int(e.ticket.id)), reverse=True)
    return entries[:first]
