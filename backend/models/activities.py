"""Calls, emails, meetings, notes, tasks and deal updates logged against customers, contacts and deals."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

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
    """The outcomes there were before admins kept the list (m0042 seeded them as "Positive", "Neutral" and
    "Negative"): the API's `Outcome` enum still reads and writes them."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class TaskStatus(str, Enum):
    NEW = "new"
    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    DONE = "done"
    ABORTED = "aborted"


class RepeatUnit(str, Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


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
    # A label of the admins' list of activity outcomes (pick_list_item), kept as text like a customer's
    # industry: an activity keeps the outcome it was given when the value is later archived or renamed.
    outcome = fields.CharField(max_length=100, null=True)
    occurred_at = fields.DatetimeField(db_index=True)
    # Meetings: occurred_at is when the meeting starts; these say when it ends and who took part.
    ends_at = fields.DatetimeField(null=True)
    attendees: fields.Field[list[str]] = fields.JSONField(default=list)
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
    # Tasks: when to remind the assignee, and when that reminder went out (at most once per remind_at).
    remind_at = fields.DatetimeField(null=True, db_index=True)  # the reminder scan looks up due ones by it
    reminded_at = fields.DatetimeField(null=True)
    # Recurring tasks: every `repeat_every` days, weeks or months (in the assignee's time zone); monthly ones
    # keep `repeat_day`, the day of the month the series aims at (31 stays the month's last day).
    repeat_every = fields.SmallIntField(null=True)
    repeat_unit = fields.CharEnumField(RepeatUnit, max_length=10, null=True)
    repeat_day = fields.SmallIntField(null=True)
    # The occurrence this task follows. Unique: completing a task makes at most one next occurrence, whoever
    # completes it and however often.
    previous: fields.OneToOneNullableRelation["Activity"] = fields.OneToOneField(
        "models.Activity", null=True, related_name="next_occurrence", on_delete=fields.SET_NULL
    )
    previous_id: int | None
    # The automation rule (its key) that created this task, if one did; such a task triggers no rule itself.
    made_by_rule = fields.CharField(max_length=60, null=True)

    class Meta:
        table = "activity"


class ActivityFigure(Model):
    """The activities one author logged of one kind on one UTC day, counted: what the dashboards' activity counts
    per rep and the weekly activity targets read instead of the activities (a team's few hundred rows rather than
    its ~330,000 activities at 100,000 customers). Kept by database triggers on `activity` (m0044), in the
    transaction of every write whatever path it took, so it cannot drift; never written by the application. It
    counts what each author did, whichever customer it was about (reads/activity_figures.py says why that is
    the count a head asks for)."""

    id = fields.IntField(primary_key=True)
    author_id = fields.IntField(description="The activities' author (0: none)")
    kind = fields.CharField(max_length=20)
    day = fields.CharField(max_length=10, description="YYYY-MM-DD (UTC) of occurred_at")
    activities = fields.IntField()

    class Meta:
        table = "activity_figure"
        unique_together = (("author_id", "kind", "day"),)


class TaskFigure(Model):
    """Open tasks (new, scheduled, rescheduled) with an assignee and a due date, counted per assignee, UTC day
    due and the account manager of the task's customer (m0044's triggers, like ActivityFigure). The manager is
    there for the row rules: a task on a customer the assignee's team manages is visible to the team, so those
    rows count exactly what activity_rule would let through; the rest are checked task by task."""

    id = fields.IntField(primary_key=True)
    assignee_id = fields.IntField()
    day = fields.CharField(max_length=10, description="YYYY-MM-DD (UTC) of due_at")
    manager_id = fields.IntField(description="The task customer's account manager (0: none, -1: no customer)")
    tasks = fields.IntField()

    class Meta:
        table = "task_figure"
        unique_together = (("assignee_id", "day", "manager_id"),)
