"""Activities: interactions logged on customers, contacts and deals, and tasks with their status workflow."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import ActivityAdded, NotificationKind, TaskAssignedNote
from backend.models import Activity, ActivityKind, Contact, Deal, Notification, Outcome, Priority, TaskStatus, User
from backend.permissions import Action
from backend.services import customers, users
from backend.services import validate as v
from backend.services.unit import Unit, diff, write

T = TaskStatus

# Which task status may follow which. Rescheduling happens by moving the due date of a scheduled task;
# done and aborted are final.
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    T.NEW: frozenset({T.SCHEDULED, T.DONE, T.ABORTED}),
    T.SCHEDULED: frozenset({T.RESCHEDULED, T.DONE, T.ABORTED}),
    T.RESCHEDULED: frozenset({T.RESCHEDULED, T.DONE, T.ABORTED}),
    T.DONE: frozenset(),
    T.ABORTED: frozenset(),
}
OPEN_TASK = (T.NEW, T.SCHEDULED, T.RESCHEDULED)
MAX_DURATION_MINUTES = 24 * 60
DURATION_RULE = f"must be a whole number of minutes from 0 to {MAX_DURATION_MINUTES}"  # one wording for every wrong value
TASK_ONLY = {"assignee_id": "assigneeId", "due_at": "dueAt", "priority": "priority"}
MEETING_ONLY = {"ends_at": "endsAt", "attendees": "attendees"}
MAX_ATTENDEES = 50


def allowed_next(activity: Activity) -> list[TaskStatus]:
    if activity.task_status is None:
        return []
    return sorted(TASK_TRANSITIONS[activity.task_status], key=list(T).index)


def is_overdue(activity: Activity, now: datetime | None = None) -> bool:
    return (
        activity.task_status in OPEN_TASK
        and activity.due_at is not None
        and activity.due_at < (now or datetime.now(UTC))
    )


def overdue_q(now: datetime) -> Q:
    return Q(kind=ActivityKind.TASK, task_status__in=list(OPEN_TASK), due_at__lt=now)


def not_overdue_q(now: datetime) -> Q:
    """The complement of overdue_q, spelled out: SQL's NOT over a NULL due date would drop those rows."""
    return Q(task_status=None) | Q(task_status__in=[T.DONE, T.ABORTED]) | Q(due_at=None) | Q(due_at__gte=now)


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Activity:
    activity_id = v.parse_id(field, raw_id)
    return await v.one(Activity.filter(permissions.activity_rule(actor), id=activity_id), "Activity", raw_id, field)


