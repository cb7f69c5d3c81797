"""Activities (calls, emails, meetings, notes, tasks, deal updates) as the API shows them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.models import Activity, CustomEntity, TransitionEntity
from backend.models import Outcome as OutcomeModel
from backend.models import Priority as PriorityModel
from backend.models import RepeatUnit as RepeatUnitModel
from backend.models import TaskStatus as TaskStatusModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.schema.attachments import AttachmentRecord, AttachmentType, attachments_of
from backend.schema.common import DateTimeRange, SortDirection
from backend.schema.custom_fields import CustomFieldFilter, CustomFieldValue, CustomFieldValueInput, record_values
from backend.schema.customers import ActivityKindEnum
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services import activities as activity_service
from backend.services import recurrence

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
strawberry.enum(Outcome, name="Outcome", description="How an interaction went, as the outcomes were before admins "
                "kept the list (outcomeName carries every outcome of the admins' list)")
Priority = PriorityModel
strawberry.enum(Priority, name="Priority", description="Task priority")
TaskStatus = TaskStatusModel
strawberry.enum(TaskStatus, name="TaskStatus", description="new, scheduled, rescheduled, done or aborted"
)
RepeatUnit = RepeatUnitModel
strawberry.enum(RepeatUnit, name="RepeatUnit", description="What a recurring task counts in: days, weeks or months")


@strawberry.type(name="Repeat", description="How a task recurs: completing it creates the next occurrence")
class RepeatType:
    every: int = strawberry.field(description="How many units between occurrences")
    unit: RepeatUnit = strawberry.field(
        description="DAY, WEEK or MONTH (monthly ones keep their day; the 31st falls on a shorter month's last day)"
    )
    label: str = strawberry.field(description='In words, e.g. "Repeats every 2 weeks"')


def repeat_of(activity: Activity) -> RepeatType | None:
    """How a task recurs, as the API writes it; None when it does not."""
    if activity.repeat_every is None or activity.repeat_unit is None:
        return None
    every, unit = activity.repeat_every, activity.repeat_unit
    return RepeatType(every=every, unit=unit, label=recurrence.describe(every, unit))


@strawberry.input(description="Repeat a task every so many days, weeks or months")
class RepeatInput:
    every: int = strawberry.field(description="How many units between occurrences (days up to 365, weeks up to 52, "
                                  "months up to 24)")
    unit: RepeatUnit = strawberry.field(description="DAY, WEEK or MONTH")


@strawberry.type(name="Activity", description="An interaction or task, on a customer's timeline")
class ActivityType(Shows[Activity]):
    id: strawberry.ID = strawberry.field(description="Activity id")
    kind: ActivityKindEnum = strawberry.field(description="call, email, meeting, note, task or deal update")
    title: str = strawberry.field(description="Brief description")
    description: str = strawberry.field(description="Details")
    duration_minutes: int | None = strawberry.field(description="For calls and meetings")
    occurred_at: datetime = strawberry.field(description="When it happened (meetings: when they start; tasks: when logged)")
    ends_at: datetime | None = strawberry.field(description="Meetings: when they end")
    attendees: list[str] = strawberry.field(description="Meetings: who took part (names or emails)")
    due_at: datetime | None = strawberry.field(description="Tasks: due")
    priority: Priority | None = strawberry.field(description="Tasks: priority")
    task_status: TaskStatus | None = strawberry.field(description="Tasks: status")
    completed_at: datetime | None = strawberry.field(description="Tasks: when done")
    remind_at: datetime | None = strawberry.field(
        description="Tasks: when the assignee is reminded (in the app and/or by email, as they chose); null: never"
    )
    reminded_at: datetime | None = strawberry.field(description="Tasks: when the reminder went out (null: not yet)")
    version: int = strawberry.field(description="Send it back with task changes and corrections (updateActivity)")
    created_at: datetime = strawberry.field(description="Logged at")

    @strawberry.field(
        description="How it went: a label of the admins' list of activity outcomes (pickList(list: "
        "ACTIVITY_OUTCOME)); it keeps the label it was given when the value is later archived or renamed",
        metadata=reads("outcome"),
    )
    @staticmethod
    def outcome_name(activity: strawberry.Parent[Activity]) -> str | None:
        return activity.outcome

    @strawberry.field(
        description="outcomeName as the enum when it is one of the first three (Positive, Neutral, Negative; case "
        "ignored); null for an outcome admins added",
        deprecation_reason="Admins keep the list of outcomes: read outcomeName",
        metadata=reads("outcome"),
    )
    @staticmethod
    def outcome(activity: strawberry.Parent[Activity]) -> Outcome | None:
        return activity_service.outcome_enum(activity.outcome)

    @strawberry.field(
        description="Whether you may correct it with updateActivity (its author, heads of the team, admins; "
        "tasks change through updateTask, deal updates not at all)",
        metadata=reads("kind", "author_id"),
    )
    @staticmethod
    def viewer_can_edit(activity: strawberry.Parent[Activity], info: Info) -> bool:
        return activity_service.editable_by(info.context.actor, activity)

    @strawberry.field(description="Files attached to it, newest first", metadata=reads())
    @staticmethod
    async def attachments(activity: strawberry.Parent[Activity], info: Info) -> list[AttachmentType]:
        return await attachments_of(info, AttachmentRecord.ACTIVITY, activity.id)

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
    async def allowed_task_statuses(activity: strawberry.Parent[Activity], info: Info) -> list[TaskStatus]:
        if activity.task_status is None:
            return []
        return activity_service.allowed_next(activity, await info.context.loaders.workflow.load(TransitionEntity.TASK))

    @strawberry.field(description="Tasks: still open and past their due date", metadata=reads("task_status", "due_at"))
    @staticmethod
    def overdue(activity: strawberry.Parent[Activity]) -> bool:
        return activity_service.is_overdue(activity)

    @strawberry.field(
        description="Tasks: how it recurs (null: it does not); completing it creates the next occurrence",
        metadata=reads("repeat_every", "repeat_unit"),
    )
    @staticmethod
    def repeat(activity: strawberry.Parent[Activity]) -> RepeatType | None:
        return repeat_of(activity)

    @strawberry.field(description="Custom fields in use on activities, with this one's values", metadata=reads())
    @staticmethod
    async def custom_fields(activity: strawberry.Parent[Activity], info: Info) -> list[CustomFieldValue]:
        return await record_values(info, CustomEntity.ACTIVITY, activity.id)


@strawberry.input(description="Which activities to list; all conditions must hold")
class ActivityFilter:
    kind: list[ActivityKindEnum] | None = strawberry.field(default=None, description="Any of these kinds")
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="About this customer")
    contact_id: strawberry.ID | None = strawberry.field(default=None, description="With this contact")
    deal_id: strawberry.ID | None = strawberry.field(default=None, description="About this deal")
    author_id: strawberry.ID | None = strawberry.field(default=None, description="Logged by this user")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Tasks assigned to this user")
    task_status: list[TaskStatus] | None = strawberry.field(default=None, description="Tasks in any of these statuses")
    outcome_name: list[str] | None = strawberry.field(
        default=None, description="With any of these outcomes (labels as activities carry them, archived ones too)"
    )
    open: bool | None = strawberry.field(
        default=None, description="true: tasks not yet done or aborted; false: tasks done or aborted"
    )
    due_before: datetime | None = strawberry.field(default=None, description="Tasks due before this instant")
    overdue: bool | None = strawberry.field(
        default=None, description="true: open tasks past their due date; false: everything else"
    )
    occurred: DateTimeRange | None = strawberry.field(default=None, description="Happened within")
    mine: bool | None = strawberry.field(default=None, description="true: tasks assigned to me")
    my_team: bool | None = strawberry.field(
        default=None, description="true: tasks assigned to a member of my team (to me when I am in none)"
    )
    custom: list[CustomFieldFilter] | None = strawberry.field(default=None, description="Custom-field conditions")


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
    outcome_name: str | None = strawberry.field(
        default=UNSET, description="How it went: a label of the admins' list of activity outcomes that is not "
        "archived (pickList(list: ACTIVITY_OUTCOME))"
    )
    outcome: Outcome | None = strawberry.field(
        default=UNSET, description="POSITIVE, NEUTRAL or NEGATIVE: the list's value of that name (refused once "
        "admins archived or renamed it); send outcomeName or this, not both",
        deprecation_reason="Admins keep the list of outcomes: send outcomeName",
    )
    occurred_at: datetime | None = strawberry.field(
        default=UNSET, description="When it happened, or when a meeting starts (default: now)"
    )
    ends_at: datetime | None = strawberry.field(
        default=UNSET, description="Meetings: when it ends (after the start; sets durationMinutes)"
    )
    attendees: list[str] | None = strawberry.field(
        default=UNSET, description="Meetings: who took part, names or emails (at most 50)"
    )
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
    remind_at: datetime | None = strawberry.field(
        default=UNSET, description="Tasks: when to remind the assignee (default: a day before due; null: never)"
    )
    repeat: RepeatInput | None = strawberry.field(
        default=UNSET, description="Tasks: repeat every so many days, weeks or months (default: does not repeat)"
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values; fields not sent get their default"
    )


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
    remind_at: datetime | None = strawberry.field(
        default=UNSET,
        description="When to remind the assignee (null: never); left out while dueAt changes: a day before the new date",
    )
    repeat: RepeatInput | None = strawberry.field(
        default=UNSET, description="Repeat every so many days, weeks or months; null: stop repeating"
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values to set (all slots empty clears one); others stay"
    )


@strawberry.input(
    description="Correct a logged call, email, meeting, note or deal update; fields left out stay. Its kind and "
    "customer stay as they are; tasks change through updateTask"
)
class UpdateActivityInput:
    id: strawberry.ID = strawberry.field(description="Activity id")
    version: int = strawberry.field(description="The version you read (CONFLICT when it changed meanwhile)")
    title: str | None = strawberry.field(default=UNSET, description="Brief description (may not be empty)")
    description: str | None = strawberry.field(default=UNSET, description="Details (null or empty: none)")
    outcome_name: str | None = strawberry.field(
        default=UNSET, description="How it went: a label of the admins' list of activity outcomes that is not "
        "archived (the activity's own label stays accepted); null: none"
    )
    duration_minutes: int | None = strawberry.field(default=UNSET, description="Minutes, 0 to 1440; null: unknown")
    occurred_at: datetime | None = strawberry.field(
        default=UNSET, description="When it happened, or when a meeting starts (may not be null)"
    )
    ends_at: datetime | None = strawberry.field(
        default=UNSET, description="Meetings: when it ends (after the start; sets durationMinutes); null: unknown"
    )
    attendees: list[str] | None = strawberry.field(
        default=UNSET, description="Meetings: who took part, names or emails (at most 50); replaces the list"
    )
    contact_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A contact of the activity's customer; null: none"
    )
    deal_id: strawberry.ID | None = strawberry.field(default=UNSET, description="A deal of the activity's customer; null: none")
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values to set (all slots empty clears one); others stay"
    )
