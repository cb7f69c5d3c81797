"""SLA escalation (issue 20): a breached ticket gets its policy's higher priority and/or assignee once, recorded,
audited and published; it is never escalated again, so the higher priority's earlier targets cannot cascade it
on up. Expectations are set by hand: around-the-clock support makes business minutes plain minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend.models import (
    AuditEntry,
    Notification,
    Role,
    SlaEvent,
    SlaLevel,
    SupportCalendar,
    Ticket,
    TicketPriority,
    User,
)
from backend.services import queue
from backend.settings import get_settings
from backend.worker import Worker
from tests.factories import error, make_customer, make_user, ok
from tests.test_tickets import around_the_clock, new_ticket

POLICY = ("mutation($input: SetSlaPolicyInput!) { setSlaPolicy(input: $input) "
          "{ priority firstResponseMinutes resolutionMinutes escalateTo escalateAssignee { id } } }")


async def run_due(when: datetime) -> int:
    """Run every job due by `when`, as a freshly started worker would; the number run."""
    runner, ran = Worker(get_settings(), name=f"runner-{when.isoformat()}"), 0
    while (job := await queue.claim(runner.name, 30, at=when)) is not None:
        await runner.run_one(job)
        ran += 1
    return ran


async def escalations(ticket_id: Any) -> tuple[int, int]:
    """(ESCALATED sla_events, ticket.escalate audit entries) of the ticket."""
    return (await SlaEvent.filter(ticket_id=ticket_id, level=SlaLevel.ESCALATED).count(),
            await AuditEntry.filter(action="ticket.escalate", entity_id=str(ticket_id)).count())


async def _desk() -> tuple[User, User, User, dict[str, Any]]:
    await around_the_clock()
    admin, lead, agent = await make_user(Role.ADMIN), await make_user(Role.SUPPORT), await make_user(Role.SUPPORT)
    await SupportCalendar.all().update(lead_id=lead.id)
    return admin, lead, agent, await make_customer(admin)


async def test_a_breach_escalates_high_to_urgent_and_hands_over_once(db: str) -> None:
    admin, lead, agent, customer = await _desk()
    shown = await ok(admin, POLICY, input={"priority": "HIGH", "firstResponseMinutes": 30, "resolutionMinutes": 90,
                                           "escalateTo": "URGENT", "escalateAssigneeId": str(lead.id)})
    assert shown["setSlaPolicy"]["escalateTo"] == "URGENT" and shown["setSlaPolicy"]["escalateAssignee"] == {"id": str(lead.id)}
    ticket = await new_ticket(agent, customer["id"], priority="HIGH", assigneeId=str(agent.id))
    row = await Ticket.get(id=ticket["id"])
    first_due = (row.created_at + timedelta(minutes=30)).replace(microsecond=0)
    resolution_due = (row.created_at + timedelta(minutes=90)).replace(microsecond=0)

    await run_due(first_due - timedelta(seconds=1))  # 80 % warning only: no escalation yet
    assert await escalations(ticket["id"]) == (0, 0)
    await run_due(first_due)  # the first-response breach
    row = await Ticket.get(id=ticket["id"])
    assert (row.priority, row.assignee_id, row.version) == (TicketPriority.URGENT, lead.id, 2)
    assert await escalations(ticket["id"]) == (1, 1)
    told = await Notification.filter(kind="ticket_sla", message__contains="escalated").values_list("user_id", flat=True)
    assert sorted(told) == sorted([agent.id, lead.id])  # the assignee handed over from, and the lead (now assignee)
    # No cascade: the breached due times stay (not recomputed under urgent's 60/240 … which would be the same
    # past instant for the first response and would breach again at once).
    assert (row.first_response_due_at, row.resolution_due_at) == (first_due, resolution_due)

    await run_due(first_due)  # the same breach job run again: nothing more
    await run_due(resolution_due + timedelta(hours=1))  # the resolution breach: told, not escalated again
    row = await Ticket.get(id=ticket["id"])
    assert (row.priority, row.assignee_id, row.version) == (TicketPriority.URGENT, lead.id, 2)
    assert await escalations(ticket["id"]) == (1, 1)
    breaches = await SlaEvent.filter(ticket_id=ticket["id"], level=SlaLevel.BREACH).count()
    assert breaches == 2  # first response and resolution, each recorded once


async def test_an_escalated_ticket_does_not_cascade_to_urgent(db: str) -> None:
    admin, lead, agent, customer = await _desk()
    await ok(admin, POLICY, input={"priority": "NORMAL", "firstResponseMinutes": 30, "resolutionMinutes": 90,
                                   "escalateTo": "HIGH"})
    await ok(admin, POLICY, input={"priority": "HIGH", "firstResponseMinutes": 10, "resolutionMinutes": 20,
                                   "escalateTo": "URGENT"})
    ticket = await new_ticket(agent, customer["id"], priority="NORMAL", assigneeId=str(agent.id))
    created = (await Ticket.get(id=ticket["id"])).created_at
    await run_due(created + timedelta(days=1))
    row = await Ticket.get(id=ticket["id"])
    assert (row.priority, row.assignee_id) == (TicketPriority.HIGH, agent.id)  # once, and no assignee in the policy
    assert await escalations(ticket["id"]) == (1, 1)


async def test_no_escalation_without_one_in_the_policy(db: str) -> None:
    admin, lead, agent, customer = await _desk()
    await ok(admin, POLICY, input={"priority": "HIGH", "firstResponseMinutes": 30, "resolutionMinutes": 90})
    ticket = await new_ticket(agent, customer["id"], priority="HIGH", assigneeId=str(agent.id))
    created = (await Ticket.get(id=ticket["id"])).created_at
    await run_due(created + timedelta(days=1))
    row = await Ticket.get(id=ticket["id"])
    assert (row.priority, row.assignee_id, row.version) == (TicketPriority.HIGH, agent.id, 1)
    assert await escalations(ticket["id"]) == (0, 0)
    assert await SlaEvent.filter(ticket_id=ticket["id"], level=SlaLevel.BREACH).count() == 2


async def test_bad_escalation_names_its_field_and_writes_nothing(db: str) -> None:
    admin, lead, agent, customer = await _desk()
    base = {"priority": "HIGH", "firstResponseMinutes": 30, "resolutionMinutes": 90}
    for to in ("LOW", "NORMAL", "HIGH"):
        refused = await error(admin, POLICY, input={**base, "escalateTo": to})
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "escalateTo"), to
    refused = await error(admin, POLICY, input={**base, "escalateAssigneeId": "999999"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "escalateAssigneeId")
    refused = await error(agent, POLICY, input={**base, "escalateTo": "URGENT"})
    assert refused["code"] == "FORBIDDEN"
    listed = (await ok(agent, "{ slaPolicies { priority resolutionMinutes escalateTo escalateAssignee { id } } }"))
    high = next(p for p in listed["slaPolicies"] if p["priority"] == "HIGH")
    assert high == {"priority": "HIGH", "resolutionMinutes": 960, "escalateTo": None, "escalateAssignee": None}
