"""The support desk's settings as the API shows them: the business calendar and the SLA targets per priority."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types.unset import UNSET

from backend.models import SupportCalendar
from backend.reads.context import Info
from backend.schema.rows import Shows
from backend.schema.tickets import TicketPriority
from backend.schema.users import UserType
from backend.services.sla import Targets
from backend.services.slots import clock


@strawberry.type(name="SupportCalendar", description="The support desk's business hours: SLA targets count only "
                 "these minutes")
class SupportCalendarType(Shows[SupportCalendar]):
    time_zone: str = strawberry.field(description="IANA time zone the hours are in, e.g. Europe/Berlin")
    version: int = strawberry.field(description="Send it back with setSupportCalendar")

    @strawberry.field(description="ISO weekdays: 1 = Monday … 7 = Sunday")
    @staticmethod
    def weekdays(row: strawberry.Parent[SupportCalendar]) -> list[int]:
        return sorted(int(d) for d in row.weekdays)

    @strawberry.field(description="Local opening time, HH:MM")
    @staticmethod
    def start(row: strawberry.Parent[SupportCalendar]) -> str:
        return clock(row.start_minute)

    @strawberry.field(description="Local closing time, HH:MM (24:00 = midnight)")
    @staticmethod
    def end(row: strawberry.Parent[SupportCalendar]) -> str:
        return clock(row.end_minute)

    @strawberry.field(description="Days off: no business time on them")
    @staticmethod
    def holidays(row: strawberry.Parent[SupportCalendar]) -> list[date]:
        return [date.fromisoformat(d) for d in row.holidays]

    @strawberry.field(description="The support lead: told of near-breaches and breaches (null: the admins)")
    @staticmethod
    async def lead(row: strawberry.Parent[SupportCalendar], info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(row.lead_id)) if row.lead_id else None


@strawberry.type(description="SLA targets of one priority, in business minutes")
class SlaPolicy:
    priority: TicketPriority
    first_response_minutes: int
    resolution_minutes: int
    escalate_to: TicketPriority | None = strawberry.field(
        description="On a breach the ticket's priority becomes this (once per ticket; null: unchanged)")
    escalate_assignee_id: strawberry.ID | None = strawberry.field(
        description="On a breach the ticket is handed to this user, e.g. the support lead (once; null: unchanged)")

    @strawberry.field(description="The user breached tickets are handed to (null: none)")
    async def escalate_assignee(self, info: Info) -> UserType | None:
        if self.escalate_assignee_id is None:
            return None
        return UserType.of_maybe(await info.context.loaders.user.load(int(self.escalate_assignee_id)))

    @classmethod
    def of(cls, priority: TicketPriority, targets: Targets) -> SlaPolicy:
        return cls(priority=priority, first_response_minutes=targets.first_response,
                   resolution_minutes=targets.resolution,
                   escalate_to=targets.escalate_to,
                   escalate_assignee_id=strawberry.ID(str(targets.escalate_assignee_id))
                   if targets.escalate_assignee_id else None)


@strawberry.input(description="The support desk's business hours")
class SetSupportCalendarInput:
    version: int
    weekdays: list[int] = strawberry.field(description="ISO weekdays: 1 = Monday … 7 = Sunday")
    start: str = strawberry.field(description="Local opening time, HH:MM")
    end: str = strawberry.field(description="Local closing time, HH:MM, after the opening (24:00 = midnight)")
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Berlin")
    holidays: list[date] | None = strawberry.field(default=UNSET, description="Days off")
    lead_id: strawberry.ID | None = strawberry.field(default=UNSET, description="The support lead (null: the admins)")


@strawberry.input(description="SLA targets of one priority, in business minutes")
class SetSlaPolicyInput:
    priority: TicketPriority
    first_response_minutes: int
    resolution_minutes: int
    escalate_to: TicketPriority | None = strawberry.field(
        default=None, description="A higher priority a breached ticket gets, once (null: none)")
    escalate_assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="The user a breached ticket is handed to, once (null: none)")


@strawberry.type(description="A customer's public support form: their people file web tickets through it")
class SupportFormPayload:
    url: str = strawberry.field(description="The form's address, /support/{code}: share it with the customer")


@strawberry.input(description="The customer whose public support form to make (or show again)")
class CreateSupportFormInput:
    customer_id: strawberry.ID
