"""Tickets beyond the queue: the support dashboard's ticket figures (checked against values computed here from
the rows), tickets opened and resolved on the customer's timeline (row rules, statements that do not grow with
the customers), and quotaChanged, which the dashboards follow."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.graphql.root import schema
from backend.models import QuotaPeriod, Role, SlaEvent, SlaLevel, SlaTarget, Ticket
from backend.reads.context import Context
from backend.services.periods import period_start
from tests.factories import actor, make_customer, make_team, make_user, ok
from tests.sqlcount import count_statements

CREATE = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }"
STATUS = "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { id } }"
REPLY = "mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { message { id } } }"
FIGURES = """open unassigned breachingSoon breaches averageFirstResponseMinutes averageResolutionMinutes
  averageSatisfaction rated"""
BOARD = f"{{ dashboard {{ support {{ tickets {{ {FIGURES} }} }} }} ticketSummary {{ {FIGURES} }} }}"
TIMELINE = """query($id: ID!) { customer(id: $id) { ticketEvents(first: 10) { kind at ticket { id number } } } }"""
SET = "mutation($input: SetQuotaInput!) { setQuota(input: $input) { id } }"


async def _ticket(who: Any, customer_id: str, **fields: Any) -> dict[str, Any]:
    return (await ok(who, CREATE, input={"subject": "Press stopped", "customerId": customer_id, **fields}))["createTicket"]


async def test_the_support_dashboard_counts_the_tickets(db: str) -> None:
    agent = await make_user(Role.SUPPORT)
    customer = await make_customer(await make_user(Role.ADMIN))
    now = datetime.now(UTC).replace(microsecond=0)
    waiting = await _ticket(agent, customer["id"], assigneeId=str(agent.id))
    await _ticket(agent, customer["id"])  # open, nobody's
    answered = await _ticket(agent, customer["id"])
    await ok(agent, REPLY, input={"id": answered["id"], "body": "On our way"})
    done = await _ticket(agent, customer["id"])
    await ok(agent, REPLY, input={"id": done["id"], "body": "Fixed"})
    await ok(agent, STATUS, input={"id": done["id"], "status": "RESOLVED"})
    # Times as if worked over hours: answered after 30 and 90 minutes, resolved after 5 hours; rated 4.
    await Ticket.filter(id=int(answered["id"])).update(created_at=now - timedelta(hours=2),
                                                       first_responded_at=now - timedelta(minutes=90))
    await Ticket.filter(id=int(done["id"])).update(created_at=now - timedelta(hours=6), first_responded_at=now - timedelta(
        hours=4, minutes=30), resolved_at=now - timedelta(hours=1), satisfaction=4, rated_at=now)
    await SlaEvent.create(ticket_id=int(waiting["id"]), target=SlaTarget.FIRST_RESPONSE, level=SlaLevel.BREACH,
                          due_at=now)
    got = await ok(agent, BOARD)
    tickets = got["dashboard"]["support"]["tickets"]
    assert tickets == got["ticketSummary"]  # one read behind both
    assert tickets == {"open": 3, "unassigned": 2, "breachingSoon": 0, "breaches": 1,
                       "averageFirstResponseMinutes": 60.0, "averageResolutionMinutes": 300.0,
                       "averageSatisfaction": 4.0, "rated": 1}


async def test_a_rep_counts_the_tickets_of_customers_they_see(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    agent = await make_user(Role.SUPPORT)
    await _ticket(agent, (await make_customer(rep, accountManagerId=str(rep.id)))["id"])
    await _ticket(agent, (await make_customer(rep2, accountManagerId=str(rep2.id)))["id"])
    assert (await ok(rep, "{ ticketSummary { open } }"))["ticketSummary"]["open"] == 1
    assert (await ok(agent, "{ dashboard { support { tickets { open } } } }"))["dashboard"]["support"]["tickets"]["open"] == 2


async def test_tickets_opened_and_resolved_on_the_customers_timeline(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    agent = await make_user(Role.SUPPORT)
    customer = await make_customer(rep, accountManagerId=str(rep.id))
    first = await _ticket(agent, customer["id"])
    second = await _ticket(agent, customer["id"])
    await ok(agent, STATUS, input={"id": first["id"], "status": "RESOLVED"})
    base = datetime(2026, 3, 2, 9, tzinfo=UTC)
    await Ticket.filter(id=int(first["id"])).update(created_at=base, resolved_at=base + timedelta(hours=3))
    await Ticket.filter(id=int(second["id"])).update(created_at=base + timedelta(hours=1))
    entries = (await ok(rep, TIMELINE, id=customer["id"]))["customer"]["ticketEvents"]
    assert [(e["kind"], e["ticket"]["id"]) for e in entries] == [
        ("RESOLVED", first["id"]), ("CREATED", second["id"]), ("CREATED", first["id"])]  # newest first
    assert datetime.fromisoformat(entries[0]["at"]) == base + timedelta(hours=3)
    one = (await ok(rep, TIMELINE.replace("first: 10", "first: 1"), id=customer["id"]))["customer"]["ticketEvents"]
    assert [e["kind"] for e in one] == ["RESOLVED"]
    hidden = await make_customer(rep2, accountManagerId=str(rep2.id))
    await _ticket(agent, hidden["id"])
    assert (await ok(agent, TIMELINE, id=hidden["id"]))["customer"]["ticketEvents"]


async def test_timelines_of_many_customers_cost_the_same_statements(db: str) -> None:
    agent = await make_user(Role.SUPPORT)
    admin = await make_user(Role.ADMIN)
    listing = """{ customers(first: 50) { edges { node { id ticketEvents(first: 3) { kind ticket { number } } } } } }"""

    async def statements() -> int:
        with count_statements() as sent:
            await ok(admin, listing)
        return len(sent)

    for _ in range(2):
        customer = await make_customer(admin)
        await _ticket(agent, customer["id"])
    few = await statements()
    for _ in range(5):
        customer = await make_customer(admin)
        done = await _ticket(agent, customer["id"])
        await ok(agent, STATUS, input={"id": done["id"], "status": "RESOLVED"})
    assert await statements() == few


async def test_quota_changed_tells_those_who_see_the_quota(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    head = await make_user(Role.SALES_HEAD, north)
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    document = "subscription { quotaChanged { quotaId userId teamId actorId quota { amount { amount } } } }"
    streams, nexts, ready = [], [], []
    for who in (rep, rep2):
        event = asyncio.Event()
        stream = await schema.subscribe(document, context_value=Context(actor=actor(who), subscribed=event.set))
        streams.append(stream)
        nexts.append(asyncio.ensure_future(anext(stream)))  # type: ignore[arg-type]
        ready.append(event)
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready)), 5)
    quarter = period_start(QuotaPeriod.QUARTER, date.today()).isoformat()
    set_ = await ok(head, SET, input={"userId": str(rep.id), "period": "QUARTER", "startsOn": quarter,
                                      "amount": 5_000_000})
    got = (await asyncio.wait_for(nexts[0], 5)).data["quotaChanged"]
    assert got == {"quotaId": set_["setQuota"]["id"], "userId": str(rep.id), "teamId": None, "actorId": str(head.id),
                   "quota": {"amount": {"amount": 5_000_000}}}
    await ok(await make_user(Role.ADMIN), SET, input={"userId": str(rep2.id), "period": "QUARTER",
                                                      "startsOn": quarter, "amount": 7_000_000})
    other = (await asyncio.wait_for(nexts[1], 5)).data["quotaChanged"]
    assert other["userId"] == str(rep2.id)  # rep2 never heard of rep's quota: the first it hears is its own
    for stream in streams:
        await stream.aclose()  # type: ignore[attr-defined]
