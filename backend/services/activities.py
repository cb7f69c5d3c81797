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
from backend.live.events import ActivityAdded, ActivityUpdated, NotificationKind, TaskAssignedNote
from backend.models import (
    Activity,
    ActivityKind,
    Contact,
    CustomEntity,
    Deal,
    Outcome,
    PickList,
    Priority,
    RepeatUnit,
    TaskStatus,
    TransitionEntity,
    User,
)
from backend.permissions import Action
from backend.services import custom_fields as custom
from backend.services import customers, notify, pick_lists, recurrence, reminders, users, workflows
from backend.services import validate as v
from backend.services.unit import Unit, diff, write

T = TaskStatus

# Which task status may follow which is the admins' (services/workflows.py, seeded by m0030). Rescheduling
# happens by moving the due date of a scheduled task; done and aborted are final.
OPEN_TASK = (T.NEW, T.SCHEDULED, T.RESCHEDULED)
FINAL_TASK = (T.DONE, T.ABORTED)
MAX_DURATION_MINUTES = 24 * 60
DURATION_RULE = f"must be a whole number of minutes from 0 to {MAX_DURATION_MINUTES}"  # one wording for every wrong value
TASK_ONLY = {"assignee_id": "assigneeId", "due_at": "dueAt", "priority": "priority", "remind_at": "remindAt",
             "repeat": "repeat"}
MEETING_ONLY = {"ends_at": "endsAt", "attendees": "attendees"}
MAX_ATTENDEES = 50


def allowed_next(activity: Activity, steps: workflows.Rules) -> list[TaskStatus]:
    """The statuses the task may take next under the admins' `steps` (workflows.rules)."""
    if activity.task_status is None:
        return []
    return workflows.following(steps, activity.task_status)


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
        customer = await customers.visible(actor, data["customer_id"], "customerId")
        permissions.require(actor, Action.LOG_ACTIVITY, customer)  # a merged-away record takes no new history
        customer_id = customer.id
    if data.get("contact_id") is not None:
        contact = await v.one(
            Contact.filter(permissions.contact_rule(actor), id=v.parse_id("contactId", data["contact_id"])),
            "Contact", data["contact_id"], "contactId",
        )
        permissions.require(actor, Action.LOG_ACTIVITY, contact)
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
    await notify.tell(unit, assignee, NotificationKind.TASK_ASSIGNED, f"{actor.name} assigned you a task: {activity.title}",
                      ("activity", activity.id), lambda _: TaskAssignedNote(activity_id=activity.id, title=activity.title),
                      f"task_assigned:{activity.id}:{assignee.id}:{activity.version}", path=f"/tasks?task={activity.id}")


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
        values["remind_at"] = _remind_at(data, values["due_at"])
    return values


def _repeat(raw: Any, due_at: datetime | None, time_zone: str | None) -> dict[str, Any]:
    """The columns of a repeat rule (`repeat`: {every, unit}); null: the task does not repeat."""
    if raw is None:
        rule = None
    else:
        every, unit = (raw.get("every"), raw.get("unit")) if isinstance(raw, Mapping) else (raw.every, raw.unit)
        unit = v.choice("repeat", unit, RepeatUnit) if unit is not None else None
        rule = recurrence.check(every, unit)
    if rule is None:
        return {"repeat_every": None, "repeat_unit": None, "repeat_day": None}
    every, unit = rule
    day = recurrence.day_of(due_at, time_zone) if unit is RepeatUnit.MONTH and due_at is not None else None
    return {"repeat_every": every, "repeat_unit": unit, "repeat_day": day}


