"""Activities (calls, emails, meetings, notes, tasks, deal updates) as the API shows them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.models import Activity
from backend.models import Outcome as OutcomeModel
from backend.models import Priority as PriorityModel
from backend.models import TaskStatus as TaskStatusModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.schema.common import DateTimeRange, SortDirection
from backend.schema.customers import ActivityKindEnum
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services import activities as activity_service

if TYPE_CHECKING:
    from backend.schema.contacts import ContactType
    from backend.schema.customers import CustomerType
    from backend.schema.deals import DealType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]
ContactRef = Annotated["ContactType", strawberry.lazy("backend.schema.contacts")]
DealRef = Annotated["DealType", strawberry.lazy("backend.schema.deals")]

# The API's enums are the models' own Enum classes, registered with strawberry.enum (which returns the class
# it registers); the names are aliases, so the type checker sees the Enum.
Outcome = OutcomeModel
strawberry.enum(Outcome, name="Outcome", description="How an interaction went")
Priority = PriorityModel
strawberry.enum(Priority, name="Priority", description="Task priority")
TaskStatus = TaskStatusModel
strawberry.enum(TaskStatus, name="TaskStatus", description="new, scheduled, rescheduled, done or aborted"
)


@strawberry.type(name="Activity", description="An interaction or task, on a customer's timeline")
class ActivityType(Shows[Activity]):
    id: strawberry.ID = strawberry.field(description="Activity id")
    kind: ActivityKindEnum = strawberry.field(description="call, email, meeting, note, task or deal update")
    title: str = strawberry.field(description="Brief description")
    description: str = strawberry.field(description="Details")
    duration_minutes: int | None = strawberry.field(description="For calls and meetings")
    outcome: Outcome | None = strawberry.field(description="positive, neutral or negative")
    occurred_at: datetime = strawberry.field(description="When it happened (tasks: when logged)")
    due_at: datetime | None = strawberry.field(description="Tasks: due")
    priority: Priority | None = strawberry.field(description="Tasks: priority")
    task_status: TaskStatus | None = strawberry.field(description="Tasks: status")
    completed_at: datetime | None = strawberry.field(description="Tasks: when done")
    version: int = strawberry.field(description="Send it back with task changes")
    created_at: datetime = strawberry.field(description="Logged at")

    @strawberry.field(description="The customer", metadata=reads("customer_id"))
    @staticmethod
    async def customer(activity: strawberry.Parent[Activity], info: Info) -> CustomerRef | None:
        from backend.schema.customers import CustomerType

        customer_id = activity.customer_id
        return CustomerType.of_maybe(await info.context.loaders.customer.load(customer_id)) if customer_id else None

    @strawberry.field(description="The contact", metadata=reads("contact_id"))
    @staticmethod
    async def contact(activity: strawberry.Parent[Activity], info: Info) -> ContactRef | None:
        from backend.schema.contacts import ContactType

        contact_id = activity.contact_id
        return ContactType.of_maybe(await info.context.loaders.contact.load(contact_id)) if contact_id else None

    @strawberry.field(description="The deal", metadata=reads("deal_id"))
    @staticmethod
    async def deal(activity: strawberry.Parent[Activity], info: Info) -> DealRef | None:
        from backend.schema.deals import DealType

        deal_id = activity.deal_id
        return DealType.of_maybe(await info.context.loaders.deal.load(deal_id)) if deal_id else None

    @strawberry.field(description="Who logged it", metadata=reads("author_id"))
    @staticmethod
    async def author(activity: strawberry.Parent[Activity], info: Info) -> UserType | None:
        user_id = activity.author_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None

    @strawberry.field(description="Tasks: who should do it", metadata=reads("assignee_id"))
    @staticmethod
    async def assignee(activity: strawberry.Parent[Activity], info: Info) -> UserType | None:
        user_id = activity.assignee_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None

    @strawberry.field(
        description="Tasks: statuses it may move to next (empty once done or aborted)",
        metadata=reads("task_status")
    )
    @staticmethod
    def allowed_task_statuses(activity: strawberry.Parent[Activity]) -> list[TaskStatus]:
        return activity_service.allowed_next(activity)

    @strawberry.field(description="Tasks: still open and past their due date", metadata=reads("task_status", "due_at"))
    @staticmethod
    def overdue(activity: strawberry.Parent[Activity]) -> bool:
        return activity_service.is_overdue(activity)


@strawberry.input(description="Which activities to list; all conditions must hold")
class ActivityFilter:
    kind: list[ActivityKindEnum] | None = strawberry.field(default=None, description="Any of these kinds")
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="About this customer")
    contact_id: strawberry.ID | None = strawberry.field(default=None, description="With this contact")
    deal_id: strawberry.ID | None = strawberry.field(default=None, description="About this deal")
    author_id: strawberry.ID | None = strawberry.field(default=None, description="Logged by this user")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Tasks assigned to this user")
    task_status: list[TaskStatus] | None = strawberry.field(default=None, description="Tasks in any of these statuses")
    open: bool | None = strawberry.field(
        default=None, description="true: tasks not yet done or aborted; false: tasks done or aborted"
    )
    due_before: datetime | None = strawberry.field(default=None, description="Tasks due before this instant")
    overdue: bool | None = strawberry.field(
        default=None, description="true: open tasks past their due date; false: everything else"
    )
    occurred: DateTimeRange | None = strawberry.field(default=None, description="Happened within")
    mine: bool | None = strawberry.field(default=None, description="true: tasks assigned to me")


@strawberry.enum(description="What to sort activities by")
class ActivityOrderField(Enum):
    OCCURRED_AT = "occurred_at"
    DUE_AT = "due_at"
    CREATED_AT = "created_at"


@strawberry.input(
    description="Sort order of activities. Sorting by dueAt lists only activities that have a due date "
    "(tasks), so that every page is complete"
)
class ActivityOrder:
    field: ActivityOrderField = strawberry.field(description="Sort key")
    direction: SortDirection | None = strawberry.field(
        default=None, description="Default: newest first for occurredAt and createdAt, soonest first for dueAt"
    )


@strawberry.input(description="An interaction to log, or a task to create")
class LogActivityInput:
    kind: ActivityKindEnum = strawberry.field(description="call, email, meeting, note, task or deal update")
    title: str = strawberry.field(description="Brief description (required)")
    description: str | None = strawberry.field(default=UNSET, description="Details")
    duration_minutes: int | None = strawberry.field(default=UNSET, description="Minutes, 0 to 1440")
    outcome: Outcome | None = strawberry.field(default=UNSET, description="positive, neutral or negative")
    occurred_at: datetime | None = strawberry.field(default=UNSET, description="When it happened (default: now)")
    customer_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The customer (default: the deal's or contact's customer)"
    )
    contact_id: strawberry.ID | None = strawberry.field(default=UNSET, description="The contact")
    deal_id: strawberry.ID | None = strawberry.field(default=UNSET, description="The deal")
    assignee_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Tasks: who does it (default: you)")
    due_at: datetime | None = strawberry.field(
        default=UNSET, description="Tasks: when it is due (required; a past date is accepted: the task is overdue at once)"
    )
    priority: Priority | None = strawberry.field(default=UNSET, description="Tasks: priority (default normal)")


@strawberry.input(description="Mark a task done")
class CompleteTaskInput:
    id: strawberry.ID = strawberry.field(description="Task (activity) id")
    version: int = strawberry.field(description="The version you read")


@strawberry.input(description="Reschedule, reprioritise, reassign or abort a task; fields left out stay")
class UpdateTaskInput:
    id: strawberry.ID = strawberry.field(description="Task (activity) id")
    version: int = strawberry.field(description="The version you read")
    due_at: datetime | None = strawberry.field(
        default=UNSET, description="New due date: schedules a new task, reschedules a scheduled one"
    )
    priority: Priority | None = strawberry.field(default=UNSET, description="Priority")
    assignee_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Hand the task to this user")
    task_status: TaskStatus | None = strawberry.field(default=UNSET, description="Next status (see allowedTaskStatuses)")
