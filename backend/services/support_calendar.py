"""The support desk's settings, kept by admins: its business calendar (working days and hours, time zone,
holidays, the lead told of breaches) and the SLA targets per priority.

Either change moves the due times of tickets whose clock runs: they are computed again in the same write
(their new jobs armed with it), as a status change does for one ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from tortoise.expressions import F, Q

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.models import SlaPolicy, SupportCalendar, Ticket, TicketPriority, User
from backend.permissions import Action
from backend.services import queue, sla
from backend.services import validate as v
from backend.services.booking import clean_hours
from backend.services.unit import diff, write
from backend.services.users import time_zone

MAX_HOLIDAYS = 200
MAX_TARGET = 60 * 24 * 365  # business minutes: a year of round-the-clock work


async def calendar_row() -> SupportCalendar:
    """The one calendar row (made with the defaults should the migration's row be gone)."""
    row = await SupportCalendar.first()
    return row if row is not None else await SupportCalendar.create()


async def policies() -> list[tuple[TicketPriority, sla.Targets]]:
    return [(p, await sla.targets(p)) for p in TicketPriority]


def _holidays(values: Iterable[Any]) -> list[str]:
    days: set[date] = set()
    for value in values:
        if not isinstance(value, date):
            raise BadUserInput("holidays", f"{value!r} is not a date")
        days.add(value)
    if len(days) > MAX_HOLIDAYS:
        raise BadUserInput("holidays", f"at most {MAX_HOLIDAYS} holidays")
    return [d.isoformat() for d in sorted(days)]


async def _rearm(tickets: Q) -> int:
    """Compute the running clocks of the tickets matching `tickets` again (inside the caller's write)."""
    cal = await sla.calendar()
    moved = 0
    for ticket in await Ticket.filter(tickets, status__in=list(sla.RUNNING)):
        goal = await sla.targets(ticket.priority)
        values = sla.clock(ticket, ticket.status, queue.now(), cal, goal)
        await Ticket.filter(id=ticket.id).update(**values)
        for key, value in values.items():
            setattr(ticket, key, value)
        await sla.arm(ticket, cal, goal)
        moved += 1
    return moved


async def set_calendar(actor: Actor, version: int | None, data: dict[str, Any]) -> SupportCalendar:
    permissions.require(actor, Action.MANAGE_SUPPORT)
    expected = v.version("version", version)
    hours = clean_hours(data.get("weekdays") or [], data.get("start"), data.get("end"))
    values: dict[str, Any] = {"weekdays": "".join(map(str, sorted(hours.weekdays))), "start_minute": hours.start_minute,
                              "end_minute": hours.end_minute, "time_zone": time_zone(data.get("time_zone")),
                              "holidays": _holidays(data.get("holidays") or [])}
    if data.get("lead_id") is not None:
        lead_id = v.parse_id("leadId", data["lead_id"])
        if not await User.filter(id=lead_id, active=True, role__isnull=False).exists():
            raise BadUserInput("leadId", "must be an active user with a CRM role")
        values["lead_id"] = lead_id
    else:
        values["lead_id"] = None
    async with write(actor) as unit:
        row = await calendar_row()
        before = {key: getattr(row, key) for key in values}
        if not await SupportCalendar.filter(id=row.id, version=expected).update(version=F("version") + 1, **values):
            raise Conflict("SupportCalendar", row.version)
        row = await SupportCalendar.get(id=row.id)
        moved = await _rearm(Q())
        await unit.audit("support_calendar.set", "support_calendar", row.id, {**diff(before, values), "rearmed": moved})
    return row


RANK = list(TicketPriority)  # low … urgent: escalation only ever goes up


async def _escalation(level: TicketPriority, escalate_to: Any, escalate_assignee_id: Any) -> dict[str, Any]:
    """The policy's escalation columns, checked: a priority above the policy's own, an active user with a role."""
    to = v.choice("escalateTo", escalate_to, TicketPriority) if escalate_to is not None else None
    if to is not None and RANK.index(to) <= RANK.index(level):
        raise BadUserInput("escalateTo", f"must be a higher priority than {level.value}")
    person_id = None
    if escalate_assignee_id is not None:
        person_id = v.parse_id("escalateAssigneeId", escalate_assignee_id)
        if not await User.filter(id=person_id, active=True, role__isnull=False).exists():
            raise BadUserInput("escalateAssigneeId", "must be an active user with a CRM role")
    return {"escalate_to": to, "escalate_assignee_id": person_id}


async def set_policy(actor: Actor, priority: Any, first_response: int | None, resolution: int | None,
                     escalate_to: Any = None, escalate_assignee_id: Any = None) -> SlaPolicy:
    """Set a priority's targets and its escalation on breach (None: no escalation)."""
    permissions.require(actor, Action.MANAGE_SUPPORT)
    level = v.choice("priority", priority, TicketPriority)
    first = v.integer("firstResponseMinutes", first_response, minimum=1, maximum=MAX_TARGET)
    whole = v.integer("resolutionMinutes", resolution, minimum=1, maximum=MAX_TARGET)
    if first is None:
        raise BadUserInput("firstResponseMinutes", "is required")
    if whole is None:
        raise BadUserInput("resolutionMinutes", "is required")
    if whole < first:
        raise BadUserInput("resolutionMinutes", "must not be shorter than the first-response target")
    escalation = await _escalation(level, escalate_to, escalate_assignee_id)
    values = {"first_response_minutes": first, "resolution_minutes": whole, **escalation}
    async with write(actor) as unit:
        before = await sla.targets(level)
        if not await SlaPolicy.filter(priority=level).update(**values):
            await SlaPolicy.create(priority=level, **values)
        moved = await _rearm(Q(priority=level))
        await unit.audit("sla_policy.set", "sla_policy", level.value, {
            "first_response_minutes": [before.first_response, first], "resolution_minutes": [before.resolution, whole],
            **diff({"escalate_to": before.escalate_to, "escalate_assignee_id": before.escalate_assignee_id}, escalation),
            "rearmed": moved})
    return await SlaPolicy.get(priority=level)
