"""Admins edit the allowed status steps of customers, contacts, leads and tasks (issue 18): statusWorkflows,
setStatusTransition, statusWorkflowChanged; the services and allowedStatuses follow at once."""

from __future__ import annotations

from typing import Any

from backend.live import topics
from backend.migrations import m0030_workflows
from backend.models import AuditEntry, Customer, Role, StatusTransition
from tests.factories import actor, error, log_activity, make_contact, make_customer, make_user, ok
from tests.sqlcount import count_statements
from tests.test_subscriptions import lives, subscribe  # noqa: F401  (the lives fixture)

WORKFLOWS = "{ statusWorkflows { entity statuses fromStatuses toStatuses steps { from to } records { status count } } }"
SET = ("mutation($input: SetStatusTransitionInput!) { setStatusTransition(input: $input) "
       "{ entity steps { from to } records { status count } } }")
STATUS = ("mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) "
          "{ id version status allowedStatuses } }")
CUSTOMER = "query($id: ID!) { customer(id: $id) { version status allowedStatuses } }"
CUSTOMERS = "{ customers(first: 50) { edges { node { id allowedStatuses } } } }"
UPDATE_CONTACT = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { status allowedStatuses } }"
UPDATE_TASK = "mutation($input: UpdateTaskInput!) { updateTask(input: $input) { taskStatus allowedTaskStatuses } }"
CHANGED = "subscription { statusWorkflowChanged { entity } }"


def steps_of(workflows: list[dict[str, Any]], entity: str) -> set[tuple[str, str]]:
    return {(s["from"], s["to"]) for s in next(w for w in workflows if w["entity"] == entity)["steps"]}


async def test_the_workflows_start_as_the_code_had_them(db):
    rep = await make_user(Role.SALES_REP)
    workflows = (await ok(rep, WORKFLOWS))["statusWorkflows"]
    assert [w["entity"] for w in workflows] == ["CUSTOMER", "CONTACT", "LEAD", "TASK"]
    for entity, steps in m0030_workflows.TRANSITIONS.items():
        wanted = {(old.upper(), new.upper()) for old, news in steps.items() for new in news}
        assert steps_of(workflows, entity.upper()) == wanted
    customer = workflows[0]
    assert "BLOCKED" in customer["statuses"] and "BLOCKED" not in customer["fromStatuses"]  # blocking: a fixed rule
    assert all(w["records"] == [] for w in workflows)  # counts are for the admins who edit