async def _links(actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """The visible customer, contact and deal an activity is about; the customer follows from the deal or
    contact when not given, and all three must agree on it."""
    customer_id = contact_customer = deal_customer = contact_id = deal_id = None
    if data.get("customer_id") is not None:
        customer_id = (await customers.visible(actor, data["customer_id"], "customerId")).id
    if data.get("contact_id") is not None:
        contact = await v.one(
            Contact.filter(permissions.contact_rule(actor), id=v.parse_id("contactId", data["contact_id"])),
            "Contact", data["contact_id"], "contactId",
        )
        contact_id, contact_customer = contact.id, contact.customer_id
    if data.get("deal_id") is not None:
        deal = await v.one(
            Deal.filter(permissions.deal_rule(actor), id=v.parse_id("dealId", data["deal_id"])),
            "Deal", data["deal_id"], "dealId",
        )
        deal_id, deal_customer = deal.id, deal.customer_id
    if deal_customer is not None and customer_id not in (None, deal_customer):
        raise BadUserInput("dealId", "this deal belongs to another customer")
    customer_id = customer_id or deal_customer
    if contact_customer is not None and customer_id not in (None, contact_customer):
        raise BadUserInput("contactId", "this contact works for another customer")
    return {"customer_id": customer_id or contact_customer, "contact_id": contact_id, "deal_id": deal_id}


async def _assignee(actor: Actor, raw_id: Any) -> User:
    """Someone `actor` may give a task to (permissions.assignee_rule): an assignment notifies them."""
    user = await users.assignable_user(actor, "assigneeId", raw_id, purpose=permissions.Assignment.TASK, required=True)
    assert user is not None
    return user


async def _assign(unit: Unit, actor: Actor, activity: Activity, assignee: User) -> None:
    """Hand the task to `assignee`, who must be able to see it; tell them unless they assign it themselves.
    `actor` is who assigns: inside an outer write (the demo seed's), unit.actor is that write's actor."""
    rule = permissions.activity_rule(Actor.for_user(assignee, via="check"))
    if not await Activity.filter(rule, id=activity.id).exists():
        raise BadUserInput("assigneeId", f"{assignee.name} cannot see what this task is about")
    if assignee.id == actor.user_id:
        return
    await Notification.create(
        user_id=assignee.id,
        kind=NotificationKind.TASK_ASSIGNED,
        message=f"{actor.name} assigned you a task: {activity.title}"[:500],
        entity="activity",
        entity_id=activity.id,
    )
    unit.publish(topics.notifications(assignee.id), TaskAssignedNote(activity_id=activity.id, title=activity.title))


def _duration(minutes: int | None) -> int | None:
    if minutes is not None and not 0 <= minutes <= MAX_DURATION_MINUTES:
        raise BadUserInput("durationMinutes", DURATION_RULE)
    return minutes


def _clean(data: Mapping[str, Any], kind: ActivityKind) -> dict[str, Any]:
    if kind is not ActivityKind.TASK:
        for key, field in TASK_ONLY.items():
            if data.get(key) is not None:
                raise BadUserInput(field, "only tasks have an assignee, a due date and a priority")
    values: dict[str, Any] = {
        "title": v.text("title", data.get("title"), max_length=200, required=True),
        "description": v.text("description", data.get("description"), max_length=10000, multiline=True),
        "duration_minutes": _duration(data.get("duration_minutes")),
        "outcome": v.choice("outcome", data["outcome"], Outcome) if data.get("outcome") is not None else None,
        "occurred_at": v.aware("occurredAt", data.get("occurred_at")) or datetime.now(UTC),
    }
    if kind is ActivityKind.MEETING:
        values |= _meeting(data, values["occurred_at"], values["duration_minutes"])
    else:
        _attendees(data.get("attendees") or [])  # what is wrong with a value itself is said first, as for any field
        for key, field in MEETING_ONLY.items():
            if data.get(key):
                raise BadUserInput(field, "only meetings have an end and attendees")
    if kind is ActivityKind.TASK:
        # A task without a date is one nobody gets reminded of. A date in the past is accepted: imports
        # and catching up on paper bring tasks that are overdue already (the task then says so).
        values["due_at"] = v.aware("dueAt", data.get("due_at"))
        if values["due_at"] is None:
            raise BadUserInput("dueAt", "is required: when is the task due?")
        values["priority"] = v.choice("priority", data.get("priority") or Priority.NORMAL, Priority)
        values["task_status"] = T.SCHEDULED
    return values


def _meeting(data: Mapping[str, Any], starts: datetime, duration: int | None) -> dict[str, Any]:
    """A meeting's end (after its start, `occurredAt`) and attendees; its duration follows from the two."""
    values: dict[str, Any] = {"attendees": _attendees(data.get("attendees") or [])}
    ends = v.aware("endsAt", data.get("ends_at"))
    if ends is None:
        return values
    if ends <= starts:
        raise BadUserInput("endsAt", "must be after the start")
    minutes = round((ends - starts).total_seconds() / 60)
    if minutes > MAX_DURATION_MINUTES:
        raise BadUserInput("endsAt", "a meeting lasts at most 24 hours")
    if duration is not None and duration != minutes:
        raise BadUserInput("durationMinutes", f"follows from the start and end ({minutes}): leave it out")
    return values | {"ends_at": ends, "duration_minutes": minutes}


def _attendees(names: list[str]) -> list[str]:
    """Names or emails, each once (ignoring case), in the order given."""
    if len(names) > MAX_ATTENDEES:
        raise BadUserInput("attendees", f"at most {MAX_ATTENDEES} people")
    kept: dict[str, str] = {}
    for name in names:
        cleaned = v.text("attendees", name, max_length=200, required=True)
        kept.setdefault(cleaned.casefold(), cleaned)
    return list(kept.values())


async def log_activity(actor: Actor, data: Mapping[str, Any]) -> Activity:
    """Log an interaction or create a task; subscribers of the customer's timeline (and the assignee of a
    task) hear of it after the commit."""
    permissions.require(actor, Action.LOG_ACTIVITY)
    kind = v.choice("kind", data.get("kind"), ActivityKind)
    values = _clean(data, kind)
    assignee = await _assignee(actor, data["assignee_id"]) if data.get("assignee_id") is not None else None
    if kind is ActivityKind.TASK and assignee is None and actor.user_id is not None:
        assignee = await _assignee(actor, actor.user_id)  # a task is the author's own unless handed to someone
    async with write(actor) as unit:
        links = await _links(actor, data)
        activity = await Activity.create(
            **values, **links, kind=kind, author_id=actor.user_id, assignee_id=assignee.id if assignee else None
        )
        if assignee is not None:
            await _assign(unit, actor, activity, assignee)
        await unit.audit(
            "activity.log", "activity", activity.id,
            diff({}, {**values, **links, "kind": kind, "assignee_id": assignee.id if assignee else None}),
        )
        if links["customer_id"] is not None:
            unit.publish(
                topics.customer_activities(links["customer_id"]),
                ActivityAdded(id=activity.id, customer_id=links["customer_id"]),
            )
    return activity


async def complete_task(actor: Actor, raw_id: Any, version: int | None) -> Activity:
    return await _change_task(actor, raw_id, version, {"task_status": T.DONE}, Action.COMPLETE_TASK, "task.complete")


async def update_task(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Activity:
    """Reschedule, reprioritise, reassign, schedule, finish or abort a task."""
    return await _change_task(actor, raw_id, version, data, Action.UPDATE_TASK, "task.update")


async def _change_task(
    actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any], action: Action, audit_action: str
) -> Activity:
    expected = v.version("version", version)
    values: dict[str, Any] = {}
    if "due_at" in data:
        values["due_at"] = v.aware("dueAt", data["due_at"])
    if data.get("priority") is not None:
        values["priority"] = v.choice("priority", data["priority"], Priority)
    target = v.choice("taskStatus", data["task_status"], TaskStatus) if data.get("task_status") is not None else None
    assignee = await _assignee(actor, data["assignee_id"]) if data.get("assignee_id") is not None else None
    async with write(actor) as unit:
        task = await visible(actor, raw_id)
        if task.kind is not ActivityKind.TASK:
            raise NotFound("Task", raw_id, field="id")
        permissions.require(actor, action, task)
        current = task.task_status or T.NEW
        if not TASK_TRANSITIONS[current]:
            raise BadUserInput("taskStatus", f"the task is {current.value}, which is final")
        values["task_status"] = target or _implied_status(current, task.due_at, values)
        _check_task(current, task.due_at, values, asked=target is not None)
        if values["task_status"] is T.DONE and current is not T.DONE:
            values["completed_at"] = datetime.now(UTC)
        if assignee is not None and assignee.id != task.assignee_id:
            values["assignee_id"] = assignee.id
        before = {key: getattr(task, key) for key in values}
        await v.versioned_update(Activity, task, expected, "Task", **values)
        if "assignee_id" in values and assignee is not None:
            await _assign(unit, actor, task, assignee)
        await unit.audit(audit_action, "activity", task.id, diff(before, values))
    return task


def _implied_status(current: TaskStatus, due_at: datetime | None, values: Mapping[str, Any]) -> TaskStatus:
    """A new due date schedules a new task and reschedules a scheduled one."""
    if "due_at" not in values or values["due_at"] is None or values["due_at"] == due_at:
        return current
    return T.SCHEDULED if current is T.NEW else T.RESCHEDULED


def _check_task(current: TaskStatus, due_at: datetime | None, values: Mapping[str, Any], asked: bool) -> None:
    target = values["task_status"]
    new_due = values.get("due_at", due_at)
    if target is not current and target not in TASK_TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in sorted(TASK_TRANSITIONS[current], key=list(T).index))
        raise BadUserInput("taskStatus", f"a {current.value} task cannot become {target.value} (allowed: {allowed})")
    if target is T.RESCHEDULED and asked and new_due == due_at:
        raise BadUserInput("dueAt", "rescheduling needs a new due date")
    if target in (T.SCHEDULED, T.RESCHEDULED) and new_due is None:
        raise BadUserInput("dueAt", "a scheduled task needs a due date")
