"""SLA clocks of tickets: due times computed, stored and re-armed on every change; jobs fire at 80 % and 100 %.

The clock is computed, not polled. A target counts business minutes of the support calendar from the
ticket's creation, plus the business minutes it spent paused (waiting for the customer, resolved or closed);
due times are stored on the ticket (null while paused or met) and computed again on every status or priority
change. Each due time arms two durable jobs (services/queue.py) keyed by ticket, target, level and due time:
a job whose due time is no longer the ticket's (the clock moved meanwhile) does nothing, so nothing needs
cancelling, and a restart loses no breach (the rows wait in the database; a late worker fires them at once).

Escalation (the policy's escalate_to / escalate_assignee) is applied ONCE per ticket, on the first breach of
either target, and recorded as an ESCALATED sla_event. To avoid a cascade (the higher priority's earlier targets
would be breached already, escalating again up to urgent) an escalated ticket keeps its breached due times: the
new priority is written without recomputing the clock, and a ticket with an ESCALATED event is never escalated
again. Its next status or priority change computes the clock under the new priority's targets as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.auth.actor import Actor
from backend.live import topics
from backend.live.events import NotificationKind, TicketChanged, TicketSlaNote
from backend.models import (
    Notification,
    Role,
    SlaEvent,
    SlaLevel,
    SlaPolicy,
    SlaTarget,
    SupportCalendar,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)
from backend.services import notify, queue
from backend.services.business_time import Calendar, add_business_minutes, business_minutes_between
from backend.services.slots import Hours
from backend.services.unit import Unit, diff, write
from backend.services.validate import versioned_update

JOB = "tickets.sla"
WARN_SHARE = 0.8  # the near-breach point: this share of the target's business time used
QUEUE_END = datetime(9999, 1, 1, tzinfo=UTC)  # queue order of tickets whose clock is stopped: after all others
RUNNING = (TicketStatus.NEW, TicketStatus.OPEN)  # the clock runs; any other status pauses it

# Business minutes (first response, resolution) until the admin sets a priority's policy.
DEFAULT_TARGETS: dict[TicketPriority, tuple[int, int]] = {
    TicketPriority.URGENT: (60, 4 * 60),
    TicketPriority.HIGH: (4 * 60, 2 * 8 * 60),
    TicketPriority.NORMAL: (8 * 60, 5 * 8 * 60),
    TicketPriority.LOW: (2 * 8 * 60, 10 * 8 * 60),
}


@dataclass(frozen=True)
class Targets:
    first_response: int
    resolution: int
    escalate_to: TicketPriority | None = None
    escalate_assignee_id: int | None = None

    def minutes(self, target: SlaTarget) -> int:
        return self.first_response if target is SlaTarget.FIRST_RESPONSE else self.resolution


def calendar_of(row: SupportCalendar | None) -> Calendar:
    if row is None:
        return Calendar(Hours(frozenset({1, 2, 3, 4, 5}), 9 * 60, 17 * 60), ZoneInfo("UTC"))
    return Calendar(Hours(frozenset(int(d) for d in row.weekdays), row.start_minute, row.end_minute),
                    ZoneInfo(row.time_zone), frozenset(date.fromisoformat(d) for d in row.holidays))


async def calendar() -> Calendar:
    return calendar_of(await SupportCalendar.first())


async def targets(priority: TicketPriority) -> Targets:
    row = await SlaPolicy.filter(priority=priority).first()
    if row is None:
        return Targets(*DEFAULT_TARGETS[priority])
    return Targets(row.first_response_minutes, row.resolution_minutes, row.escalate_to, row.escalate_assignee_id)


def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


def clock(ticket: Ticket, status: TicketStatus, at: datetime, cal: Calendar, goal: Targets) -> dict[str, Any]:
    """The clock's columns once `ticket` is in `status` at `at`: pausing starts a pause, running again adds the
    pause's business minutes to the ticket's paused total, and the due times follow (null while paused or met)."""
    values: dict[str, Any] = {}
    paused_minutes = ticket.paused_minutes
    if status in RUNNING and ticket.paused_at is not None:
        paused_minutes += business_minutes_between(ticket.paused_at, at, cal)
        values.update(paused_at=None, paused_minutes=paused_minutes)
    elif status not in RUNNING and ticket.paused_at is None:
        values["paused_at"] = at
    first_due = resolution_due = None
    if status in RUNNING:
        if ticket.first_responded_at is None:
            first_due = _second(add_business_minutes(ticket.created_at, goal.first_response + paused_minutes, cal))
        resolution_due = _second(add_business_minutes(ticket.created_at, goal.resolution + paused_minutes, cal))
    dues = [d for d in (first_due, resolution_due) if d is not None]
    values.update(first_response_due_at=first_due, resolution_due_at=resolution_due,
                  queue_at=min(dues) if dues else QUEUE_END)
    return values


def due_of(ticket: Ticket, target: SlaTarget) -> datetime | None:
    return ticket.first_response_due_at if target is SlaTarget.FIRST_RESPONSE else ticket.resolution_due_at


async def arm(ticket: Ticket, cal: Calendar, goal: Targets) -> None:
    """Schedule the near-breach and breach jobs of the ticket's running targets (inside the change's write)."""
    for target in SlaTarget:
        due = due_of(ticket, target)
        if due is None:
            continue
        warn = _second(add_business_minutes(ticket.created_at, goal.minutes(target) * WARN_SHARE + ticket.paused_minutes,
                                            cal))
        for level, run_at in ((SlaLevel.WARNING, warn), (SlaLevel.BREACH, due)):
            await queue.enqueue(JOB, {"ticket_id": ticket.id, "target": target.value, "level": level.value,
                                      "due": due.isoformat()}, run_at=run_at,
                                key=f"sla:{ticket.id}:{target.value}:{level.value}:{due.isoformat()}")


async def _told(ticket: Ticket, was_assignee: int | None = None) -> list[User]:
    """Who hears of a near-breach or breach: the assignee (and the one before, had an escalation just handed the
    ticket over) and the support lead (the admins while no lead is set)."""
    setting = await SupportCalendar.first()
    lead_ids = [setting.lead_id] if setting is not None and setting.lead_id else \
        list(await User.filter(role=Role.ADMIN, active=True).values_list("id", flat=True))
    ids = list(dict.fromkeys([i for i in [ticket.assignee_id, was_assignee, *lead_ids] if i]))
    return list(await User.filter(id__in=ids, active=True))


def _words(target: SlaTarget, level: SlaLevel) -> str:
    what = "first response" if target is SlaTarget.FIRST_RESPONSE else "resolution"
    return f"{what} target breached" if level is SlaLevel.BREACH else f"{what} target at 80 %"


async def fire(payload: dict[str, Any], at: datetime | None = None) -> bool:
    """The job: record and tell of a near-breach or breach, unless the ticket's clock moved since it was armed
    (a reply, a pause, a new priority) or it was already recorded. True when it was recorded now."""
    at = at or queue.now()
    target, level = SlaTarget(payload["target"]), SlaLevel(payload["level"])
    due = datetime.fromisoformat(payload["due"])
    async with write(Actor.system(via="jobs")) as unit:
        # Locked: two breach jobs of one ticket (both targets) must not both escalate it.
        ticket = await Ticket.filter(id=payload["ticket_id"]).select_for_update().first()
        if ticket is None or ticket.status not in RUNNING or due_of(ticket, target) != due:
            return False
        if await SlaEvent.filter(ticket_id=ticket.id, target=target, level=level, due_at=due).exists():
            return False
        await SlaEvent.create(ticket_id=ticket.id, target=target, level=level, due_at=due)
        await unit.audit(f"ticket.sla_{level.value}", "ticket", ticket.id, {"target": target.value, "due": due.isoformat()})
        was_assignee = ticket.assignee_id  # told too when the escalation hands the ticket over
        escalated = level is SlaLevel.BREACH and await _escalate(unit, ticket, target, due)
        await _tell(unit, ticket, target, level, due, escalated, was_assignee)
        unit.publish(topics.tickets(), TicketChanged(id=ticket.id, customer_id=ticket.customer_id, what="sla",
                                                     actor_id=None))
    return True


async def _escalate(unit: Unit, ticket: Ticket, target: SlaTarget, due: datetime) -> bool:
    """Apply the ticket's policy escalation on its first breach (see the module's docstring): raise the priority
    and/or hand it over, audited and published like an edit, the due times kept. True when it escalated now."""
    goal = await targets(ticket.priority)
    if goal.escalate_to is None and goal.escalate_assignee_id is None:
        return False
    if await SlaEvent.filter(ticket_id=ticket.id, level=SlaLevel.ESCALATED).exists():
        return False
    values: dict[str, Any] = {}
    if goal.escalate_to is not None and goal.escalate_to != ticket.priority:
        values["priority"] = goal.escalate_to
    if goal.escalate_assignee_id is not None and goal.escalate_assignee_id != ticket.assignee_id:
        person = await User.filter(id=goal.escalate_assignee_id, active=True).first()
        if person is not None:
            values.update(assignee_id=person.id, team_id=person.team_id)
    await SlaEvent.create(ticket_id=ticket.id, target=target, level=SlaLevel.ESCALATED, due_at=due)
    if not values:
        return False
    before = {key: getattr(ticket, key) for key in values}
    await versioned_update(Ticket, ticket, ticket.version, "Ticket", **values)
    await unit.audit("ticket.escalate", "ticket", ticket.id, {**diff(before, values), "target": target.value})
    unit.publish(topics.tickets(), TicketChanged(id=ticket.id, customer_id=ticket.customer_id, what="updated",
                                                 actor_id=None))
    return True


async def _tell(unit: Unit, ticket: Ticket, target: SlaTarget, level: SlaLevel, due: datetime,
                escalated: bool = False, was_assignee: int | None = None) -> None:
    message = f"{ticket.number} {ticket.subject}: {_words(target, level)} (due {due:%Y-%m-%d %H:%M} UTC)"
    if escalated:
        message += f", escalated ({ticket.priority.value})"
    for person in await _told(ticket, was_assignee):
        def note(row: Notification, t: Ticket = ticket) -> TicketSlaNote:
            return TicketSlaNote(ticket_id=t.id, message=row.message)

        await notify.tell(unit, person, NotificationKind.TICKET_SLA, message, ("ticket", ticket.id), note,
                          f"ticket_sla:{ticket.id}:{target.value}:{level.value}:{due.isoformat()}:{person.id}",
                          path=f"/tickets/{ticket.id}")
