"""Automation rules: tasks the CRM creates by itself when something happens, and the stage flag that makes a
deal's move need a next step. The rules are rows (models/automations.py) an admin switches on and off.

Rules run inside the write of the change that triggers them (services/unit.py): the task exists exactly when
the change commits. A task made by a rule is audited as made by the rule (actor "automation:<key>", no user),
tells its assignee (a notification, live), and triggers nothing itself: rules fire only from the contact and
customer writes below, never from a task's, and not while another rule runs.

Bulk writes stay quiet: the demo seed and imports (an import of 2,000 contacts would bury support under 2,000
call tasks). They are audited as `seed` and `import:<id>`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from string import Formatter
from typing import Any

from tortoise.functions import Count

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import ActivityAdded, NotificationKind, TaskAssignedNote
from backend.models import (
    Activity,
    ActivityKind,
    AssigneeRule,
    AutomationRule,
    Contact,
    Customer,
    CustomerStatus,
    Priority,
    Role,
    Stage,
    TaskStatus,
    User,
)
from backend.permissions import Action
from backend.services import notify, reminders
from backend.services import validate as v
from backend.services.unit import Unit, diff, write

NEW_CONTACT_CALL = "new_contact_call"
CUSTOMER_ACTIVATION = "customer_activation"
DEAL_NEXT_STEP = "deal_next_step"

# What each rule's title template may name, and whom its task may go to (the first is the default).
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    NEW_CONTACT_CALL: ("contact", "customer"),
    CUSTOMER_ACTIVATION: ("customer",),
    DEAL_NEXT_STEP: (),
}
ASSIGNEES: dict[str, tuple[AssigneeRule, ...]] = {
    NEW_CONTACT_CALL: (AssigneeRule.LEAST_BUSY_SUPPORT, AssigneeRule.CONTACT_OWNER),
    CUSTOMER_ACTIVATION: (AssigneeRule.ACCOUNT_MANAGER,),
    DEAL_NEXT_STEP: (),
}
MAX_DUE_DAYS = 365
QUIET_VIA = ("seed", "import:")
# A customer is activated once: a rule's task for one that is active (or blocked) already would be noise.
NOT_YET_ACTIVE = (CustomerStatus.DRAFT, CustomerStatus.PROSPECT, CustomerStatus.INACTIVE, CustomerStatus.CHURNED)
OPEN_TASK = (TaskStatus.NEW, TaskStatus.SCHEDULED, TaskStatus.RESCHEDULED)

_running: ContextVar[bool] = ContextVar("crm_automation_running", default=False)


def rule_actor(key: str) -> Actor:
    """Who a rule's writes are audited as: no user, `automation:<key>`."""
    return Actor.system(via=f"automation:{key}")


@contextmanager
def _rule_runs() -> Iterator[None]:
    token = _running.set(True)
    try:
        yield
    finally:
        _running.reset(token)


async def _active(actor: Actor, unit: Unit, key: str) -> AutomationRule | None:
    """The rule when it should act on `actor`'s change: switched on, not inside another rule, not a bulk write
    (the change's actor or the write around it is the seed's or an import's: `crm seed` runs the seed's
    actors inside a write of its own)."""
    if _running.get() or actor.via.startswith(QUIET_VIA) or unit.actor.via.startswith(QUIET_VIA):
        return None
    rule = await AutomationRule.get_or_none(key=key)
    return rule if rule is not None and rule.enabled else None


# --- Title templates --------------------------------------------------------------------------------

