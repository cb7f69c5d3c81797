"""Calls, emails, meetings, notes, tasks and deal updates logged against customers, contacts and deals."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.contacts import Contact
    from backend.models.customers import Customer
    from backend.models.deals import Deal
    from backend.models.users import User


class ActivityKind(str, Enum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"
    DEAL_UPDATE = "deal_update"


class Outcome(str, Enum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class TaskStatus(str, Enum):
    NEW = "new"
    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    DONE = "done"
    ABORTED = "aborted"


class Priority(str, Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Activity(Editable):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ActivityKind, max_length=20, db_index=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    duration_minutes = fields.IntField(null=True)
    outcome = fields.CharEnumField(Outcome, max_length=10, null=True)
    occurred_at = fields.DatetimeField(db_index=True)
    customer: fields.ForeignKeyNullableRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", null=True, related_name="activities", on_delete=fields.CASCADE
    )
    customer_id: int | None
    contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", null=True, related_name="activities", on_delete=fields.SET_NULL
    )
    contact_id: int | None
    deal: fields.ForeignKeyNullableRelation["Deal"] = fields.ForeignKeyField(
        "models.Deal", null=True, related_name="activities", on_delete=fields.CASCADE
    )
    deal_id: int | None
    author: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="authored_activities", on_delete=fields.SET_NULL
    )
    author_id: int | None
    assignee: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="assigned_tasks", on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    due_at = fields.DatetimeField(null=True, db_index=True)
    priority = fields.CharEnumField(Priority, max_length=10, null=True)
    task_status = fields.CharEnumField(TaskStatus, max_length=20, null=True, db_index=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "activity"