async def _next_occurrence(unit: Unit, task: Activity, now: datetime) -> Activity | None:
    """The occurrence after `task`, just completed: due (and reminded) one step later, made once whoever
    completes the task and however often (`previous` is unique)."""
    if task.repeat_every is None or task.repeat_unit is None or task.due_at is None:
        return None
    if await Activity.exists(previous_id=task.id):
        return None
    assignee = await User.filter(id=task.assignee_id).first() if task.assignee_id else None
    zone = assignee.time_zone if assignee else "UTC"
    due = recurrence.next_due(task.due_at, task.repeat_every, task.repeat_unit, task.repeat_day, zone, now)
    remind = None
    if task.remind_at is not None:
        remind = due - (task.due_at - task.remind_at)
        if remind <= now:
            remind = reminders.default_remind_at(due, now)
    values = {
        "kind": ActivityKind.TASK, "title": task.title, "description": task.description, "occurred_at": now,
        "customer_id": task.customer_id, "contact_id": task.contact_id, "deal_id": task.deal_id,
        "author_id": task.author_id, "assignee_id": task.assignee_id, "priority": task.priority,
        "task_status": T.SCHEDULED, "due_at": due, "remind_at": remind, "repeat_every": task.repeat_every,
        "repeat_unit": task.repeat_unit, "repeat_day": task.repeat_day, "previous_id": task.id,
    }
    following = await Activity.create(**values)
    copied = await custom.copy(CustomEntity.ACTIVITY, task.id, following.id)
    await unit.audit("task.recur", "activity", following.id, diff({}, values) | copied)
    if task.customer_id is not None:
        unit.publish(topics.customer_activities(task.customer_id),
                     ActivityAdded(id=following.id, customer_id=task.customer_id))
    return following


def _remind_at(data: Mapping[str, Any], due_at: datetime | None) -> datetime | None:
    """The reminder asked for (null: none), else the default: a day before due (reminders.py)."""
    if "remind_at" not in data:
        return reminders.default_remind_at(due_at)
    remind_at = v.aware("remindAt", data["remind_at"])
    if remind_at is not None and due_at is not None and remind_at > due_at:
        raise BadUserInput("remindAt", "must not be after the task is due")
    return remind_at


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


def outcome_enum(label: str | None) -> Outcome | None:
    """The Outcome enum's member of an outcome label (case ignored): None for a value admins added."""
    try:
        return Outcome(label.casefold()) if label else None
    except ValueError:
        return None


async def outcome_label(data: Mapping[str, Any], current: str | None = None) -> str | None:
    """The outcome an activity is given: a label of the admins' list (`outcome_name`), or one of the
    Outcome enum's values (`outcome`, what API clients sent before the list), as the list spells it now.
    Either must be offered: in the list and not archived, unless it is the activity's `current` one."""
    name, legacy = data.get("outcome_name"), data.get("outcome")
    if name is not None and legacy is not None:
        raise BadUserInput("outcomeName", "send outcomeName or outcome, not both")
    if legacy is not None:
        field, text = "outcome", v.choice("outcome", legacy, Outcome).value.capitalize()  # as m0042 spells it
    else:
        field, text = "outcomeName", v.text("outcomeName", name, max_length=pick_lists.LABEL_LENGTH)
    return await pick_lists.listed_label(PickList.ACTIVITY_OUTCOME, field, text, current) or None


async def log_activity(actor: Actor, data: Mapping[str, Any], *, require: bool = True) -> Activity:
    """Log an interaction or create a task; subscribers of the customer's timeline (and the assignee of a
    task) hear of it after the commit. Activities the CRM logs on the way (a move's next step, a booked
    meeting: `require` False) get the custom fields' defaults; a required one binds whoever fills a form."""
    permissions.require(actor, Action.LOG_ACTIVITY)
    kind = v.choice("kind", data.get("kind"), ActivityKind)
    values = _clean(data, kind)
    values["outcome"] = await outcome_label(data)
    extra = await custom.clean(CustomEntity.ACTIVITY, data.get("custom_fields"), creating=True, require=require)
    assignee = await _assignee(actor, data["assignee_id"]) if data.get("assignee_id") is not None else None
    if kind is ActivityKind.TASK and assignee is None and actor.user_id is not None:
        assignee = await _assignee(actor, actor.user_id)  # a task is the author's own unless handed to someone
    async with write(actor) as unit:
        links = await _links(actor, data)
        if kind is ActivityKind.TASK:
            zone = assignee.time_zone if assignee else "UTC"
            values |= _repeat(data.get("repeat"), values["due_at"], zone)
        activity = await Activity.create(
            **values, **links, kind=kind, author_id=actor.user_id, assignee_id=assignee.id if assignee else None
        )
        if assignee is not None:
            await _assign(unit, actor, activity, assignee)
        recorded = {**values, **links, "kind": kind, "assignee_id": assignee.id if assignee else None}
        extra_changes = await custom.store(activity.id, extra)
        await unit.audit("activity.log", "activity", activity.id, diff({}, recorded) | extra_changes)
        if links["customer_id"] is not None:
            unit.publish(
                topics.customer_activities(links["customer_id"]),
                ActivityAdded(id=activity.id, customer_id=links["customer_id"]),
            )
    return activity


