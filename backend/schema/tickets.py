"""Support tickets as the API shows them: the ticket with its SLA clock, its conversation, and the inputs."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.models import (
    CustomEntity,
    SlaEvent,
    SlaLevel,
    SlaTarget,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketStatus,
)
from backend.models import TicketPriority as TicketPriorityModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.reads.ticket_figures import TicketFigures
from backend.schema.attachments import AttachmentRecord, AttachmentType, attachments_of
from backend.schema.custom_fields import CustomFieldValue, CustomFieldValueInput, record_values
from backend.schema.rows import Shows
from backend.schema.users import TeamType, UserType
from backend.services import sla
from backend.services import tickets as ticket_service

if TYPE_CHECKING:
    from backend.schema.contacts import ContactType
    from backend.schema.customers import CustomerType
    from backend.schema.deals import DealType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]
ContactRef = Annotated["ContactType", strawberry.lazy("backend.schema.contacts")]
DealRef = Annotated["DealType", strawberry.lazy("backend.schema.deals")]

strawberry.enum(TicketStatus, name="TicketStatus",
                description="new → open → pending_customer → resolved → closed; resolved and closed ones reopen")
# The models' enum, registered for the API here (other schema modules import it from this one).
TicketPriority = TicketPriorityModel
strawberry.enum(TicketPriority, name="TicketPriority", description="low, normal, high or urgent: sets the SLA targets")
strawberry.enum(TicketChannel, name="TicketChannel", description="How the ticket came in: email, phone, web form, chat")
strawberry.enum(SlaTarget, name="SlaTarget", description="first_response or resolution")
strawberry.enum(SlaLevel, name="SlaLevel", description="warning (80 % of the target used), breach, or escalated "
               "(the policy's escalation applied, once per ticket)")


@strawberry.type(name="TicketMessage", description="A public reply or an internal note on a ticket")
class TicketMessageType(Shows[TicketMessage]):
    id: strawberry.ID
    body: str
    internal: bool = strawberry.field(description="An internal note: never shown to the customer")
    author_name: str = strawberry.field(description="Who wrote it (the customer's name for messages they sent)")
    created_at: datetime

    @strawberry.field(description="The user who wrote it (null: the customer)")
    @staticmethod
    async def author(message: strawberry.Parent[TicketMessage], info: Info) -> UserType | None:
        user_id = message.author_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None


@strawberry.type(name="SlaEvent", description="A recorded near-breach or breach of a ticket's SLA")
class SlaEventType(Shows[SlaEvent]):
    target: SlaTarget
    level: SlaLevel
    due_at: datetime
    at: datetime = strawberry.field(description="When it was recorded")


@strawberry.type(name="Ticket", description="A customer's support request, its SLA clock and its conversation")
class TicketType(Shows[Ticket]):
    id: strawberry.ID
    number: str = strawberry.field(description="Human-readable number, e.g. T-1042")
    subject: str
    description: str
    channel: TicketChannel
    category: str
    priority: TicketPriority
    status: TicketStatus
    tags: list[str]
    requester_email: str = strawberry.field(description="The email the sender gave (web form)")
    first_response_due_at: datetime | None = strawberry.field(description="null: met, or the clock is paused")
    first_responded_at: datetime | None
    resolution_due_at: datetime | None = strawberry.field(description="null: the clock is paused (pending customer, resolved, closed)")
    resolved_at: datetime | None
    closed_at: datetime | None
    paused_at: datetime | None = strawberry.field(description="Since when the SLA clock is paused")
    satisfaction: int | None = strawberry.field(
        description="The customer's answer to the survey mailed on resolution: 1 (very poor) to 5 (excellent)")
    rated_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The next SLA due time (null while the clock is paused): the queue's order",
                      metadata=reads("queue_at"))
    @staticmethod
    def sla_due_at(ticket: strawberry.Parent[Ticket]) -> datetime | None:
        return None if ticket.queue_at >= sla.QUEUE_END else ticket.queue_at

    @strawberry.field(description="Statuses it may move to next", metadata=reads("status"))
    @staticmethod
    def allowed_statuses(ticket: strawberry.Parent[Ticket]) -> list[TicketStatus]:
        return ticket_service.allowed_next(ticket)

    @strawberry.field(description="The customer", metadata=reads("customer_id"))
    @staticmethod
    async def customer(ticket: strawberry.Parent[Ticket], info: Info) -> CustomerRef | None:
        from backend.schema.customers import CustomerType

        return CustomerType.of_maybe(await info.context.loaders.customer.load(ticket.customer_id))

    @strawberry.field(description="The customer's contact who asked", metadata=reads("contact_id"))
    @staticmethod
    async def contact(ticket: strawberry.Parent[Ticket], info: Info) -> ContactRef | None:
        from backend.schema.contacts import ContactType

        contact_id = ticket.contact_id
        return ContactType.of_maybe(await info.context.loaders.contact.load(contact_id)) if contact_id else None

    @strawberry.field(description="The related deal", metadata=reads("deal_id"))
    @staticmethod
    async def deal(ticket: strawberry.Parent[Ticket], info: Info) -> DealRef | None:
        from backend.schema.deals import DealType

        deal_id = ticket.deal_id
        return DealType.of_maybe(await info.context.loaders.deal.load(deal_id)) if deal_id else None

    @strawberry.field(description="Who works on it", metadata=reads("assignee_id"))
    @staticmethod
    async def assignee(ticket: strawberry.Parent[Ticket], info: Info) -> UserType | None:
        user_id = ticket.assignee_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None

    @strawberry.field(description="The assignee's team", metadata=reads("team_id"))
    @staticmethod
    async def team(ticket: strawberry.Parent[Ticket], info: Info) -> TeamType | None:
        team_id = ticket.team_id
        return TeamType.of_maybe(await info.context.loaders.team.load(team_id)) if team_id else None

    @strawberry.field(description="The conversation, oldest first: public replies and internal notes")
    @staticmethod
    async def messages(ticket: strawberry.Parent[Ticket], info: Info) -> list[TicketMessageType]:
        return TicketMessageType.of_all(await info.context.loaders.messages_of_ticket.load(ticket.id))

    @strawberry.field(description="Near-breaches and breaches recorded, oldest first")
    @staticmethod
    async def sla_events(ticket: strawberry.Parent[Ticket], info: Info) -> list[SlaEventType]:
        return SlaEventType.of_all(await info.context.loaders.sla_events_of_ticket.load(ticket.id))

    @strawberry.field(description="Files attached to it, newest first", metadata=reads())
    @staticmethod
    async def attachments(ticket: strawberry.Parent[Ticket], info: Info) -> list[AttachmentType]:
        return await attachments_of(info, AttachmentRecord.TICKET, ticket.id)

    @strawberry.field(description="Custom fields in use on tickets, with this one's values", metadata=reads())
    @staticmethod
    async def custom_fields(ticket: strawberry.Parent[Ticket], info: Info) -> list[CustomFieldValue]:
        return await record_values(info, CustomEntity.TICKET, ticket.id)


@strawberry.input(description="Which tickets to list; all conditions must hold")
class TicketFilter:
    mine: bool | None = strawberry.field(default=None, description="true: assigned to me")
    unassigned: bool | None = strawberry.field(default=None, description="true: assigned to nobody")
    status: list[TicketStatus] | None = strawberry.field(default=None, description="In any of these statuses")
    priority: list[TicketPriority] | None = strawberry.field(default=None, description="Of any of these priorities")
    breaching_soon: bool | None = strawberry.field(
        default=None, description="true: the next SLA due time is within the hour, or past")
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="Of this customer")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Assigned to this user")


@strawberry.input(description="A new ticket")
class CreateTicketInput:
    subject: str
    customer_id: strawberry.ID
    description: str | None = UNSET
    contact_id: strawberry.ID | None = UNSET
    deal_id: strawberry.ID | None = UNSET
    assignee_id: strawberry.ID | None = UNSET
    channel: TicketChannel | None = strawberry.field(default=UNSET, description="Default: phone")
    category: str | None = UNSET
    priority: TicketPriority | None = strawberry.field(default=UNSET, description="Default: normal")
    tags: list[str] | None = UNSET
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values; fields not sent get their default"
    )


@strawberry.input(description="Changes to a ticket; fields left out stay as they are")
class UpdateTicketInput:
    id: strawberry.ID
    version: int
    subject: str | None = UNSET
    description: str | None = UNSET
    contact_id: strawberry.ID | None = UNSET
    deal_id: strawberry.ID | None = UNSET
    assignee_id: strawberry.ID | None = UNSET
    category: str | None = UNSET
    priority: TicketPriority | None = UNSET
    tags: list[str] | None = UNSET
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values to set (all slots empty clears one); others stay"
    )


@strawberry.input(description="Move a ticket along its workflow")
class ChangeTicketStatusInput:
    id: strawberry.ID
    status: TicketStatus
    version: int | None = strawberry.field(default=None, description="When given, a stale one is a CONFLICT")


@strawberry.input(description="A public reply to the customer, or an internal note")
class ReplyToTicketInput:
    id: strawberry.ID
    body: str
    internal: bool = strawberry.field(default=False, description="true: an internal note")


@strawberry.type(description="What a reply made: the message and the ticket after it")
class ReplyToTicketPayload:
    message: TicketMessageType
    ticket: TicketType


@strawberry.enum(description="What happened to a ticket")
class TicketChangeKind(Enum):
    CREATED = "created"
    UPDATED = "updated"
    STATUS = "status"
    REPLY = "reply"
    NOTE = "note"
    SLA = "sla"


@strawberry.type(description="A ticket you may see changed, as you see it now")
class TicketChange:
    kind: TicketChangeKind
    ticket_id: strawberry.ID
    ticket: TicketType


@strawberry.type(description="Tickets in figures, for the support dashboard (row rules apply)")
class TicketSummary:
    open: int = strawberry.field(description="Not yet resolved or closed")
    unassigned: int = strawberry.field(description="Open and assigned to nobody")
    breaching_soon: int = strawberry.field(description="Open with the next SLA due time within the hour or past")
    breaches: int = strawberry.field(description="SLA breaches recorded over the last 30 days")
    average_first_response_minutes: float | None = strawberry.field(
        description="Tickets created over the last 30 days: mean minutes to the first public reply")
    average_resolution_minutes: float | None = strawberry.field(
        description="Tickets resolved over the last 30 days: mean minutes from creation to resolution")
    average_satisfaction: float | None = strawberry.field(
        description="Survey answers over the last 30 days: their mean, 1 to 5 (null: none yet)")
    rated: int = strawberry.field(description="Survey answers over the last 30 days")

    @staticmethod
    def of(figures: TicketFigures) -> TicketSummary:
        return TicketSummary(**asdict(figures))
