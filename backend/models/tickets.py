"""Customer support: tickets, their conversation, the SLA they run under and the support desk's calendar.

A ticket belongs to a customer and is seen exactly when that customer is (permissions.ticket_rule). Its
number (T-1042) is its id shown with an offset: unique and race-free without a counter row to lock.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.contacts import Contact
    from backend.models.customers import Customer
    from backend.models.deals import Deal
    from backend.models.users import Team, User

NUMBER_OFFSET = 1000  # ticket 1 is T-1001: numbers look like a desk's, not like a fresh install's


class TicketStatus(str, Enum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"  # waiting for the customer: the SLA clock stops
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketPriority(str, Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketChannel(str, Enum):
    EMAIL = "email"
    PHONE = "phone"
    WEB = "web"  # the public support form
    CHAT = "chat"


class SlaTarget(str, Enum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class SlaLevel(str, Enum):
    WARNING = "warning"  # 80 % of the target's business time used
    BREACH = "breach"
    ESCALATED = "escalated"  # the policy's escalation applied (once per ticket, on its first breach)


class Ticket(Editable):
    id = fields.IntField(primary_key=True)
    subject = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tickets", on_delete=fields.CASCADE
    )
    customer_id: int
    contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="tickets", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    contact_id: int | None
    deal: fields.ForeignKeyNullableRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="tickets", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    deal_id: int | None
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="tickets", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    team_id: int | None
    channel = fields.CharEnumField(TicketChannel, max_length=10)
    category = fields.CharField(max_length=60, default="")
    priority = fields.CharEnumField(TicketPriority, max_length=10, default=TicketPriority.NORMAL)
    status = fields.CharEnumField(TicketStatus, max_length=20, default=TicketStatus.NEW)
    tags: fields.Field[list] = fields.JSONField(default=list)
    requester_email = fields.CharField(max_length=254, default="")  # who wrote in, as they gave it (public form)
    # SLA clock (services/sla.py): targets count business minutes from created_at, plus the business minutes
    # spent paused (waiting for the customer, resolved, closed). Due times are null while paused or met.
    paused_at = fields.DatetimeField(null=True)
    paused_minutes = fields.IntField(default=0)
    first_response_due_at = fields.DatetimeField(null=True)
    first_responded_at = fields.DatetimeField(null=True)
    resolution_due_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    # The queue's order: the next SLA due time, or QUEUE_END while no clock runs (a non-null keyset key).
    queue_at = fields.DatetimeField()
    # The customer's answer to the one-question survey mailed on resolution: 1 (poor) to 5 (excellent).
    satisfaction = fields.IntField(null=True)
    rated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ticket"
        indexes = (("queue_at", "id"), ("customer_id", "created_at"), ("assignee_id", "queue_at"))

    @property
    def number(self) -> str:
        return f"T-{self.id + NUMBER_OFFSET}"


class TicketMessage(Model):
    """A public reply (the customer sees it) or an internal note; from a user or from the customer."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    ticket_id: int
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ticket_messages", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    author_id: int | None
    author_name = fields.CharField(max_length=200, default="")  # the customer's name when no user wrote it
    internal = fields.BooleanField(default=False)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_message"
        indexes = (("ticket_id", "created_at"),)


class SupportForm(Model):
    """A customer's public support form `/support/{code}`: their people file web tickets through it."""

    id = fields.IntField(primary_key=True)
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "models.Customer", related_name="support_form", on_delete=fields.CASCADE
    )
    customer_id: int
    code = fields.CharField(max_length=40, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "support_form"


class SlaPolicy(Model):
    """Targets for one priority, in business minutes of the support calendar."""

    id = fields.IntField(primary_key=True)
    priority = fields.CharEnumField(TicketPriority, max_length=10, unique=True)
    first_response_minutes = fields.IntField()
    resolution_minutes = fields.IntField()
    # Escalation, applied once per ticket on its first breach (services/sla.py): a higher priority, a new assignee.
    escalate_to = fields.CharEnumField(TicketPriority, max_length=10, null=True)
    escalate_assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sla_escalations", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    escalate_assignee_id: int | None

    class Meta:
        table = "sla_policy"


class SupportCalendar(Model):
    """The support desk's business hours (one row): working days and hours in a time zone, minus holidays;
    `lead` is told of near-breaches and breaches besides the assignee (admins when unset)."""

    id = fields.IntField(primary_key=True)
    weekdays = fields.CharField(max_length=7, default="12345")  # ISO weekdays as digits, as working_hours
    start_minute = fields.IntField(default=9 * 60)
    end_minute = fields.IntField(default=17 * 60)
    time_zone = fields.CharField(max_length=64, default="UTC")
    holidays: fields.Field[list] = fields.JSONField(default=list)  # ISO dates
    lead: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="support_lead_of", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    lead_id: int | None
    version = fields.IntField(default=1)

    class Meta:
        table = "support_calendar"


class SlaEvent(Model):
    """A near-breach or breach, recorded once per ticket, target, level and due time."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="sla_events", on_delete=fields.CASCADE
    )
    ticket_id: int
    target = fields.CharEnumField(SlaTarget, max_length=20)
    level = fields.CharEnumField(SlaLevel, max_length=10)
    due_at = fields.DatetimeField()
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sla_event"
        unique_together = (("ticket_id", "target", "level", "due_at"),)
