"""The one write path, proved for every mutation in the schema (CONTRACT.md, One write path):
a success adds an audit entry and publishes its events only after the commit; a refused call writes
nothing and publishes nothing. A mutation added to the schema without a case here fails the suite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tortoise import Tortoise, connections
from tortoise.backends.base.client import TransactionalDBClient

from backend.graphql.root import schema
from backend.live import broadcast, topics
from backend.models import AuditEntry, Role, User
from tests.factories import (
    actor,
    gql,
    log_activity,
    make_campaign,
    make_contact,
    make_customer,
    make_user,
    open_campaign,
)


@dataclass
class Case:
    document: str
    good: dict[str, Any]
    bad: dict[str, Any]
    who: User | None = None  # defaults to the admin the setup received
    events: tuple[str, ...] = ()  # topics a success must publish on (entities with a subscription)


Setup = Callable[[User], Awaitable[Case]]
CASES: dict[str, Setup] = {}


def case(name: str) -> Callable[[Setup], Setup]:
    def register(setup: Setup) -> Setup:
        CASES[name] = setup
        return setup

    return register


def mutation(field: str, input_type: str, selection: str = "__typename") -> str:
    return f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ {selection} }} }}"


@case("createCustomer")
async def _(admin: User) -> Case:
    return Case(
        mutation("createCustomer", "CreateCustomerInput", "id"),
        {"input": {"name": "Walk Ltd", "email": "walk@example.com"}},
        {"input": {"name": "Walk Ltd", "email": "broken"}},
    )


@case("updateCustomer")
async def _(admin: User) -> Case:
    c = await make_customer(admin)
    return Case(
        mutation("updateCustomer", "UpdateCustomerInput", "id"),
        {"input": {"id": c["id"], "version": 1, "city": "Lyon"}},
        {"input": {"id": c["id"], "version": 1, "country": "France"}},
        events=(topics.customer_changes(int(c["id"])),),
    )


@case("changeCustomerStatus")
async def _(admin: User) -> Case:
    c = await make_customer(admin)
    return Case(
        mutation("changeCustomerStatus", "ChangeCustomerStatusInput", "status"),
        {"input": {"id": c["id"], "version": 1, "status": "PROSPECT"}},
        {"input": {"id": c["id"], "version": 1, "status": "CHURNED"}},
        events=(topics.customer_changes(int(c["id"])),),
    )


@case("deleteCustomer")
async def _(admin: User) -> Case:
    c = await make_customer(admin)
    return Case(
        mutation("deleteCustomer", "DeleteCustomerInput", "id"),
        {"input": {"id": c["id"], "version": 1}},
        {"input": {"id": c["id"], "version": 7}},
        events=(topics.customer_changes(int(c["id"])),),
    )


@case("createNote")
async def _(admin: User) -> Case:
    c = await make_customer(admin)
    return Case(
        mutation("createNote", "CreateNoteInput", "id"),
        {"input": {"customerId": c["id"], "body": "Prefers calls"}},
        {"input": {"customerId": c["id"], "body": " "}},
    )


@case("updateNote")
async def _(admin: User) -> Case:
    from backend.services.customers import create_note

    c = await make_customer(admin)
    note = await create_note(actor(admin), c["id"], "First")
    return Case(
        mutation("updateNote", "UpdateNoteInput", "id"),
        {"input": {"id": str(note.id), "version": 1, "pinned": True}},
        {"input": {"id": str(note.id), "version": 2, "pinned": True}},
    )


@case("createContact")
async def _(admin: User) -> Case:
    c = await make_customer(admin)
    return Case(
        mutation("createContact", "CreateContactInput", "id"),
        {"input": {"name": "Ada Walk", "email": "ada@example.com", "customerId": c["id"], "isPrimary": True}},
        {"input": {"name": "Ada Walk", "email": "broken", "customerId": c["id"], "isPrimary": True}},
    )


@case("updateContact")
async def _(admin: User) -> Case:
    c = await make_contact(admin)
    return Case(
        mutation("updateContact", "UpdateContactInput", "id"),
        {"input": {"id": c["id"], "version": 1, "status": "HOT"}},
        {"input": {"id": c["id"], "version": 1, "status": "CONVERTED"}},
    )


@case("setPrimaryContact")
async def _(admin: User) -> Case:
    customer = await make_customer(admin)
    await make_contact(admin, customerId=customer["id"], isPrimary=True)
    c = await make_contact(admin, customerId=customer["id"])
    return Case(
        mutation("setPrimaryContact", "SetPrimaryContactInput", "id"),
        {"input": {"id": c["id"], "version": 1}},
        {"input": {"id": c["id"], "version": 5}},
    )


@case("convertContact")
async def _(admin: User) -> Case:
    c = await make_contact(admin)
    return Case(
        mutation("convertContact", "ConvertContactInput", "customerCreated"),
        {"input": {"id": c["id"], "version": 1, "companyName": "Converted Ltd"}},
        {"input": {"id": c["id"], "version": 1, "companyName": "Converted Ltd", "email": "broken"}},
    )


@case("logActivity")
async def _(admin: User) -> Case:
    c = await make_customer(admin)
    assignee = await make_user(Role.SUPPORT)
    task = {"kind": "TASK", "title": "Call back", "customerId": c["id"], "assigneeId": str(assignee.id),
            "dueAt": "2100-01-01T09:00:00Z"}
    return Case(
        mutation("logActivity", "LogActivityInput", "id"),
        {"input": task},
        {"input": {**task, "durationMinutes": -5}},
        events=(topics.customer_activities(int(c["id"])), topics.notifications(assignee.id)),
    )


@case("completeTask")
async def _(admin: User) -> Case:
    task = await log_activity(admin, kind="TASK", title="Finish me")
    return Case(
        mutation("completeTask", "CompleteTaskInput", "id"),
        {"input": {"id": task["id"], "version": 1}},
        {"input": {"id": task["id"], "version": 3}},
    )


@case("updateTask")
async def _(admin: User) -> Case:
    task = await log_activity(admin, kind="TASK", title="Hand me over")
    other = await make_user(Role.SUPPORT)
    return Case(
        mutation("updateTask", "UpdateTaskInput", "id"),
        {"input": {"id": task["id"], "version": 1, "assigneeId": str(other.id)}},
        {"input": {"id": task["id"], "version": 1, "taskStatus": "RESCHEDULED"}},
        events=(topics.notifications(other.id),),
    )


@case("createCampaign")
async def _(admin: User) -> Case:
    return Case(
        mutation("createCampaign", "CreateCampaignInput", "id"),
        {"input": {"title": "Walk week", "type": "PROMOTION"}},
        {"input": {"title": "Walk week", "type": "PROMOTION", "code": "Not A Code"}},
    )


@case("updateCampaign")
async def _(admin: User) -> Case:
    c = await make_campaign(admin, startsOn="2027-03-01")
    return Case(
        mutation("updateCampaign", "UpdateCampaignInput", "id"),
        {"input": {"id": c["id"], "version": 1, "endsOn": "2027-03-31"}},
        {"input": {"id": c["id"], "version": 1, "endsOn": "2027-02-01"}},
    )


@case("changeCampaignStatus")
async def _(admin: User) -> Case:
    owner = await make_user(Role.MARKETING)
    c = await make_campaign(owner)
    return Case(
        mutation("changeCampaignStatus", "ChangeCampaignStatusInput", "status"),
        {"input": {"id": c["id"], "version": 1, "status": "NEW"}},
        {"input": {"id": c["id"], "version": 1, "status": "ACTIVE"}},
        events=(topics.notifications(owner.id),),
    )


@case("likeCampaign")
async def _(admin: User) -> Case:
    c = await open_campaign(admin)
    return Case(
        mutation("likeCampaign", "LikeCampaignInput", "counted"),
        {"input": {"campaignId": c["id"]}},
        {"input": {"campaignId": "999999"}},
        events=(topics.campaign_engagement(int(c["id"])),),
    )


@case("enrolInCampaign")
async def _(admin: User) -> Case:
    c = await open_campaign(admin)
    person = {"campaignId": c["id"], "name": "Ada", "email": "ada@example.com"}
    return Case(
        mutation("enrolInCampaign", "EnrolInCampaignInput", "created"),
        {"input": {**person, "consent": True}},
        {"input": {**person, "consent": False}},
        events=(topics.campaign_engagement(int(c["id"])),),
    )


@case("updateUser")
async def _(admin: User) -> Case:
    rep = await make_user(Role.SALES_REP)
    return Case(
        mutation("updateUser", "UpdateUserInput", "id"),
        {"input": {"id": str(rep.id), "version": 1, "role": "SALES_HEAD"}},
        {"input": {"id": str(rep.id), "version": 1, "role": "SALES_HEAD", "timeZone": "Mars/Olympus"}},
        events=(topics.access_revoked(),),
    )


@case("createApiToken")
async def _(admin: User) -> Case:
    return Case(
        mutation("createApiToken", "CreateApiTokenInput", "token"),
        {"input": {"name": "walk"}},
        {"input": {"name": " "}},
    )


@case("revokeApiToken")
async def _(admin: User) -> Case:
    from backend.services.tokens import create

    token, _ = await create(actor(admin), "walk")
    return Case(
        mutation("revokeApiToken", "RevokeApiTokenInput", "id"),
        {"input": {"id": str(token.id)}},
        {"input": {"id": "999999"}},
        events=(topics.access_revoked(),),
    )


@case("createDeal")
async def _(admin: User) -> Case:
    c = await make_customer(admin)
    return Case(
        mutation("createDeal", "CreateDealInput", "id"),
        {"input": {"title": "Walk deal", "customerId": c["id"], "amount": 1000}},
        {"input": {"title": "Walk deal", "customerId": c["id"], "amount": -1}},
        events=(topics.deals(),),
    )


@case("updateDeal")
async def _(admin: User) -> Case:
    from tests.factories import make_deal

    d = await make_deal(admin, (await make_customer(admin))["id"])
    return Case(
        mutation("updateDeal", "UpdateDealInput", "id"),
        {"input": {"id": d["id"], "version": 1, "probability": 55}},
        {"input": {"id": d["id"], "version": 1, "probability": 101}},
        events=(topics.deals(),),
    )


@case("moveDeal")
async def _(admin: User) -> Case:
    from backend.models import Stage
    from tests.factories import make_deal, make_team

    team = await make_team()
    head, rep = await make_user(Role.SALES_HEAD, team), await make_user(Role.SALES_REP, team)
    customer = await make_customer(rep)
    d = await make_deal(rep, customer["id"])
    stages = {s.name: str(s.id) for s in await Stage.filter(pipeline__is_default=True)}
    return Case(
        mutation("moveDeal", "MoveDealInput", "id"),
        {"input": {"id": d["id"], "version": 1, "stageId": stages["Lost"], "lostReason": "price"}},
        {"input": {"id": d["id"], "version": 1, "stageId": stages["Lost"]}},
        who=head,
        events=(topics.deals(), topics.customer_activities(int(customer["id"])), topics.notifications(rep.id)),
    )


@case("deleteDeal")
async def _(admin: User) -> Case:
    from tests.factories import make_deal

    d = await make_deal(admin, (await make_customer(admin))["id"])
    return Case(
        mutation("deleteDeal", "DeleteDealInput", "id"),
        {"input": {"id": d["id"], "version": 1}},
        {"input": {"id": d["id"], "version": 2}},
        events=(topics.deals(),),
    )


@case("createLead")
async def _(admin: User) -> Case:
    return Case(
        mutation("createLead", "CreateLeadInput", "id"),
        {"input": {"title": "Walk lead", "source": "fair"}},
        {"input": {"title": "  ", "source": "fair"}},
    )


@case("updateLead")
async def _(admin: User) -> Case:
    from backend.services.leads import create_lead

    lead = await create_lead(actor(admin), {"title": "Walk lead"})
    return Case(
        mutation("updateLead", "UpdateLeadInput", "id"),
        {"input": {"id": str(lead.id), "version": 1, "status": "LOST", "lostReason": "no budget"}},
        {"input": {"id": str(lead.id), "version": 1, "status": "LOST"}},
    )


@case("convertLead")
async def _(admin: User) -> Case:
    from backend.services.leads import create_lead

    lead = await create_lead(actor(admin), {"title": "Walk lead"})
    company = {"name": "Walk Ltd", "email": "walk@example.com"}
    return Case(
        mutation("convertLead", "ConvertLeadInput", "deal { id }"),
        {"input": {"id": str(lead.id), "version": 1, "newCustomer": company}},
        {"input": {"id": str(lead.id), "version": 1, "newCustomer": company, "currency": "XYZ"}},
        events=(topics.deals(),),
    )


@case("setExchangeRate")
async def _(admin: User) -> Case:
    return Case(
        mutation("setExchangeRate", "SetExchangeRateInput", "rate"),
        {"input": {"currency": "USD", "rate": "0.92"}},
        {"input": {"currency": "USD", "rate": "-1"}},
    )


def test_every_mutation_has_a_case():
    names = set(schema._schema.mutation_type.fields)
    assert names - set(CASES) == set(), "mutations without a write-path case"
    assert set(CASES) - names == set(), "cases for mutations that no longer exist"


async def _row_counts() -> dict[str, int]:
    conn = connections.get("default")
    counts = {}
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        rows = await conn.execute_query_dict(f'SELECT COUNT(*) AS n FROM "{table}"')
        counts[table] = rows[0]["n"]
    return counts


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every event published, with whether a transaction was still open when it went out."""
    seen: list[tuple[str, bool]] = []
    original = broadcast.hub.publish

    async def recording(event):  # type: ignore[no-untyped-def]
        seen.append((event.topic, isinstance(connections.get("default"), TransactionalDBClient)))
        await original(event)

    monkeypatch.setattr(broadcast.hub, "publish", recording)
    return seen


@pytest.mark.parametrize("name", sorted(CASES))
async def test_write_path(db, published, name):
    admin = await make_user(Role.ADMIN)
    prepared = await CASES[name](admin)
    who = prepared.who or admin

    published.clear()
    before = await _row_counts()
    refused = await gql(who, prepared.document, **prepared.bad)
    assert refused.errors, f"{name}: the bad input was accepted"
    assert refused.errors[0].extensions["code"] != "INTERNAL", refused.errors
    assert await _row_counts() == before, f"{name}: a refused call wrote something"
    assert published == [], f"{name}: a refused call published {published}"

    audits = await AuditEntry.all().count()
    accepted = await gql(who, prepared.document, **prepared.good)
    assert accepted.errors is None, accepted.errors
    assert await AuditEntry.all().count() > audits, f"{name}: no audit entry"
    assert all(not in_transaction for _, in_transaction in published), f"{name}: an event left before the commit"
    missing = set(prepared.events) - {topic for topic, _ in published}
    assert not missing, f"{name}: no event on {missing}"
