"""Support tickets: the queue (sorted by SLA due), one ticket, their mutations, and ticketChanged.

ticketChanged reads each changed ticket back through the subscriber's row rules, once per event and
audience in this process (FanOut), however many subscribers share that audience.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated

import strawberry
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.events import TicketChanged
from backend.models import Ticket
from backend.reads.columns import selected_columns
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.reads.ticket_figures import SOON, ticket_figures
from backend.resolvers.streams import FanOut, seen_rows
from backend.schema.common import provided
from backend.schema.tickets import (
    ChangeTicketStatusInput,
    CreateTicketInput,
    ReplyToTicketInput,
    ReplyToTicketPayload,
    TicketChange,
    TicketChangeKind,
    TicketFilter,
    TicketMessageType,
    TicketSummary,
    TicketType,
    UpdateTicketInput,
)
from backend.services import tickets as service
from backend.services import validate as v
from backend.services.search import every_word

ticket_fan_out = FanOut()


def filter_query(query: QuerySet, where: TicketFilter | None, actor: Actor) -> QuerySet:
    if where is None:
        return query
    if where.mine:
        query = query.filter(assignee_id=actor.user_id or 0)
    if where.unassigned:
        query = query.filter(assignee_id=None)
    if where.status:
        query = query.filter(status__in=list(where.status))
    if where.priority:
        query = query.filter(priority__in=list(where.priority))
    if where.breaching_soon:
        query = query.filter(queue_at__lte=datetime.now(UTC) + SOON)
    if where.customer_id is not None:
        query = query.filter(customer_id=v.parse_id("filter.customerId", where.customer_id))
    if where.assignee_id is not None:
        query = query.filter(assignee_id=v.parse_id("filter.assigneeId", where.assignee_id))
    return query


@strawberry.type
class TicketQuery:
    @strawberry.field(description="One ticket by id (NOT_FOUND when it does not exist or is not visible)")
    async def ticket(self, info: Info, id: strawberry.ID) -> TicketType:
        return TicketType.of(await service.visible(info.context.actor, id))

    @strawberry.field(description="Tickets you may see, filtered and searched, soonest SLA due first "
                      "(tickets whose clock is paused last)")
    async def tickets(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: TicketFilter | None = None,
        search: Annotated[str | None, strawberry.argument(description="Words in the subject or description")] = None,
    ) -> Connection[TicketType]:
        actor = info.context.actor
        query = filter_query(Ticket.filter(permissions.ticket_rule(actor)), filter, actor)
        if search and search.strip():
            query = query.filter(every_word(search, "subject", "description"))
        return await paginate(query, field="queue_at", descending=False, first=first, after=after,
                              columns=selected_columns(info, TicketType, Ticket, ("edges", "node")))

    @strawberry.field(description="Tickets in figures for the support dashboard: open, unassigned, breaching "
                      "soon, breaches and mean response and resolution times over 30 days")
    async def ticket_summary(self, info: Info) -> TicketSummary:
        return TicketSummary.of(await ticket_figures(info.context.actor, datetime.now(UTC)))


@strawberry.type
class TicketMutation:
    @strawberry.mutation(description="Open a ticket on a customer; its SLA clock starts now")
    async def create_ticket(self, info: Info, input: CreateTicketInput) -> TicketType:
        return TicketType.of(await service.create_ticket(info.context.actor, provided(input)))

    @strawberry.mutation(description="Change a ticket's subject, priority, assignee, tags, contact, deal …")
    async def update_ticket(self, info: Info, input: UpdateTicketInput) -> TicketType:
        data = provided(input)
        return TicketType.of(await service.update_ticket(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Move a ticket along new → open → pending_customer → resolved → closed, "
                         "or reopen it")
    async def change_ticket_status(self, info: Info, input: ChangeTicketStatusInput) -> TicketType:
        return TicketType.of(await service.change_status(info.context.actor, input.id, input.version, input.status))

    @strawberry.mutation(description="Reply to the customer, or add an internal note")
    async def reply_to_ticket(self, info: Info, input: ReplyToTicketInput) -> ReplyToTicketPayload:
        actor = info.context.actor
        message = await service.reply(actor, input.id, input.body, input.internal)
        ticket = await service.visible(actor, message.ticket_id)
        return ReplyToTicketPayload(message=TicketMessageType.of(message), ticket=TicketType.of(ticket))


async def _read_ticket(who: Actor, p: TicketChanged) -> Ticket | None:
    return await Ticket.filter(permissions.ticket_rule(who), id=p.id).first()


@strawberry.type
class TicketSubscription:
    @strawberry.subscription(description="Every change to a ticket you may see: created, edited, moved, replied "
                             "to, SLA warned or breached; with the ticket as you see it now")
    async def ticket_changed(self, info: Info) -> AsyncGenerator[TicketChange, None]:
        async for p, ticket in seen_rows(info.context, topics.tickets(), TicketChanged, ticket_fan_out, _read_ticket):
            yield TicketChange(kind=TicketChangeKind(p.what), ticket_id=strawberry.ID(str(p.id)),
                               ticket=TicketType.of(ticket))