# What updateActivity may correct, beyond the custom fields: the columns _clean checks (meetings' end and
# attendees among them), the outcome, and the links. Kind and customer stay: a call does not become a task,
# and an activity does not move to another customer's history (log it there instead).
EDITABLE = ("title", "description", "duration_minutes", "occurred_at", "ends_at", "attendees")
LINKS = ("contact_id", "deal_id")


def correctable(activity: Activity) -> bool:
    """Whether updateActivity may correct it: what someone logged. A task changes through updateTask; a deal
    update is the CRM's own record of a move (deals.log_move), part of the deal's history like its audit trail."""
    return activity.kind not in (ActivityKind.TASK, ActivityKind.DEAL_UPDATE)


def editable_by(actor: Actor, activity: Activity) -> bool:
    """Whether `actor` may correct this (visible) activity with updateActivity."""
    return correctable(activity) and permissions.may(actor, Action.UPDATE_ACTIVITY, activity)


async def update_activity(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Activity:
    """Correct a logged call, email, meeting or note; tasks change through updateTask. Open timelines of the
    customer hear of it after the commit (activityUpdated)."""
    permissions.require(actor, Action.UPDATE_ACTIVITY)
    expected = v.version("version", version)
    if "occurred_at" in data and data["occurred_at"] is None:
        raise BadUserInput("occurredAt", "is required: when did it happen?")
    extra = await custom.clean(CustomEntity.ACTIVITY, data.get("custom_fields"), creating=False)
    async with write(actor) as unit:
        activity = await visible(actor, raw_id)
        if activity.kind is ActivityKind.TASK:
            raise BadUserInput("id", "this is a task: change it with updateTask")
        if not correctable(activity):
            raise BadUserInput("id", "this records a change of its deal, which stays as it was made")
        permissions.require(actor, Action.UPDATE_ACTIVITY, activity)
        values = _corrected(activity, data)
        if "outcome_name" in data:
            values["outcome"] = await outcome_label({"outcome_name": data["outcome_name"]}, activity.outcome)
        if any(key in data for key in LINKS):
            values |= await _relinked(actor, activity, data)
        before = {key: getattr(activity, key) for key in values}
        values = {key: value for key, value in values.items() if diff(before, {key: value})}
        await v.versioned_update(Activity, activity, expected, "Activity", **values)
        extra_changes = await custom.store(activity.id, extra)
        await unit.audit("activity.update", "activity", activity.id, diff(before, values) | extra_changes)
        _corrected_on_timeline(unit, activity)
    return activity


def _corrected_on_timeline(unit: Unit, activity: Activity) -> None:
    """Open timelines of the activity's customer read it again once the write commits (activityUpdated)."""
    if activity.customer_id is not None:
        unit.publish(topics.customer_activities(activity.customer_id),
                     ActivityUpdated(id=activity.id, customer_id=activity.customer_id))


def _corrected(activity: Activity, data: Mapping[str, Any]) -> dict[str, Any]:
    """The activity's columns with `data` laid over them, checked as logActivity checks a new one."""
    merged = {key: data.get(key, getattr(activity, key)) for key in EDITABLE}
    if activity.kind is ActivityKind.MEETING and "duration_minutes" not in data and merged["ends_at"] is not None:
        merged["duration_minutes"] = None  # a meeting's duration follows from its (maybe new) start and end
    if activity.kind is not ActivityKind.MEETING:
        merged |= {key: data.get(key) for key in MEETING_ONLY}  # only what was sent is refused (_clean)
    values = _clean(merged, activity.kind)
    if activity.kind is ActivityKind.MEETING:
        values.setdefault("ends_at", None)  # _meeting leaves out an end there is not: a cleared one is written
    return values


async def _relinked(actor: Actor, activity: Activity, data: Mapping[str, Any]) -> dict[str, Any]:
    """The contact and deal the activity is to be linked to: visible, and of the activity's own customer."""
    wanted = {key: data.get(key, getattr(activity, key)) for key in LINKS}
    links = await _links(actor, {"customer_id": activity.customer_id, **wanted})
    if links["customer_id"] != activity.customer_id:
        field = "dealId" if links["deal_id"] is not None and "deal_id" in data else "contactId"
        raise BadUserInput(field, "must belong to the activity's own customer")
    if links["customer_id"] is None and links["contact_id"] is None:
        raise BadUserInput("contactId", "the activity is about this contact: it cannot be left without one")
    return {key: links[key] for key in LINKS}


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
    if "due_at" in values or "remind_at" in data:
        values["remind_at"] = None  # settled below, once the task's due date is known
    if data.get("priority") is not None:
        values["priority"] = v.choice("priority", data["priority"], Priority)
    target = v.choice("taskStatus", data["task_status"], TaskStatus) if data.get("task_status") is not None else None
    assignee = await _assignee(actor, data["assignee_id"]) if data.get("assignee_id") is not None else None
    extra = await custom.clean(CustomEntity.ACTIVITY, data.get("custom_fields"), creating=False)
    async with write(actor) as unit:
        task = await visible(actor, raw_id)
        if task.kind is not ActivityKind.TASK:
            raise NotFound("Task", raw_id, field="id")
        permissions.require(actor, action, task)
        current = task.task_status or T.NEW
        steps = await workflows.rules(TransitionEntity.TASK)
        if current in FINAL_TASK:
            raise BadUserInput("taskStatus", f"the task is {current.value}, which is final")
        values["task_status"] = target or _implied_status(current, task.due_at, values)
        if "remind_at" in values:
            values["remind_at"] = _remind_at(data, values.get("due_at", task.due_at))
            if values["remind_at"] != task.remind_at:
                values["reminded_at"] = None  # a new reminder time is a new reminder, sent once in its turn
        _check_task(steps, current, task.due_at, values, asked=target is not None)
        now = datetime.now(UTC)
        if values["task_status"] is T.DONE and current is not T.DONE:
            values["completed_at"] = now
        if assignee is not None and assignee.id != task.assignee_id:
            values["assignee_id"] = assignee.id
        if "repeat" in data or ("due_at" in values and task.repeat_unit is RepeatUnit.MONTH):
            doer = assignee or await User.filter(id=task.assignee_id or 0).first()
            zone = doer.time_zone if doer else "UTC"
            rule = data.get("repeat", {"every": task.repeat_every, "unit": task.repeat_unit})
            values |= _repeat(rule, values.get("due_at", task.due_at), zone)
        before = {key: getattr(task, key) for key in values}
        await v.versioned_update(Activity, task, expected, "Task", **values)
        if "assignee_id" in values and assignee is not None:
            await _assign(unit, actor, task, assignee)
        extra_changes = await custom.store(task.id, extra)
        await unit.audit(audit_action, "activity", task.id, diff(before, values) | extra_changes)
        _corrected_on_timeline(unit, task)  # its status, due date and assignee show there
        if values["task_status"] is T.DONE:
            await _next_occurrence(unit, task, now)
    return task


def _implied_status(current: TaskStatus, due_at: datetime | None, values: Mapping[str, Any]) -> TaskStatus:
    """A new due date schedules a new task and reschedules a scheduled one."""
    if "due_at" not in values or values["due_at"] is None or values["due_at"] == due_at:
        return current
    return T.SCHEDULED if current is T.NEW else T.RESCHEDULED


def _check_task(steps: workflows.Rules, current: TaskStatus, due_at: datetime | None, values: Mapping[str, Any],
                asked: bool) -> None:
    target = values["task_status"]
    new_due = values.get("due_at", due_at)
    offered = workflows.following(steps, current)
    if target is not current and target not in offered:
        allowed = ", ".join(s.value for s in offered) or "none"
        raise BadUserInput("taskStatus", f"a {current.value} task cannot become {target.value} (allowed: {allowed})")
    if target is T.RESCHEDULED and asked and new_due == due_at:
        raise BadUserInput("dueAt", "rescheduling needs a new due date")
    if target in (T.SCHEDULED, T.RESCHEDULED) and new_due is None:
        raise BadUserInput("dueAt", "a scheduled task needs a due date")
