"""Automation rules (issue 17): a new contact's call task for support, a new customer's activation task for its
account manager, stages that require a next step; rules as data admins switch on and off, audited."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

from backend.auth.actor import Actor
from backend.migrations import m0017_automations
from backend.models import Activity, ActivityKind, AuditEntry, AutomationRule, Deal, Notification, Role, TaskStatus
from backend.services import contacts as contact_service
from backend.services.unit import write
from tests.factories import (
    actor,
    error,
    gql,
    log_activity,
    make_contact,
    make_customer,
    make_deal,
    make_team,
    make_user,
    ok,
)

RULES = "query { automationRules { id key name enabled titleTemplate dueInDays assigneeRule assigneeRules placeholders version } }"
UPDATE_RULE = (
    "mutation($input: UpdateAutomationRuleInput!) { updateAutomationRule(input: $input) "
    "{ id key enabled titleTemplate dueInDays assigneeRule version } }"
)
CONVERT = "mutation($input: ConvertContactInput!) { convertContact(input: $input) { contact { id } customer { id } } }"
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id version stage { id name } } }"
CREATE_PIPELINE = "mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id stages { id name } } }"
CREATE_STAGE = "mutation($input: CreateStageInput!) { createStage(input: $input) { id name requiresNextStep } }"
UPDATE_STAGE = "mutation($input: UpdateStageInput!) { updateStage(input: $input) { id requiresNextStep } }"


@pytest.fixture
async def rules(db: str) -> None:
    """The rules as the migration seeds them (every test's database starts without rows)."""
    await m0017_automations.seed_rules(connections.get("default"))


async def rule(admin: Any, key: str) -> dict[str, Any]:
    return next(r for r in (await ok(admin, RULES))["automationRules"] if r["key"] == key)


async def switch(admin: Any, key: str, enabled: bool) -> dict[str, Any]:
    found = await rule(admin, key)
    return (await ok(admin, UPDATE_RULE, input={"id": found["id"], "version": found["version"], "enabled": enabled})
            )["updateAutomationRule"]


async def rule_tasks(key: str) -> list[Activity]:
    return await Activity.filter(made_by_rule=key).order_by("id")


def soon(days: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


# --- Rule 1: a new contact gets a call task for support -----------------------------------------------

async def test_a_new_contact_makes_a_call_task_for_the_least_busy_support_user(rules):
    admin = await make_user(Role.ADMIN)
    busy, free = await make_user(Role.SUPPORT), await make_user(Role.SUPPORT)
    await log_activity(admin, kind="TASK", title="Already busy", assigneeId=str(busy.id))
    customer = await make_customer(admin, name="Acme")
    contact = await make_contact(admin, name="Ada Lovelace", customerId=customer["id"])
    [task] = await rule_tasks("new_contact_call")
    assert (task.title, task.assignee_id, task.contact_id, task.customer_id) == (
        "Call the new contact Ada Lovelace", free.id, int(contact["id"]), int(customer["id"]))
    assert task.kind is ActivityKind.TASK and task.task_status is TaskStatus.SCHEDULED
    assert timedelta(hours=23) < task.due_at - datetime.now(UTC) <= timedelta(days=1)
    entry = await AuditEntry.get(action="activity.log", entity_id=str(task.id))
    assert (entry.actor_id, entry.via, entry.actor_label) == (None, "automation:new_contact_call",
                                                             "automation:new_contact_call")
    note = await Notification.get(user_id=free.id, entity="activity", entity_id=task.id)
    assert "Call a new contact" in note.message
    # The next one goes to whoever has fewer open tasks now: both have one, the earlier account wins.
    await make_contact(admin, name="Grace Hopper")
    assert [t.assignee_id for t in await rule_tasks("new_contact_call")] == [free.id, busy.id]


async def test_switched_off_the_call_rule_does_nothing(rules):
    admin = await make_user(Role.ADMIN)
    await make_user(Role.SUPPORT)
    await switch(admin, "new_contact_call", False)
    await make_contact(admin)
    assert await rule_tasks("new_contact_call") == []
    assert await Notification.all().count() == 0


async def test_the_call_task_goes_to_the_contact_owner_when_the_rule_says_so(rules):
    admin = await make_user(Role.ADMIN)
    await make_user(Role.SUPPORT)
    rep = await make_user(Role.SALES_REP, await make_team())
    found = await rule(admin, "new_contact_call")
    await ok(admin, UPDATE_RULE, input={"id": found["id"], "version": found["version"], "assigneeRule": "CONTACT_OWNER",
                                        "titleTemplate": "Ring {contact}", "dueInDays": 0})
    await make_contact(rep, name="Linus")
    [task] = await rule_tasks("new_contact_call")
    assert (task.title, task.assignee_id) == ("Ring Linus", rep.id)
    assert task.due_at <= datetime.now(UTC) + timedelta(minutes=1)
    # The rep sees the task on their task list (it is about their own contact).
    mine = await ok(rep, "query($f: ActivityFilter) { activities(first: 10, filter: $f) { edges { node { title } } } }",
                    f={"assigneeId": str(rep.id)})
    assert [e["node"]["title"] for e in mine["activities"]["edges"]] == ["Ring Linus"]


async def test_imports_and_the_demo_seed_make_no_rule_tasks(rules):
    admin = await make_user(Role.ADMIN)
    await make_user(Role.SUPPORT)
    for via in ("import:7", "seed"):
        bulk = Actor.for_user(admin, via=via)
        await contact_service.create_contact(bulk, {"name": f"Bulk {via}", "email": f"bulk{len(via)}@example.com"})
    # `crm seed --demo` runs the seed's actors inside a write of the command line's own.
    async with write(Actor.system(via="cli")):
        await contact_service.create_contact(Actor.for_user(admin, via="seed"), {"name": "Demo", "email": "d@example.com"})
    assert await rule_tasks("new_contact_call") == []


# --- Rule 2: a new customer or a converted contact gets an activation task -------------------------

async def test_a_new_customer_makes_an_activation_task_for_its_account_manager(rules):
    admin = await make_user(Role.ADMIN)
    team = await make_team()
    rep = await make_user(Role.SALES_REP, team)
    customer = await make_customer(admin, name="Globex", accountManagerId=str(rep.id))
    [task] = await rule_tasks("customer_activation")
    assert (task.title, task.assignee_id, task.customer_id) == ("Activate the customer Globex", rep.id,
                                                               int(customer["id"]))
    assert timedelta(days=2, hours=23) < task.due_at - datetime.now(UTC) <= timedelta(days=3)
    assert (await AuditEntry.get(action="activity.log", entity_id=str(task.id))).via == "automation:customer_activation"
    assert await Notification.filter(user_id=rep.id, entity_id=task.id).exists()
    # Active from the start: nothing to activate.
    await make_customer(admin, status="ACTIVE")
    assert len(await rule_tasks("customer_activation")) == 1


async def test_a_converted_contact_makes_one_activation_task(rules):
    admin = await make_user(Role.ADMIN)
    support = await make_user(Role.SUPPORT)
    customer = await make_customer(admin, name="Initech", status="PROSPECT")
    assert len(await rule_tasks("customer_activation")) == 1
    await Activity.filter(made_by_rule="customer_activation").update(task_status=TaskStatus.DONE)
    contact = await make_contact(support, name="Peter")
    await ok(support, CONVERT, input={"id": contact["id"], "version": 1, "customerId": customer["id"]})
    tasks = await rule_tasks("customer_activation")
    assert len(tasks) == 2 and (tasks[1].assignee_id, tasks[1].contact_id) == (admin.id, int(contact["id"]))
    # Another conversion while that task is open adds none; converting into a new customer makes its own one.
    other = await make_contact(support, name="Milton")
    await ok(support, CONVERT, input={"id": other["id"], "version": 1, "customerId": customer["id"]})
    assert len(await rule_tasks("customer_activation")) == 2
    third = await make_contact(support, name="Bob")
    made = await ok(support, CONVERT, input={"id": third["id"], "version": 1, "companyName": "Bob's Bits"})
    tasks = await rule_tasks("customer_activation")
    assert len(tasks) == 3 and tasks[2].customer_id == int(made["convertContact"]["customer"]["id"])


async def test_switched_off_the_activation_rule_does_nothing(rules):
    admin = await make_user(Role.ADMIN)
    await switch(admin, "customer_activation", False)
    customer = await make_customer(admin, status="PROSPECT")
    contact = await make_contact(admin)
    await ok(admin, CONVERT, input={"id": contact["id"], "version": 1, "customerId": customer["id"]})
    assert await rule_tasks("customer_activation") == []


async def test_a_task_made_by_a_rule_triggers_no_rule(rules):
    admin = await make_user(Role.ADMIN)
    await make_user(Role.SUPPORT)
    await make_contact(admin)
    assert await Activity.filter(kind=ActivityKind.TASK).count() == 1  # the call task, and nothing it set off
    assert await AuditEntry.filter(via__startswith="automation:").count() == 1


async def test_a_failed_change_leaves_no_rule_task(rules):
    admin = await make_user(Role.ADMIN)
    await make_user(Role.SUPPORT)
    found = await error(admin, "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }",
                        input={"name": "X", "email": "not an email"})
    assert found["field"] == "email"
    assert await Activity.all().count() == 0 and await Notification.all().count() == 0


# --- Switching and editing rules: admins only, audited -------------------------------------------

async def test_rules_are_listed_and_switched_by_admins_only_and_audited(rules):
    admin = await make_user(Role.ADMIN)
    listed = (await ok(admin, RULES))["automationRules"]
    assert [(r["key"], r["enabled"]) for r in listed] == [
        ("new_contact_call", True), ("customer_activation", True), ("deal_next_step", True)]
    assert listed[0]["assigneeRules"] == ["LEAST_BUSY_SUPPORT", "CONTACT_OWNER"]
    assert listed[0]["placeholders"] == ["contact", "customer"]
    for role in (Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        who = await make_user(role)
        assert (await error(who, RULES))["code"] == "FORBIDDEN"
        found = await error(who, UPDATE_RULE, input={"id": listed[0]["id"], "version": 1, "enabled": False})
        assert found["code"] == "FORBIDDEN"
    assert await AuditEntry.filter(action="automation_rule.update").count() == 0
    switched = await switch(admin, "new_contact_call", False)
    assert (switched["enabled"], switched["version"]) == (False, 2)
    entry = await AuditEntry.get(action="automation_rule.update")
    assert (entry.actor_id, entry.entity_id, entry.changes) == (
        admin.id, listed[0]["id"], {"key": "new_contact_call", "enabled": [True, False]})
    stale = await error(admin, UPDATE_RULE, input={"id": listed[0]["id"], "version": 1, "enabled": True})
    assert stale["code"] == "CONFLICT"


async def test_bad_rule_edits_name_the_field_and_change_nothing(rules):
    admin = await make_user(Role.ADMIN)
    call, step = await rule(admin, "new_contact_call"), await rule(admin, "deal_next_step")
    cases = [
        (call, {"titleTemplate": "Call {someone}"}, "titleTemplate"),
        (call, {"titleTemplate": "Call {contact"}, "titleTemplate"),
        (call, {"titleTemplate": "Call {contact.__class__}"}, "titleTemplate"),
        (call, {"titleTemplate": "  "}, "titleTemplate"),
        (call, {"dueInDays": -1}, "dueInDays"),
        (call, {"dueInDays": 366}, "dueInDays"),
        (call, {"assigneeRule": "ACCOUNT_MANAGER"}, "assigneeRule"),
        (call, {"enabled": None}, "enabled"),
        (step, {"titleTemplate": "Next"}, "titleTemplate"),
    ]
    for found, values, field in cases:
        err = await error(admin, UPDATE_RULE, input={"id": found["id"], "version": found["version"], **values})
        assert (err["code"], err.get("field")) == ("BAD_USER_INPUT", field), (values, err)
    assert await AutomationRule.filter(version__gt=1).count() == 0
    assert await AuditEntry.filter(action="automation_rule.update").count() == 0


# --- Rule 3: stages that require a next step -------------------------------------------------------

async def flagged_pipeline(admin: Any) -> tuple[str, str]:
    """A pipeline whose stage "Proposal" requires a next step: (pipeline id, Proposal's id)."""
    made = (await ok(admin, CREATE_PIPELINE, input={"name": "Projects"}))["createPipeline"]
    stage = (await ok(admin, CREATE_STAGE, input={"pipelineId": made["id"], "name": "Proposal", "probability": 40,
                                                  "position": 1, "requiresNextStep": True}))["createStage"]
    assert stage["requiresNextStep"] is True
    return made["id"], stage["id"]


async def deal_in(admin: Any, pipeline_id: str, owner: Any = None) -> dict[str, Any]:
    customer = await make_customer(admin, status="ACTIVE")
    extra = {"ownerId": str(owner.id)} if owner else {}
    return await make_deal(admin, customer["id"], pipelineId=pipeline_id, **extra)


async def test_a_move_into_a_flagged_stage_needs_a_next_step(rules):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP, await make_team())
    pipeline_id, proposal = await flagged_pipeline(admin)
    deal = await deal_in(admin, pipeline_id, owner=rep)
    audits = await AuditEntry.all().count()
    refused = await error(rep, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": proposal})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "nextStep")
    assert "Proposal" in refused["message"] and "next step" in refused["message"]
    row = await Deal.get(id=int(deal["id"]))
    assert (row.stage_id, row.version) == (int(deal["stage"]["id"]), deal["version"])
    assert await AuditEntry.all().count() == audits
    due = soon(3)
    moved = (await ok(rep, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": proposal,
                                        "nextStep": {"title": "Send the offer", "dueAt": due}}))["moveDeal"]
    assert moved["stage"]["name"] == "Proposal"
    [task] = await Activity.filter(deal_id=int(deal["id"]), kind=ActivityKind.TASK)
    assert (task.title, task.assignee_id, task.author_id, task.task_status) == (
        "Send the offer", rep.id, rep.id, TaskStatus.SCHEDULED)
    assert await AuditEntry.filter(action="activity.log", entity_id=str(task.id), actor_id=rep.id).exists()


async def test_an_open_dated_task_on_the_deal_is_its_next_step(rules):
    admin = await make_user(Role.ADMIN)
    pipeline_id, proposal = await flagged_pipeline(admin)
    deal = await deal_in(admin, pipeline_id)
    task = await log_activity(admin, kind="TASK", title="Call back", dealId=deal["id"])
    assert (await ok(admin, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": proposal})
            )["moveDeal"]["stage"]["name"] == "Proposal"
    # Back, finish the task, and forward again: no next step any more.
    stages = (await ok(admin, "query($id: ID!) { deal(id: $id) { version pipeline { stages { id name } } } }",
                       id=deal["id"]))["deal"]
    first = stages["pipeline"]["stages"][0]["id"]
    await ok(admin, MOVE, input={"id": deal["id"], "version": stages["version"], "stageId": first})
    await ok(admin, "mutation($input: CompleteTaskInput!) { completeTask(input: $input) { id } }",
             input={"id": task["id"], "version": task["version"]})
    refused = await error(admin, MOVE, input={"id": deal["id"], "version": stages["version"] + 1, "stageId": proposal})
    assert refused["field"] == "nextStep"


async def test_switched_off_the_next_step_rule_lets_moves_through(rules):
    admin = await make_user(Role.ADMIN)
    pipeline_id, proposal = await flagged_pipeline(admin)
    deal = await deal_in(admin, pipeline_id)
    await switch(admin, "deal_next_step", False)
    await ok(admin, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": proposal})
    assert await Activity.filter(deal_id=int(deal["id"]), kind=ActivityKind.TASK).count() == 0


async def test_a_failing_next_step_leaves_the_deal_unmoved(rules):
    admin = await make_user(Role.ADMIN)
    outsider = await make_user(Role.SALES_REP, await make_team())  # cannot see the deal's customer
    pipeline_id, proposal = await flagged_pipeline(admin)
    deal = await deal_in(admin, pipeline_id)
    audits, activities = await AuditEntry.all().count(), await Activity.all().count()
    cases = [
        ({"title": " ", "dueAt": soon()}, "nextStep.title"),
        ({"title": "x" * 201, "dueAt": soon()}, "nextStep.title"),
        # Refused only after the deal's row was updated in the write: the whole move rolls back.
        ({"title": "Offer", "dueAt": soon(), "assigneeId": str(outsider.id)}, "assigneeId"),
        ({"title": "Offer", "dueAt": soon(), "assigneeId": "999999"}, "assigneeId"),
    ]
    for step, field in cases:
        found = await error(admin, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": proposal,
                                                "nextStep": step})
        assert found["code"] in ("BAD_USER_INPUT", "NOT_FOUND") and found.get("field") == field, (step, found)
    row = await Deal.get(id=int(deal["id"]))
    assert (row.stage_id, row.version) == (int(deal["stage"]["id"]), deal["version"])
    assert (await AuditEntry.all().count(), await Activity.all().count()) == (audits, activities)


async def test_two_moves_at_once_make_one_move_and_one_next_step(rules):
    admin = await make_user(Role.ADMIN)
    pipeline_id, proposal = await flagged_pipeline(admin)
    deal = await deal_in(admin, pipeline_id)
    results = await asyncio.gather(*(
        gql(admin, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": proposal,
                                "nextStep": {"title": f"Step {n}", "dueAt": soon()}}) for n in range(2)))
    # The loser read the version the winner replaced (CONFLICT), or, where writers take turns (SQLite), the deal
    # already in Proposal (stageId); either way it wrote nothing.
    outcomes = sorted((r.errors[0].extensions["code"], r.errors[0].extensions.get("field")) if r.errors else ("OK", None)
                      for r in results)
    assert outcomes[1] == ("OK", None) and outcomes[0] in (("CONFLICT", None), ("BAD_USER_INPUT", "stageId")), outcomes
    assert await Activity.filter(deal_id=int(deal["id"]), kind=ActivityKind.TASK).count() == 1
    assert (await Deal.get(id=int(deal["id"]))).stage_id == int(proposal)


async def test_only_open_stages_require_a_next_step(rules):
    admin = await make_user(Role.ADMIN)
    made = (await ok(admin, CREATE_PIPELINE, input={"name": "Flags"}))["createPipeline"]
    new, won = made["stages"][0]["id"], made["stages"][1]["id"]
    found = await error(admin, UPDATE_STAGE, input={"id": won, "requiresNextStep": True})
    assert (found["code"], found["field"]) == ("BAD_USER_INPUT", "requiresNextStep")
    found = await error(admin, CREATE_STAGE, input={"pipelineId": made["id"], "name": "Done", "kind": "WON",
                                                    "requiresNextStep": True})
    assert found["field"] == "requiresNextStep"
    assert (await ok(admin, UPDATE_STAGE, input={"id": new, "requiresNextStep": True})
            )["updateStage"]["requiresNextStep"] is True
    entry = await AuditEntry.filter(action="stage.update", entity_id=new).first()
    assert entry is not None and entry.changes == {"requires_next_step": [False, True]}
    rep = await make_user(Role.SALES_REP)
    assert (await error(rep, UPDATE_STAGE, input={"id": new, "requiresNextStep": False}))["code"] == "FORBIDDEN"


async def test_the_next_step_is_offered_to_the_deal_owner_through_actor(rules):
    """A head moving a rep's deal gives the next step to the rep, who is told."""
    admin = await make_user(Role.ADMIN)
    team = await make_team()
    head, rep = await make_user(Role.SALES_HEAD, team), await make_user(Role.SALES_REP, team)
    pipeline_id, proposal = await flagged_pipeline(admin)
    deal = await deal_in(admin, pipeline_id, owner=rep)
    await ok(actor(head), MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": proposal,
                                       "nextStep": {"title": "Book the demo", "dueAt": soon()}})
    task = await Activity.get(deal_id=int(deal["id"]), kind=ActivityKind.TASK)
    assert (task.assignee_id, task.author_id) == (rep.id, head.id)
    assert await Notification.filter(user_id=rep.id, entity="activity", entity_id=task.id).exists()