def check_template(key: str, template: str) -> str:
    """A title template naming only the rule's placeholders, as {name} (no format specs)."""
    allowed = PLACEHOLDERS.get(key, ())
    words = ", ".join(f"{{{name}}}" for name in allowed) or "none"
    try:
        parts = list(Formatter().parse(template))
    except ValueError:
        raise BadUserInput("titleTemplate", f"has an unmatched brace; placeholders: {words}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise BadUserInput("titleTemplate", f"{{{name}}} is no placeholder of this rule; placeholders: {words}")
    return template


def render(template: str, values: Mapping[str, str]) -> str:
    return " ".join(template.format_map(dict(values)).split())[:200] or "Task"


# --- Rules as admins edit them ----------------------------------------------------------------------

async def rules(actor: Actor) -> list[AutomationRule]:
    permissions.require(actor, Action.MANAGE_AUTOMATIONS)
    return await AutomationRule.all().order_by("id")


async def update_rule(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> AutomationRule:
    """Switch a rule on or off, or change its task's title template, due offset or assignee rule (admins)."""
    permissions.require(actor, Action.MANAGE_AUTOMATIONS)
    expected = v.version("version", version)
    async with write(actor) as unit:
        rule = await v.one(AutomationRule.filter(id=v.parse_id("id", raw_id)), "AutomationRule", raw_id, "id")
        values: dict[str, Any] = {}
        if "enabled" in data:
            if data["enabled"] is None:
                raise BadUserInput("enabled", "may not be null: true or false")
            values["enabled"] = bool(data["enabled"])
        makes_tasks = bool(PLACEHOLDERS[rule.key]) if rule.key in PLACEHOLDERS else False
        if "title_template" in data:
            if not makes_tasks:
                raise BadUserInput("titleTemplate", "this rule makes no task of its own: the next step is given")
            text = v.text("titleTemplate", data["title_template"], max_length=200, required=True)
            values["title_template"] = check_template(rule.key, text)
        if "due_in_days" in data:
            if not makes_tasks:
                raise BadUserInput("dueInDays", "this rule makes no task of its own: the next step is given")
            if data["due_in_days"] is None:
                raise BadUserInput("dueInDays", f"is required: 0 to {MAX_DUE_DAYS} days")
            values["due_in_days"] = v.integer("dueInDays", data["due_in_days"], maximum=MAX_DUE_DAYS)
        if "assignee_rule" in data:
            offered = ASSIGNEES.get(rule.key, ())
            chosen = v.choice("assigneeRule", data["assignee_rule"], AssigneeRule) if data["assignee_rule"] else None
            if chosen not in offered:
                words = ", ".join(a.value.upper() for a in offered) or "none"
                raise BadUserInput("assigneeRule", f"this rule's task may go to: {words}")
            values["assignee_rule"] = chosen
        before = {key: getattr(rule, key) for key in values}
        await v.versioned_update(AutomationRule, rule, expected, "AutomationRule", **values)
        await unit.audit("automation_rule.update", "automation_rule", rule.id,
                         {"key": rule.key, **diff(before, values)})
    return rule


# --- Tasks made by rules ----------------------------------------------------------------------------

async def _least_busy_support() -> User | None:
    """The active support user with the fewest open tasks (the earliest account on a tie)."""
    support = await User.filter(role=Role.SUPPORT, active=True).order_by("id")
    if not support:
        return None
    rows = await (Activity.filter(kind=ActivityKind.TASK, task_status__in=list(OPEN_TASK),
                                  assignee_id__in=[u.id for u in support])
                  .annotate(n=Count("id")).group_by("assignee_id").values("assignee_id", "n"))
    load = {row["assignee_id"]: row["n"] for row in rows}
    return min(support, key=lambda u: (load.get(u.id, 0), u.id))


async def _active_user(user_id: int | None) -> User | None:
    return await User.get_or_none(id=user_id, active=True) if user_id else None


async def _make_task(unit: Unit, rule: AutomationRule, title: str, assignee: User, *,
                     customer_id: int | None, contact_id: int | None) -> Activity:
    now = datetime.now(UTC)
    due_at = now + timedelta(days=rule.due_in_days)
    values: dict[str, Any] = {
        "kind": ActivityKind.TASK, "title": title, "occurred_at": now, "customer_id": customer_id,
        "contact_id": contact_id, "assignee_id": assignee.id, "due_at": due_at, "priority": Priority.NORMAL,
        "task_status": TaskStatus.SCHEDULED, "remind_at": reminders.default_remind_at(due_at, now),
        "made_by_rule": rule.key,
    }
    with _rule_runs():
        task = await Activity.create(**values)
        await unit.audit("activity.log", "activity", task.id, diff({}, values), actor=rule_actor(rule.key))
        await notify.tell(unit, assignee, NotificationKind.TASK_ASSIGNED, f"Automation “{rule.name}” gave you a task: {title}",
                          ("activity", task.id), lambda _: TaskAssignedNote(activity_id=task.id, title=task.title),
                          f"task_assigned:{task.id}:{assignee.id}:{task.version}", path=f"/tasks?task={task.id}")
        if customer_id is not None:
            unit.publish(topics.customer_activities(customer_id), ActivityAdded(id=task.id, customer_id=customer_id))
    return task


async def contact_added(actor: Actor, unit: Unit, contact: Contact) -> Activity | None:
    """Rule new_contact_call: someone calls the new contact. By default the support user with the fewest
    open tasks (support's calls spread evenly; a customer names no support person of its own), else the
    contact's owner; with the assignee rule CONTACT_OWNER the other way round."""
    rule = await _active(actor, unit, NEW_CONTACT_CALL)
    if rule is None:
        return None
    owner = await _active_user(contact.owner_id)
    if rule.assignee_rule is AssigneeRule.CONTACT_OWNER:
        assignee = owner or await _least_busy_support()
    else:
        assignee = await _least_busy_support() or owner
    if assignee is None:
        return None  # nobody to give it to: no support user and no owner
    customer = await Customer.get_or_none(id=contact.customer_id) if contact.customer_id else None
    title = render(rule.title_template, {"contact": contact.name, "customer": customer.name if customer else ""})
    return await _make_task(unit, rule, title, assignee, customer_id=contact.customer_id, contact_id=contact.id)


async def customer_added(actor: Actor, unit: Unit, customer: Customer, contact: Contact | None = None) -> Activity | None:
    """Rule customer_activation: the account manager activates a new customer, or one a contact was just
    converted at. Once per customer while it waits: not for an active (or blocked) one, and not when the
    rule's task for it is still open."""
    rule = await _active(actor, unit, CUSTOMER_ACTIVATION)
    if rule is None or customer.status not in NOT_YET_ACTIVE:
        return None
    waiting = Activity.filter(customer_id=customer.id, made_by_rule=rule.key, task_status__in=list(OPEN_TASK))
    if await waiting.exists():
        return None
    manager = await _active_user(customer.account_manager_id)
    if manager is None:
        return None
    title = render(rule.title_template, {"customer": customer.name})
    return await _make_task(unit, rule, title, manager, customer_id=customer.id,
                            contact_id=contact.id if contact else None)


# --- Next steps of deal moves -----------------------------------------------------------------------

def clean_next_step(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A next step given with a move, checked before anything is read: a title and a due time."""
    if data is None:
        return None
    title = v.text("nextStep.title", data.get("title"), max_length=200, required=True)
    due_at = v.aware("nextStep.dueAt", data.get("due_at"))
    if due_at is None:
        raise BadUserInput("nextStep.dueAt", "is required: when is the next step due?")
    return {"title": title, "due_at": due_at, "assignee_id": data.get("assignee_id")}


async def has_next_step(deal_id: int) -> bool:
    return await Activity.filter(deal_id=deal_id, kind=ActivityKind.TASK, task_status__in=list(OPEN_TASK),
                                 due_at__not_isnull=True).exists()


async def next_step_required(actor: Actor, unit: Unit, target: Stage) -> bool:
    """Whether a deal entering `target` needs a next step: the stage is flagged and rule deal_next_step is on."""
    return target.requires_next_step and await _active(actor, unit, DEAL_NEXT_STEP) is not None
