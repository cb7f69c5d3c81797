"""`ask(question)`: each phrasing returns the same rows as a filter written by hand for the list it asks for,
on one seeded dataset, under the caller's row rules; words it does not know give an answer that says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from backend.ask.build import plan
from backend.ask.parse import understand
from backend.ask.vocabulary import Person, Vocabulary
from backend.models import Role, User
from frontend.customer_filters import customer_variables
from frontend.pages.pipeline import deal_filter
from tests.factories import (
    Actor,
    log_activity,
    make_campaign,
    make_contact,
    make_customer,
    make_deal,
    make_team,
    make_user,
    ok,
    open_campaign,
)

ASK = """query($q: String!) { ask(question: $q) {
  understood entity message suggestions answer listPath listExact variables chips { field label value }
  customers(first: 100) { edges { node { id } } } contacts(first: 100) { edges { node { id } } }
  leads(first: 100) { edges { node { id } } } deals(first: 100) { edges { node { id } } }
  activities(first: 100) { edges { node { id } } } campaigns(first: 100) { edges { node { id } } }
  tickets(first: 100) { edges { node { id } } }
} }"""
LISTS = {
    "customers": "query($f: CustomerFilter, $o: CustomerOrder, $s: String) "
                 "{ rows: customers(first: 100, filter: $f, orderBy: $o, search: $s) { edges { node { id } } } }",
    "contacts": "query($f: ContactFilter) { rows: contacts(first: 100, filter: $f) { edges { node { id } } } }",
    "leads": "query($f: LeadFilter, $o: LeadOrder) { rows: leads(first: 100, filter: $f, orderBy: $o) { edges { node { id } } } }",
    "deals": "query($f: DealFilter, $o: DealOrder) { rows: deals(first: 100, filter: $f, orderBy: $o) { edges { node { id } } } }",
    "activities": "query($f: ActivityFilter) { rows: activities(first: 100, filter: $f) { edges { node { id } } } }",
    "campaigns": "query($f: CampaignFilter, $o: CampaignOrder) "
                 "{ rows: campaigns(first: 100, filter: $f, orderBy: $o) { edges { node { id } } } }",
    "tickets": "query($f: TicketFilter) { rows: tickets(first: 100, filter: $f) { edges { node { id } } } }",
}
ENROL = "mutation($input: EnrolInCampaignInput!) { enrolInCampaign(input: $input) { created } }"
TICKET = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }"
LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
STAGES = "{ pipelines { id isDefault stages { id name kind } } }"
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id } }"


@dataclass
class World:
    admin: User
    head: User
    rep: User
    rep2: User
    stages: dict[str, str]  # name → id in the default pipeline
    customers: dict[str, str]


def quarter(today: date) -> tuple[str, str]:
    first_month = (today.month - 1) // 3 * 3 + 1
    start = date(today.year, first_month, 1)
    end = date(today.year + (first_month == 10), (first_month + 2) % 12 + 1, 1) - timedelta(days=1)
    return start.isoformat(), end.isoformat()


def month(today: date) -> tuple[str, str]:
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start.isoformat(), end.isoformat()


async def named(user: User, name: str) -> User:
    await User.filter(id=user.id).update(name=name)
    user.name = name
    return user


async def seed() -> World:
    north, south = await make_team("North"), await make_team("South")
    admin = await named(await make_user(Role.ADMIN), "Ada Admin")
    head = await named(await make_user(Role.SALES_HEAD, north), "Hank Head")
    rep = await named(await make_user(Role.SALES_REP, north), "Rita Rep")
    rep2 = await named(await make_user(Role.SALES_REP, south), "Sam South")
    customers = {}
    for name, country, industry, segment, status, manager in (
        ("Alpine Dairy", "DE", "Food & Beverage", "SMB", "ACTIVE", rep),
        ("Rhein Rail Systems", "DE", "Rail", "Enterprise", "ACTIVE", rep2),
        ("Rhein Signalling", "DE", "Rail", "SMB", "PROSPECT", rep),
        ("Nordic Freight", "SE", "Logistics", "Mid-market", "PROSPECT", rep),
        ("Vega Software", "US", "Technology", "Enterprise", "ACTIVE", rep2),
        ("Iberia Power", "ES", "Energy", "SMB", "DRAFT", head),
    ):
        made = await make_customer(admin, name=name, country=country, industry=industry, segment=segment, status=status,
                                   accountManagerId=str(manager.id), tags=["rail"] if industry == "Rail" else [])
        customers[name] = made["id"]
    pipelines = (await ok(admin, STAGES))["pipelines"]
    stages = {s["name"]: s["id"] for p in pipelines if p["isDefault"] for s in p["stages"]}
    today = datetime.now(UTC).date()
    won = next(i for n, i in stages.items() if n.lower().startswith("won"))
    for title, customer, amount, currency, days, owner, stage in (
        ("Alpine silos", "Alpine Dairy", 80_000, "EUR", 0, rep, None),
        ("Alpine cooling", "Alpine Dairy", 20_000, "EUR", 400, rep, None),
        ("Rail bogies", "Rhein Rail Systems", 120_000, "EUR", 0, rep2, None),
        ("Rail sensors", "Rhein Rail Systems", 55_000, "EUR", 0, rep2, won),
        ("Freight hub", "Nordic Freight", 9_000, "EUR", 0, rep, None),
        ("Vega licences", "Vega Software", 51_000, "EUR", 200, rep2, None),
    ):
        deal = await make_deal(admin, customers[customer], title=title, amount=amount * 100, currency=currency,
                               expectedCloseDate=(today + timedelta(days=days)).isoformat(), ownerId=str(owner.id))
        if stage:
            await ok(admin, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": stage})
    past, soon = datetime.now(UTC) - timedelta(days=2), datetime.now(UTC) + timedelta(days=3)
    for title, assignee, due, customer in (
        ("Call Alpine", rep, past, "Alpine Dairy"), ("Send Alpine offer", rep, soon, "Alpine Dairy"),
        ("Chase Rhein", rep2, past, "Rhein Rail Systems"), ("Plan Vega", rep2, soon, "Vega Software"),
        ("Admin chore", admin, past, None),
    ):
        await log_activity(admin, kind="TASK", title=title, assigneeId=str(assignee.id), dueAt=due.isoformat(),
                           customerId=customers[customer] if customer else None)
    await log_activity(admin, kind="CALL", title="Intro call", customerId=customers["Alpine Dairy"])
    await log_activity(rep, kind="MEETING", title="Rhein visit", customerId=customers["Rhein Signalling"])
    for name, customer, status in (("Anna Alp", "Alpine Dairy", "HOT"), ("Rolf Rhein", "Rhein Rail Systems", "COLD"),
                                   ("Nils Nord", "Nordic Freight", "HOT"), ("Nina New", "Iberia Power", "NEW")):
        await make_contact(admin, name=name, customerId=customers[customer], status=status)
    for title, owner in (("Dairy expansion", rep), ("Wind park", rep2)):
        await ok(admin, LEAD, input={"title": title, "ownerId": str(owner.id), "companyName": title})
    start, end = month(today)
    popular = await open_campaign(admin, title="Spring promo", startsOn=start, endsOn=end)
    quiet = await open_campaign(admin, title="Quiet promo", startsOn=start, endsOn=end)
    await make_campaign(admin, title="Old referral", type="REFERRAL", startsOn="2020-01-01", endsOn="2020-02-01")
    anonymous = Actor.anonymous()
    for n, campaign in enumerate((popular, popular, popular, quiet)):
        await ok(anonymous, ENROL, input={"campaignId": campaign["id"], "name": f"P {n}", "email": f"p{n}@example.com",
                                          "consent": True})
    for subject, customer, priority, assignee in (
        ("Broken tank", "Alpine Dairy", "URGENT", rep), ("Invoice copy", "Vega Software", "LOW", None),
        ("Signal fault", "Rhein Rail Systems", "HIGH", rep2),
    ):
        await ok(admin, TICKET, input={"subject": subject, "customerId": customers[customer], "priority": priority,
                                       **({"assigneeId": str(assignee.id)} if assignee else {})})
    return World(admin, head, rep, rep2, stages, customers)


def ids(page: dict[str, Any] | None) -> list[str]:
    return [e["node"]["id"] for e in (page or {}).get("edges", [])]


# (question, the list it reads, the hand-written filter (a function of the world), orderBy or None, ordered?)
Filter = Any
TODAY = datetime.now(UTC).date()
Q_START, Q_END = quarter(TODAY)
M_START, M_END = month(TODAY)
CASES: list[tuple[str, str, Filter, Any]] = [
    ("active customers in Germany in rail", "customers", lambda w: {"status": ["ACTIVE"], "country": ["DE"], "industry": ["Rail"]}, None),
    ("Show all active customers in Germany in the rail segment?", "customers",
     lambda w: {"status": ["ACTIVE"], "country": ["DE"], "industry": ["Rail"]}, None),
    ("customers in DE", "customers", lambda w: {"country": ["DE"]}, None),
    ("customers in germany", "customers", lambda w: {"country": ["DE"]}, None),
    ("customers in Deutschland", "customers", lambda w: {"country": ["DE"]}, None),
    ("clients in Sweden", "customers", lambda w: {"country": ["SE"]}, None),
    ("companies in the United States", "customers", lambda w: {"country": ["US"]}, None),
    ("prospects", "customers", lambda w: {"status": ["PROSPECT"]}, None),
    ("prospects in Germany", "customers", lambda w: {"status": ["PROSPECT"], "country": ["DE"]}, None),
    ("draft customers", "customers", lambda w: {"status": ["DRAFT"]}, None),
    ("enterprise customers", "customers", lambda w: {"segment": ["Enterprise"]}, None),
    ("SMB customers in Germany", "customers", lambda w: {"segment": ["SMB"], "country": ["DE"]}, None),
    ("mid-market accounts", "customers", lambda w: {"segment": ["Mid-market"]}, None),
    ("customers in food & beverage", "customers", lambda w: {"industry": ["Food & Beverage"]}, None),
    ("logistics companies", "customers", lambda w: {"industry": ["Logistics"]}, None),
    ("customers managed by Rita Rep", "customers", lambda w: {"accountManagerId": [str(w.rep.id)]}, None),
    ("Sam's customers", "customers", lambda w: {"accountManagerId": [str(w.rep2.id)]}, None),
    ("customers of Hank Head in Spain", "customers", lambda w: {"accountManagerId": [str(w.head.id)], "country": ["ES"]}, None),
    ("customers tagged rail", "customers", lambda w: {"tag": "rail"}, None),
    ("customers created this month", "customers",
     lambda w: {"created": {"start": f"{M_START}T00:00:00+00:00", "end": f"{M_END}T23:59:59.999999+00:00"}}, None),
    ("customers with deals over 50k", "customers", lambda w: {"deal": {"amount": {"min": 5_000_000}}}, None),
    ("active customers with deals above EUR 100,000", "customers",
     lambda w: {"status": ["ACTIVE"], "deal": {"amount": {"min": 10_000_000}}}, None),
    ("newest customers", "customers", lambda w: None, {"field": "CREATED_AT", "direction": "DESC"}),
    ("open deals", "deals", lambda w: {"stageKind": ["OPEN"]}, None),
    ("won deals", "deals", lambda w: {"stageKind": ["WON"]}, None),
    ("open deals over 50k closing this quarter", "deals",
     lambda w: {"stageKind": ["OPEN"], "amount": {"min": 5_000_000}, "expectedClose": {"start": Q_START, "end": Q_END}}, None),
    ("deals above EUR 10,000", "deals", lambda w: {"amount": {"min": 1_000_000}, "currency": ["EUR"]}, None),
    ("deals under 10k", "deals", lambda w: {"amount": {"max": 1_000_000}}, None),
    ("deals between 10k and 60k", "deals", lambda w: {"amount": {"min": 1_000_000, "max": 6_000_000}}, None),
    ("deals closing this month", "deals", lambda w: {"expectedClose": {"start": M_START, "end": M_END}}, None),
    ("deals closing next year", "deals", lambda w: {"expectedClose": {
        "start": f"{TODAY.year + 1}-01-01", "end": f"{TODAY.year + 1}-12-31"}}, None),
    ("Rita's open deals", "deals", lambda w: {"stageKind": ["OPEN"], "ownerId": [str(w.rep.id)]}, None),
    ("opportunities owned by Sam South", "deals", lambda w: {"ownerId": [str(w.rep2.id)]}, None),
    ("biggest open deals", "deals", lambda w: {"stageKind": ["OPEN"]}, {"field": "AMOUNT", "direction": "DESC"}),
    ("my overdue tasks", "activities", lambda w: {"kind": ["TASK"], "mine": True, "overdue": True}, None),
    ("overdue tasks", "activities", lambda w: {"kind": ["TASK"], "overdue": True}, None),
    ("my open tasks", "activities", lambda w: {"kind": ["TASK"], "mine": True, "open": True}, None),
    ("tasks assigned to Rita", "activities", lambda w: {"kind": ["TASK"], "assigneeId": str(w.rep.id)}, None),
    ("my team's overdue tasks", "activities", lambda w: {"kind": ["TASK"], "myTeam": True, "overdue": True}, None),
    ("calls", "activities", lambda w: {"kind": ["CALL"]}, None),
    ("meetings this week", "activities", lambda w: {"kind": ["MEETING"], "occurred": {
        "start": f"{TODAY - timedelta(days=TODAY.weekday())}T00:00:00+00:00",
        "end": f"{TODAY - timedelta(days=TODAY.weekday()) + timedelta(days=6)}T23:59:59.999999+00:00"}}, None),
    ("campaigns with most enrolments this month", "campaigns",
     lambda w: {"period": {"start": M_START, "end": M_END}}, {"field": "ENROLMENTS", "direction": "DESC"}),
    ("active campaigns", "campaigns", lambda w: {"status": ["ACTIVE"]}, None),
    ("referral campaigns", "campaigns", lambda w: {"type": ["REFERRAL"]}, None),
    ("draft campaigns", "campaigns", lambda w: {"status": ["DRAFT"]}, None),
    ("campaigns with most likes", "campaigns", lambda w: None, {"field": "LIKES", "direction": "DESC"}),
    ("urgent tickets", "tickets", lambda w: {"priority": ["URGENT"]}, None),
    ("tickets assigned to Rita", "tickets", lambda w: {"assigneeId": str(w.rep.id)}, None),
    ("unassigned tickets", "tickets", lambda w: {"unassigned": True}, None),
    ("high priority tickets assigned to Sam", "tickets", lambda w: {"priority": ["HIGH"], "assigneeId": str(w.rep2.id)}, None),
    ("high or urgent tickets", "tickets", lambda w: {"priority": ["HIGH", "URGENT"]}, None),
    ("hot or cold contacts", "contacts", lambda w: {"status": ["HOT", "COLD"]}, None),
    ("hot contacts", "contacts", lambda w: {"status": ["HOT"]}, None),
    ("contacts created today", "contacts", lambda w: {"created": {
        "start": f"{TODAY}T00:00:00+00:00", "end": f"{TODAY}T23:59:59.999999+00:00"}}, None),
    ("new leads owned by Sam", "leads", lambda w: {"status": ["NEW"], "ownerId": [str(w.rep2.id)]}, None),
    ("leads owned by Rita", "leads", lambda w: {"ownerId": [str(w.rep.id)]}, None),
]


@pytest.mark.parametrize(("question", "entity", "where", "order"), CASES, ids=[c[0] for c in CASES])
async def test_a_question_returns_the_rows_of_its_hand_written_filter(db, question, entity, where, order):
    world = await seed()
    answer = (await ok(world.admin, ASK, q=question))["ask"]
    assert answer["understood"], answer["message"]
    field = "activities" if answer["entity"] in ("TASKS", "ACTIVITIES") else answer["entity"].lower()
    assert field == entity
    by_hand = (await ok(world.admin, LISTS[entity], f=where(world), **({"o": order} if order else {})))["rows"]
    if order:
        assert ids(answer[field]) == ids(by_hand)
    else:
        assert sorted(ids(answer[field])) == sorted(ids(by_hand))
    everything = (await ok(world.admin, LISTS[entity]))["rows"]
    assert ids(by_hand)
    if not order and " created " not in f" {question} ":  # all rows were made today
        assert len(ids(by_hand)) < len(ids(everything))  # the filter narrows the list
    again = (await ok(world.admin, LISTS[entity], f=answer["variables"]["filter"],
                      **({"o": answer["variables"]["orderBy"]} if answer["variables"]["orderBy"] else {})))["rows"]
    assert ids(again) == ids(answer[field])  # its variables are the list query's own


async def test_the_overview_questions_read_as_chips_and_open_as_the_customer_list(db):
    world = await seed()
    answer = (await ok(world.admin, ASK, q="active customers in Germany in rail"))["ask"]
    assert {(c["label"], c["value"]) for c in answer["chips"]} == {
        ("Status", "active"), ("Country", "Germany"), ("Industry", "Rail")}
    path = urlsplit(answer["listPath"])
    assert path.path == "/customers" and answer["listExact"]
    assert customer_variables(dict(parse_qsl(path.query)))["filter"] == answer["variables"]["filter"]
    assert [e["node"]["id"] for e in answer["customers"]["edges"]] == [world.customers["Rhein Rail Systems"]]

    deals = (await ok(world.admin, ASK, q="open deals over 50k closing this quarter"))["ask"]
    path = urlsplit(deals["listPath"])
    assert path.path == "/pipeline" and not deals["listExact"]  # the board shows every stage: "open" stays behind
    board, problems = deal_filter(dict(parse_qsl(path.query)), str(world.admin.id), None)
    assert not problems
    assert board == {k: v for k, v in deals["variables"]["filter"].items() if k != "stageKind"}


async def test_who_is_the_account_manager_is_answered_in_a_sentence(db):
    world = await seed()
    answer = (await ok(world.admin, ASK, q="Who is the account manager for Alpine Dairy?"))["ask"]
    assert answer["answer"] == "Alpine Dairy’s account manager is Rita Rep."
    assert ids(answer["customers"]) == [world.customers["Alpine Dairy"]]
    hidden = (await ok(world.rep, ASK, q="who is the account manager for Vega Software"))["ask"]
    assert hidden["answer"] == "No customer you can see matches “Vega Software”."  # South's customer


async def test_a_reps_my_overdue_tasks_are_their_own_and_rows_follow_row_rules(db):
    world = await seed()
    mine = (await ok(world.rep, ASK, q="my overdue tasks"))["ask"]
    assert [n["node"]["id"] for n in mine["activities"]["edges"]]
    rep_titles = await ok(world.rep, "{ activities(filter: {kind: [TASK], mine: true, overdue: true}) "
                                     "{ edges { node { id title } } } }")
    assert [e["node"]["title"] for e in rep_titles["activities"]["edges"]] == ["Call Alpine"]
    assert ids(mine["activities"]) == ids(rep_titles["activities"])
    admin = (await ok(world.admin, ASK, q="my overdue tasks"))["ask"]
    assert len(ids(admin["activities"])) == 1 and ids(admin["activities"]) != ids(mine["activities"])
    # Germany's customers as North's rep sees them: South's Rhein Rail Systems is not among them.
    german = (await ok(world.rep, ASK, q="customers in Germany"))["ask"]
    assert sorted(ids(german["customers"])) == sorted([world.customers["Alpine Dairy"], world.customers["Rhein Signalling"]])


@pytest.mark.parametrize(("question", "says"), [
    ("customers in Atlantis", "Not understood: 'Atlantis'."),
    ("custmers in Germany", "Not understood: 'custmers'."),
    ("what is the weather", "Not understood"),
    ("in Germany", "Say what to list"),
    ("deals in Germany", "cannot be filtered by a country"),
    ("urgent campaigns", "Not understood: 'urgent'."),
])
async def test_what_is_not_understood_is_said_with_suggestions_not_an_error(db, question, says):
    world = await seed()
    result = (await ok(world.admin, ASK, q=question))["ask"]
    assert not result["understood"] and says in result["message"]
    assert result["suggestions"] and result["customers"] is None
    if question.startswith("custmers"):
        assert "Did you mean “customers”?" in result["suggestions"]


async def test_an_empty_question_is_bad_input(db):
    world = await seed()
    from tests.factories import error

    assert (await error(world.admin, ASK, q="  "))["field"] == "question"


def vocabulary(today: date = date(2026, 11, 30)) -> Vocabulary:
    rita = Person(7, "Rita Rep")
    return Vocabulary(me=Person(1, "Ada Admin"), today=today, zone=ZoneInfo("Europe/Berlin"),
                      people={"rita rep": rita, "rita": rita}, industries={"rail": "Rail"},
                      segments={"rail": "Rail", "smb": "SMB"}, stages={"proposal sent": [3, 9]})


@pytest.mark.parametrize(("question", "expected"), [
    ("deals over €20k", {"amount_min": 20_000, "currency": "EUR"}),
    ("deals above 1.5m usd", {"amount_min": 1_500_000, "currency": "USD"}),
    ("deals between 10k and 60k", {"amount_min": 10_000, "amount_max": 60_000, "currency": None}),
    ("deals in proposal sent stage", {"stages": [("proposal sent", [3, 9])]}),
    ("customers in the rail segment", {"segments": ["Rail"], "industries": []}),
    ("customers in rail", {"industries": ["Rail"], "segments": []}),
    ("deals closing last quarter", {"period": ("close", date(2026, 7, 1), date(2026, 9, 30), "closing last quarter")}),
    ("customers created next month", {"period": ("created", date(2026, 12, 1), date(2026, 12, 31), "created next month")}),
])
def test_the_parser_reads_amounts_stages_picks_and_periods(question, expected):
    found = understand(question, vocabulary())
    assert not found.unknown
    for name, value in expected.items():
        assert getattr(found, name) == value


def test_a_period_is_whole_days_in_the_callers_zone():
    found = understand("customers created today", vocabulary())
    where = plan(found, vocabulary()).filter
    assert where.created.start.isoformat() == "2026-11-30T00:00:00+01:00"
    assert where.created.end.isoformat() == "2026-11-30T23:59:59.999999+01:00"
