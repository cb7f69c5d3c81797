"""Support tickets through the API (services/tickets.py): the workflow with its SLA clock, the conversation,
row rules, the queue's filters and order, the live stream, and a breach told at the right time by a job
runner started afresh (a server restart loses no breach)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from backend.auth.actor import Actor
from backend.graphql.root import schema
from backend.models import (
    AuditEntry,
    Job,
    Notification,
    Role,
    SlaEvent,
    SupportCalendar,
    Ticket,
)
from backend.reads.context import Context
from backend.services import queue
from backend.settings import get_settings
from backend.worker import Worker
from tests.factories import actor, error, make_contact, make_customer, make_team, make_user, ok, setting  # noqa: F401
from tests.mailserver import Inbox, smtp_server

FIELDS = """id number subject status priority channel version firstResponseDueAt firstRespondedAt
  resolutionDueAt slaDueAt pausedAt allowedStatuses assignee { id } customer { id } contact { id } tags"""
CREATE = f"mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{ {FIELDS} }} }}"
UPDATE = f"mutation($input: UpdateTicketInput!) {{ updateTicket(input: $input) {{ {FIELDS} }} }}"
STATUS = f"mutation($input: ChangeTicketStatusInput!) {{ changeTicketStatus(input: $input) {{ {FIELDS} }} }}"
REPLY = f"""mutation($input: ReplyToTicketInput!) {{ replyToTicket(input: $input) {{
  message {{ id body internal author {{ id }} }} ticket {{ {FIELDS} }} }} }}"""
ONE = f"query($id: ID!) {{ ticket(id: $id) {{ {FIELDS} messages {{ body internal authorName }} slaEvents {{ target level }} }} }}"
LIST = """query($filter: TicketFilter, $after: String, $first: Int) {
  tickets(filter: $filter, after: $after, first: $first) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id number priority slaDueAt } } } }"""


async def around_the_clock() -> None:
    """Support works every day, all day: business minutes are plain minutes, so expectations are simple."""
    await SupportCalendar.all().delete()
    await SupportCalendar.create(weekdays="1234567", start_minute=0, end_minute=24 * 60, time_zone="UTC")


async def new_ticket(who: Any, customer_id: str, **fields: Any) -> dict[str, Any]:
    data = await ok(who, CREATE, input={"subject": "Printer on fire", "customerId": customer_id, **fields})
    return data["createTicket"]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_ticket_from_arrival_to_closed(db: str) -> None:
    await around_the_clock()
    admin, agent = await make_user(Role.ADMIN), await make_user(Role.SUPPORT)
    customer = await make_customer(admin)
    contact = await make_contact(admin, customerId=customer["id"])
    ticket = await new_ticket(agent, customer["id"], priority="URGENT", channel="EMAIL", contactId=contact["id"],
                              assigneeId=str(agent.id), tags=["printer", "printer", "fire"])
    assert ticket["number"] == f"T-{int(ticket['id']) + 1000}"
    assert ticket["status"] == "NEW" and ticket["tags"] == ["printer", "fire"]
    created = (await Ticket.get(id=ticket["id"])).created_at
    # urgent: first response within 60 minutes, resolution within 240 (business minutes, here all minutes)
    assert at(ticket["firstResponseDueAt"]) == (created + timedelta(minutes=60)).replace(microsecond=0)
    assert at(ticket["resolutionDueAt"]) == (created + timedelta(minutes=240)).replace(microsecond=0)
    assert ticket["slaDueAt"] == ticket["firstResponseDueAt"]

    note = (await ok(agent, REPLY, input={"id": ticket["id"], "body": "Checking the logs", "internal": True}))
    assert note["replyToTicket"]["ticket"]["status"] == "NEW"  # a note is no response
    assert note["replyToTicket"]["ticket"]["firstRespondedAt"] is None
    answered = (await ok(agent, REPLY, input={"id": ticket["id"], "body": "We are on it"}))["replyToTicket"]["ticket"]
    assert answered["status"] == "OPEN" and answered["firstRespondedAt"] and answered["firstResponseDueAt"] is None
    assert answered["slaDueAt"] == answered["resolutionDueAt"]

    waiting = (await ok(agent, STATUS, input={"id": ticket["id"], "status": "PENDING_CUSTOMER"}))["changeTicketStatus"]
    assert waiting["pausedAt"] and waiting["resolutionDueAt"] is None and waiting["slaDueAt"] is None
    wrong = await error(agent, STATUS, input={"id": ticket["id"], "status": "NEW"})
    assert wrong["code"] == "BAD_USER_INPUT" and wrong["field"] == "status"
    stale = await error(agent, STATUS, input={"id": ticket["id"], "status": "OPEN", "version": 1})
    assert stale["code"] == "CONFLICT"
    reopened = (await ok(agent, STATUS, input={"id": ticket["id"], "status": "OPEN"}))["changeTicketStatus"]
    assert reopened["pausedAt"] is None and at(reopened["resolutionDueAt"]) >= at(answered["resolutionDueAt"])
    resolved = (await ok(agent, STATUS, input={"id": ticket["id"], "status": "RESOLVED"}))["changeTicketStatus"]
    assert resolved["allowedStatuses"] == ["OPEN", "CLOSED"]
    closed = (await ok(agent, STATUS, input={"id": ticket["id"], "status": "CLOSED"}))["changeTicketStatus"]
    assert closed["status"] == "CLOSED" and closed["allowedStatuses"] == ["OPEN"]

    read = (await ok(agent, ONE, id=ticket["id"]))["ticket"]
    assert [(m["body"], m["internal"]) for m in read["messages"]] == [("Checking the logs", True), ("We are on it", False)]
    actions = [e.action for e in await AuditEntry.filter(entity="ticket", entity_id=ticket["id"]).order_by("id")]
    assert actions == ["ticket.create", "ticket.note", "ticket.reply", "ticket.status", "ticket.status",
                       "ticket.status", "ticket.status", "ticket.status"]


async def test_bad_input_writes_nothing(db: str) -> None:
    admin, other = await make_user(Role.ADMIN), await make_user(Role.ADMIN)
    customer, elsewhere = await make_customer(admin), await make_customer(admin)
    foreign_contact = await make_contact(admin, customerId=elsewhere["id"])
    marketing = await make_user(Role.MARKETING)
    cases = [
        ({"subject": " "}, "BAD_USER_INPUT", "subject"),
        ({"priority": "SOON"}, None, None),  # not an enum value: GraphQL refuses the document
        ({"contactId": foreign_contact["id"]}, "NOT_FOUND", "contactId"),
        ({"assigneeId": str(marketing.id)}, "BAD_USER_INPUT", "assigneeId"),
        ({"customerId": "999999"}, "NOT_FOUND", "customerId"),
    ]
    for fields, code, field in cases:
        found = await error(other, CREATE, input={"subject": "Broken", "customerId": customer["id"], **fields})
        if code:
            assert (found["code"], found.get("field")) == (code, field), fields
    assert await Ticket.all().count() == 0 and await Job.filter(kind="tickets.sla").count() == 0
    refused = await error(marketing, CREATE, input={"subject": "Broken", "customerId": customer["id"]})
    assert refused["code"] == "FORBIDDEN"


async def test_row_rules_follow_the_customer(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    agent = await make_user(Role.SUPPORT)
    ours = await make_customer(rep, accountManagerId=str(rep.id))
    theirs = await make_customer(rep2, accountManagerId=str(rep2.id))
    mine = await new_ticket(rep, ours["id"])
    hidden = await new_ticket(agent, theirs["id"])
    listed = (await ok(rep, LIST))["tickets"]
    assert [e["node"]["id"] for e in listed["edges"]] == [mine["id"]]
    missing = await error(rep, ONE, id=hidden["id"])
    assert missing["code"] == "NOT_FOUND"
    assert (await error(rep, STATUS, input={"id": hidden["id"], "status": "OPEN"}))["code"] == "NOT_FOUND"
    assert (await ok(agent, LIST))["tickets"]["totalCount"] == 2  # support sees every ticket


async def test_the_queue_filters_and_sorts_by_sla_due(db: str) -> None:
    await around_the_clock()
    agent, other = await make_user(Role.SUPPORT), await make_user(Role.SUPPORT)
    customer = await make_customer(await make_user(Role.ADMIN))
    low = await new_ticket(agent, customer["id"], priority="LOW")
    urgent = await new_ticket(agent, customer["id"], priority="URGENT", assigneeId=str(agent.id))
    high = await new_ticket(agent, customer["id"], priority="HIGH", assigneeId=str(other.id))
    waiting = await new_ticket(agent, customer["id"], priority="URGENT")
    await ok(agent, STATUS, input={"id": waiting["id"], "status": "PENDING_CUSTOMER"})
    ids = []
    after = None
    while True:  # two per page: the cursor carries the SLA due time
        page = (await ok(agent, LIST, first=2, after=after))["tickets"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert ids == [urgent["id"], high["id"], low["id"], waiting["id"]]  # paused last
    mine = (await ok(agent, LIST, filter={"mine": True}))["tickets"]["edges"]
    assert [e["node"]["id"] for e in mine] == [urgent["id"]]
    nobody = (await ok(agent, LIST, filter={"unassigned": True, "status": ["NEW"]}))["tickets"]["edges"]
    assert [e["node"]["id"] for e in nobody] == [low["id"]]
    soon = (await ok(agent, LIST, filter={"breachingSoon": True}))["tickets"]["edges"]
    assert [e["node"]["id"] for e in soon] == [urgent["id"]]  # due within the hour
    by_priority = (await ok(agent, LIST, filter={"priority": ["HIGH", "LOW"]}))["tickets"]["edges"]
    assert [e["node"]["id"] for e in by_priority] == [high["id"], low["id"]]
    summary = (await ok(agent, "{ ticketSummary { open unassigned breachingSoon breaches } }"))["ticketSummary"]
    assert summary == {"open": 4, "unassigned": 2, "breachingSoon": 1, "breaches": 0}


async def test_a_priority_change_moves_the_due_times(db: str) -> None:
    await around_the_clock()
    agent = await make_user(Role.SUPPORT)
    customer = await make_customer(await make_user(Role.ADMIN))
    ticket = await new_ticket(agent, customer["id"])  # normal: 480 / 2400 minutes
    urgent = (await ok(agent, UPDATE, input={"id": ticket["id"], "version": ticket["version"], "priority": "URGENT"}))
    moved = urgent["updateTicket"]
    created = (await Ticket.get(id=ticket["id"])).created_at
    assert at(moved["firstResponseDueAt"]) == (created + timedelta(minutes=60)).replace(microsecond=0)
    assert at(moved["resolutionDueAt"]) == (created + timedelta(minutes=240)).replace(microsecond=0)


@pytest.fixture
def inbox(setting: Any) -> Iterator[Inbox]:  # noqa: F811 (a fixture)
    with smtp_server() as (box, url):
        setting(CRM_SMTP_URL=url)
        yield box


async def test_a_breach_is_told_at_its_time_by_a_job_runner_started_afresh(db: str, inbox: Inbox) -> None:
    """The jobs are rows: a runner that never saw the ticket being created (a restarted server) fires the
    near-breach at 80 % and the breach at 100 % of the target, not before, and tells the assignee and the
    support lead once each."""
    await around_the_clock()
    lead, agent = await make_user(Role.SUPPORT), await make_user(Role.SUPPORT)
    await SupportCalendar.all().update(lead_id=lead.id)
    customer = await make_customer(await make_user(Role.ADMIN))
    ticket = await new_ticket(agent, customer["id"], priority="URGENT", assigneeId=str(agent.id))
    created = (await Ticket.get(id=ticket["id"])).created_at
    first_due = (created + timedelta(minutes=60)).replace(microsecond=0)
    warn_at = (created + timedelta(minutes=48)).replace(microsecond=0)

    async def run_due(when: datetime) -> list[str]:
        runner = Worker(get_settings(), name=f"restarted-{when.isoformat()}")  # a new process: nothing in memory
        ran = []
        while (job := await queue.claim(runner.name, 30, at=when)) is not None:
            if job.kind == "tickets.sla":
                ran.append(f"{job.payload['target']}:{job.payload['level']}")
            await runner.run_one(job)
        return ran

    assert await run_due(warn_at - timedelta(seconds=1)) == []
    assert await run_due(warn_at) == ["first_response:warning"]
    assert await run_due(first_due - timedelta(seconds=1)) == []
    assert await run_due(first_due) == ["first_response:breach"]
    events = [(e.target.value, e.level.value) for e in await SlaEvent.filter(ticket_id=ticket["id"]).order_by("id")]
    assert events == [("first_response", "warning"), ("first_response", "breach")]
    told = await Notification.filter(kind="ticket_sla").order_by("id").values_list("user_id", "message")
    assert sorted(u for u, _ in told) == sorted([agent.id, lead.id, agent.id, lead.id])
    assert all(ticket["number"] in m for _, m in told)
    mailed = sorted((m["To"], m["Subject"]) for m in inbox.messages)  # SLA news goes out by email too
    assert [to for to, _ in mailed] == sorted([agent.email, agent.email, lead.email, lead.email])
    assert all("breached" in subject or "80 %" in subject for _, subject in mailed)
    read = (await ok(agent, ONE, id=ticket["id"]))["ticket"]
    assert read["slaEvents"] == [{"target": "FIRST_RESPONSE", "level": "WARNING"},
                                 {"target": "FIRST_RESPONSE", "level": "BREACH"}]


async def test_a_job_armed_before_the_clock_moved_does_nothing(db: str) -> None:
    await around_the_clock()
    agent = await make_user(Role.SUPPORT)
    customer = await make_customer(await make_user(Role.ADMIN))
    ticket = await new_ticket(agent, customer["id"], priority="URGENT", assigneeId=str(agent.id))
    await ok(agent, REPLY, input={"id": ticket["id"], "body": "On it"})  # first response met in time
    created = (await Ticket.get(id=ticket["id"])).created_at
    runner = Worker(get_settings(), name="later")
    while (job := await queue.claim(runner.name, 30, at=created + timedelta(minutes=61))) is not None:
        await runner.run_one(job)
    assert await SlaEvent.all().count() == 0 and await Notification.filter(kind="ticket_sla").count() == 0


async def test_ticket_changed_streams_to_those_who_see_the_ticket(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    agent = await make_user(Role.SUPPORT)
    ours = await make_customer(rep, accountManagerId=str(rep.id))
    theirs = await make_customer(rep2, accountManagerId=str(rep2.id))
    document = "subscription { ticketChanged { kind ticketId ticket { number subject } } }"

    async def watch(who: Actor, ready: asyncio.Event) -> Any:
        stream = await schema.subscribe(document, context_value=Context(actor=who, subscribed=ready.set))
        return stream

    ready_rep, ready_agent = asyncio.Event(), asyncio.Event()
    rep_stream = await watch(actor(rep), ready_rep)
    agent_stream = await watch(actor(agent), ready_agent)
    rep_next = asyncio.ensure_future(anext(rep_stream))
    agent_next = asyncio.ensure_future(anext(agent_stream))
    await asyncio.wait_for(asyncio.gather(ready_rep.wait(), ready_agent.wait()), 5)
    hidden = await new_ticket(agent, theirs["id"], subject="Theirs")
    seen = (await asyncio.wait_for(agent_next, 5)).data["ticketChanged"]
    assert seen == {"kind": "CREATED", "ticketId": hidden["id"], "ticket": {"number": hidden["number"], "subject": "Theirs"}}
    await new_ticket(agent, ours["id"], subject="Ours")
    got = (await asyncio.wait_for(rep_next, 5)).data["ticketChanged"]  # the hidden one never reached the rep
    assert got["kind"] == "CREATED" and got["ticket"]["subject"] == "Ours"
    await rep_stream.aclose()
    await agent_stream.aclose()


async def test_the_admins_calendar_and_targets_move_running_clocks(db: str) -> None:
    admin, agent = await make_user(Role.ADMIN), await make_user(Role.SUPPORT)
    customer = await make_customer(admin)
    ticket = await new_ticket(agent, customer["id"], priority="HIGH")
    calendar = (await ok(admin, "{ supportCalendar { version weekdays start end timeZone holidays } }"))["supportCalendar"]
    assert calendar == {"version": 1, "weekdays": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00", "timeZone": "UTC",
                        "holidays": []}
    set_calendar = ("mutation($input: SetSupportCalendarInput!) { setSupportCalendar(input: $input) "
                    "{ version weekdays start end timeZone holidays lead { id } } }")
    refused = await error(agent, set_calendar, input={"version": 1, "weekdays": [1], "start": "09:00", "end": "17:00",
                                                      "timeZone": "UTC"})
    assert refused["code"] == "FORBIDDEN"
    await ok(admin, set_calendar, input={"version": 1, "weekdays": list(range(1, 8)), "start": "00:00", "end": "24:00",
                                         "timeZone": "UTC", "holidays": ["2026-12-25", "2026-12-24"]})
    policy = ("mutation($input: SetSlaPolicyInput!) { setSlaPolicy(input: $input) "
              "{ priority firstResponseMinutes resolutionMinutes } }")
    await ok(admin, policy, input={"priority": "HIGH", "firstResponseMinutes": 30, "resolutionMinutes": 90})
    row = await Ticket.get(id=ticket["id"])
    if datetime.now(row.created_at.tzinfo).strftime("%m-%d") not in ("12-24", "12-25"):
        assert row.first_response_due_at == (row.created_at + timedelta(minutes=30)).replace(microsecond=0)
    policies = (await ok(agent, "{ slaPolicies { priority firstResponseMinutes resolutionMinutes } }"))["slaPolicies"]
    assert policies[0]["priority"] == "URGENT" and {"priority": "HIGH", "firstResponseMinutes": 30,
                                                   "resolutionMinutes": 90} in policies
    stale = await error(admin, set_calendar, input={"version": 1, "weekdays": [1], "start": "09:00", "end": "17:00",
                                                    "timeZone": "UTC"})
    assert stale["code"] == "CONFLICT"
