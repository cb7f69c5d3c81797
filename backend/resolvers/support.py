"""The support desk's settings: its business calendar and SLA targets (admins change them)."""

from __future__ import annotations

import strawberry

from backend import permissions
from backend.reads.context import Info
from backend.schema.common import provided
from backend.schema.support import (
    CreateSupportFormInput,
    SetSlaPolicyInput,
    SetSupportCalendarInput,
    SlaPolicy,
    SupportCalendarType,
    SupportFormPayload,
)
from backend.services import sla, tickets
from backend.services import support_calendar as service


@strawberry.type
class SupportQuery:
    @strawberry.field(description="The support desk's business hours, holidays and lead")
    async def support_calendar(self, info: Info) -> SupportCalendarType:
        permissions.require_role(info.context.actor)
        return SupportCalendarType.of(await service.calendar_row())

    @strawberry.field(description="SLA targets per priority, most urgent first")
    async def sla_policies(self, info: Info) -> list[SlaPolicy]:
        permissions.require_role(info.context.actor)
        return [SlaPolicy.of(p, t) for p, t in reversed(await service.policies())]


@strawberry.type
class SupportMutation:
    @strawberry.mutation(description="Set the support desk's business hours: running SLA clocks follow at once")
    async def set_support_calendar(self, info: Info, input: SetSupportCalendarInput) -> SupportCalendarType:
        data = provided(input)
        return SupportCalendarType.of(await service.set_calendar(info.context.actor, data.pop("version"), data))

    @strawberry.mutation(description="Set a priority's SLA targets: its running tickets' due times follow at once")
    async def set_sla_policy(self, info: Info, input: SetSlaPolicyInput) -> SlaPolicy:
        await service.set_policy(info.context.actor, input.priority, input.first_response_minutes,
                                 input.resolution_minutes, input.escalate_to, input.escalate_assignee_id)
        return SlaPolicy.of(input.priority, await sla.targets(input.priority))

    @strawberry.mutation(description="The customer's public support form (made on first asking; the same one after)")
    async def create_support_form(self, info: Info, input: CreateSupportFormInput) -> SupportFormPayload:
        form = await tickets.support_form(info.context.actor, input.customer_id)
        return SupportFormPayload(url=tickets.form_url(form))