async def test_an_admin_forbids_a_step_the_service_then_refuses_and_allows_a_new_one(db, lives):  # noqa: F811
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    watcher = await subscribe(actor(rep), CHANGED, topics.configuration())
    lives.append(watcher)
    customer = await make_customer(admin, status="PROSPECT", accountManagerId=str(rep.id))
    assert "CHURNED" in (await ok(rep, CUSTOMER, id=customer["id"]))["customer"]["allowedStatuses"]

    changed = (await ok(admin, SET, input={"entity": "CUSTOMER", "from": "PROSPECT", "to": "CHURNED",
                                           "allowed": False}))["setStatusTransition"]
    assert ("PROSPECT", "CHURNED") not in {(s["from"], s["to"]) for s in changed["steps"]}
    assert {"status": "PROSPECT", "count": 1} in changed["records"]  # it stays where it is
    assert await watcher.data("statusWorkflowChanged") == {"entity": "CUSTOMER"}
    entry = await AuditEntry.get(action="status_transition.forbid")
    assert (entry.actor_id, entry.entity_id, entry.changes["allowed"]) == (admin.id, "customer:prospect:churned",
                                                                           [True, False])

    seen = (await ok(rep, CUSTOMER, id=customer["id"]))["customer"]
    assert seen["status"] == "PROSPECT" and "CHURNED" not in seen["allowedStatuses"]
    refused = await error(rep, STATUS, input={"id": customer["id"], "version": seen["version"], "status": "CHURNED"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "status")
    assert (await Customer.get(id=customer["id"])).status.value == "prospect"

    await ok(admin, SET, input={"entity": "CUSTOMER", "from": "DRAFT", "to": "CHURNED", "allowed": True})
    draft = await make_customer(admin, accountManagerId=str(rep.id))
    moved = (await ok(rep, STATUS, input={"id": draft["id"], "version": draft["version"], "status": "CHURNED"})
             )["changeCustomerStatus"]
    assert moved["status"] == "CHURNED"
    # Blocking stays open from any status: not a step admins edit.
    assert "BLOCKED" in moved["allowedStatuses"]


async def test_contacts_leads_and_tasks_follow_their_workflows(db):
    admin = await make_user(Role.ADMIN)
    contact = await make_contact(admin)
    await ok(admin, SET, input={"entity": "CONTACT", "from": "NEW", "to": "CONVERTED", "allowed": False})
    await ok(admin, SET, input={"entity": "CONTACT", "from": "NEW", "to": "HOT", "allowed": False})
    refused = await error(admin, UPDATE_CONTACT, input={"id": contact["id"], "version": contact["version"],
                                                        "status": "HOT"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "status")
    shown = await ok(admin, "query($id: ID!) { contact(id: $id) { allowedStatuses allowedActions } }",
                     id=contact["id"])
    assert shown["contact"]["allowedStatuses"] == ["COLD", "NOT_INTERESTED"]
    assert "convertContact" not in shown["contact"]["allowedActions"]  # no step into converted from new

    task = await log_activity(admin, kind="TASK")  # scheduled: it has a due date
    await ok(admin, SET, input={"entity": "TASK", "from": "SCHEDULED", "to": "ABORTED", "allowed": False})
    refused = await error(admin, UPDATE_TASK, input={"id": task["id"], "version": task["version"],
                                                     "taskStatus": "ABORTED"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "taskStatus")

    lead = (await ok(admin, "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version } }",
                     input={"title": "Forty machines"}))["createLead"]
    await ok(admin, SET, input={"entity": "LEAD", "from": "NEW", "to": "QUALIFIED", "allowed": False})
    refused = await error(admin, "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }",
                          input={"id": lead["id"], "version": lead["version"], "status": "QUALIFIED"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "status")


async def test_only_admins_edit_and_bad_steps_name_their_field(db):
    before = await StatusTransition.all().count()
    for role in (Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        who = await make_user(role)
        found = await error(who, SET, input={"entity": "LEAD", "from": "LOST", "to": "NEW", "allowed": False})
        assert found["code"] == "FORBIDDEN"
    admin = await make_user(Role.ADMIN)
    for bad, field in [
        ({"from": "BLOCKED", "to": "ACTIVE"}, "from"),  # unblocking is a fixed rule
        ({"from": "DRAFT", "to": "BLOCKED"}, "to"),
        ({"from": "DRAFT", "to": "DRAFT"}, "to"),
        ({"from": "DRAFT", "to": "QUALIFIED"}, "to"),  # a lead's status
    ]:
        found = await error(admin, SET, input={"entity": "CUSTOMER", "allowed": True, **bad})
        assert (found["code"], found["field"]) == ("BAD_USER_INPUT", field), bad
    assert await StatusTransition.all().count() == before
    assert await AuditEntry.all().count() == 0
    # Allowing a step that is allowed already changes nothing and says nothing.
    await ok(admin, SET, input={"entity": "LEAD", "from": "LOST", "to": "NEW", "allowed": True})
    assert await AuditEntry.all().count() == 0


async def test_allowed_statuses_of_a_list_read_the_workflow_once(db):
    admin = await make_user(Role.ADMIN)
    for _ in range(3):
        await make_customer(admin)
    with count_statements() as few:
        await ok(admin, CUSTOMERS)
    for _ in range(6):
        await make_customer(admin)
    with count_statements() as more:
        await ok(admin, CUSTOMERS)
    assert len(more) == len(few)
