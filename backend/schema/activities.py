"""Activities (calls, emails, meetings, notes, tasks, deal updates) as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.models import Outcome as OutcomeModel
from backend.models import Priority as PriorityModel
from backend.models import TaskStatus as TaskStatusModel
from backend.schema.customers import ActivityKindEnum
from backend.schema.users import UserType
from backend.schema.context import Info

if TYPE_CHECKING:
    from backend.schema.contacts import ContactType
    from backend.schema.customers import CustomerType
    from backend.schema.deals import DealType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]
ContactRef = Annotated["ContactType", strawberry.lazy("backend.schema.contacts")]
DealRef = Annotated["DealType", strawberry.lazy("backend.schema.deals")]

Outcome = strawberry.enum(OutcomeModel, name="Outcome", description="How an interaction went")
Priority = strawberry.enum(PriorityModel, name="Priority", description="Task priority")
TaskStatus = strawberry.enum(
    TaskStatusModel, name="TaskStatus", description="new, scheduled, rescheduled, done or aborted"
)


@strawberry.type(name="Activity", description="An interaction or task, on a customer's timeline")
class ActivityType:
    id: strawberry.ID = strawberry.field(description="Activity id")
    kind: ActivityKindEnum = strawberry.field(description="call, email, meeting, note, task or deal update")  # type: ignore[valid-type]
    title: str = strawberry.field(description="Brief description")
    description: str = strawberry.field(description="Details")
    duration_minutes: int | None = strawberry.field(description="For calls and meetings")
    outcome: Outcome | None = strawberry.field(description="positive, neutral or negative")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(description="When it happened (tasks: when logged)")
    due_at: datetime | None = strawberry.field(description="Tasks: due")
    priority: Priority | None = strawberry.field(description="Tasks: priority")  # type: ignore[valid-type]
    task_status: TaskStatus | None = strawberry.field(description="Tasks: status")  # type: ignore[valid-type]
    completed_at: datetime | None = strawberry.field(description="Tasks: when done")
    version: int = strawberry.field(description="Send it back with task changes")
    created_at: datetime = strawberry.field(description="Logged at")

    @strawberry.field(description="The customer")
    async def customer(self, info: Info) -> CustomerRef | None:
        customer_id = self.customer_id  # type: ignore[attr-defined]
        return await info.context.loaders.customer.load(customer_id) if customer_id else None

    @strawberry.field(description="The contact")
    async def contact(self, info: Info) -> ContactRef | None:
        contact_id = self.contact_id  # type: ignore[attr-defined]
        return await info.context.loaders.contact.load(contact_id) if contact_id else None

    @strawberry.field(description="The deal")
    async def deal(self, info: Info) -> DealRef | None:
        deal_id = self.deal_id  # type: ignore[attr-defined]
        return await info.context.loaders.deal.load(deal_id) if deal_id else None

    @strawberry.field(description="Who logged it")
    async def author(self, info: Info) -> UserType | None:
        user_id = self.author_id  # type: ignore[attr-defined]
        return await info.context.loaders.user.load(user_id) if user_id else None

    @strawberry.field(description="Tasks: who should do it")
    async def assignee(self, info: Info) -> UserType | None:
        user_id = self.assignee_id  # type: ignore[attr-defined]
        return await info.context.loaders.user.load(user_id) if user_id else None
