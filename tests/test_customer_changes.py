"""customerChanged: a customer's page hears of edits, status changes and deletion after the commit, only
while the subscriber may see the customer, and nothing of a failed write."""

from __future__ import annotations

import pytest

from backend.graphql.root import schema
from backend.live import topics
from backend.models import Customer, Role
from backend.reads.context import Context
from tests.factories import actor, error, make_customer, make_deal, make_team, make_user, ok
from tests.test_subscriptions import lives, subscribe, world  # noqa: F401  (lives is a fixture)

CHANGED = """subscription($id: ID!) { customerChanged(id: $id) {
  kind customerId customer { id name status version accountManager { id name } } } }"""
UPDATE = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { version } }"
STATUS = "mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { version } }"
DELETE = "mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { id } }"


async def test_edits_and_status_changes_arrive_after_commit_and_failures_send_nothing(db, lives):  # noqa: F811
    w = await world()
    customer_id = w["north"]["id"]
    watcher = await subscribe(actor(w["rep"]), CHANGED, topics.customer_changes(int(customer_id)), id=customer_id)
    lives.append(watcher)
    stale = await error(w["admin"], UPDATE, input={"id": customer_id, "version": 7, "name": "Never"})
    assert stale["code"] == "CONFLICT"
    await ok(w["admin"], UPDATE, input={"id": customer_id, "version": 1, "name": "Renamed Rail"})
    renamed = await watcher.data("customerChanged")
    assert (renamed["kind"], renamed["customerId"]) == ("UPDATED", customer_id)
    assert (renamed["customer"]["name"], renamed["customer"]["version"]) == ("Renamed Rail", 2)
    assert renamed["customer"]["accountManager"]["id"] == str(w["rep"].id)
    await ok(w["admin"], STATUS, input={"id": customer_id, "version": 2, "status": "PROSPECT"})
    changed = await watcher.data("customerChanged")
    assert (changed["customer"]["status"], changed["customer"]["version"]) == ("PROSPECT", 3)


async def test_a_hidden_customer_cannot_be_followed_and_leaving_the_view_ends_the_stream(db, lives):  # noqa: F811
    w = await world()
    customer_id = w["north"]["id"]
    refused = await (await schema.subscribe(CHANGED, variable_values={"id": customer_id},
                                            context_value=Context(actor=actor(w["rep2"])))).__anext__()
    assert refused.errors[0].extensions["code"] == "NOT_FOUND"
    watcher = await subscribe(actor(w["rep"]), CHANGED, topics.customer_changes(int(customer_id)), id=customer_id)
    lives.append(watcher)
    # Handed to the South team: the North rep hears only that it left their view, nothing of it.
    await ok(w["admin"], UPDATE, input={"id": customer_id, "version": 1, "accountManagerId": str(w["rep2"].id)})
    gone = await watcher.data("customerChanged")
    assert gone == {"kind": "HIDDEN", "customerId": customer_id, "customer": None}
    with pytest.raises(StopAsyncIteration):
        await watcher.next()


async def test_deletion_is_the_last_event(db, lives):  # noqa: F811
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    watcher = await subscribe(actor(admin), CHANGED, topics.customer_changes(int(customer["id"])), id=customer["id"])
    lives.append(watcher)
    await ok(admin, DELETE, input={"id": customer["id"], "version": 1})
    deleted = await watcher.data("customerChanged")
    assert deleted == {"kind": "DELETED", "customerId": customer["id"], "customer": None}
    assert not await Customer.filter(id=int(customer["id"])).exists()
    with pytest.raises(StopAsyncIteration):
        await watcher.next()


async def test_a_customer_that_leaves_the_view_through_its_deal_is_hidden_live(db, lives):  # noqa: F811
    """Seen only through a deal of the team's: handing the deal over hides the customer, and its page hears so."""
    north, south = await make_team("North"), await make_team("South")
    admin = await make_user(Role.ADMIN)
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    deal = await make_deal(admin, customer["id"], ownerId=str(rep2.id))
    topic = topics.customer_changes(int(customer["id"]))
    south_page = await subscribe(actor(rep2), CHANGED, topic, id=customer["id"])
    north_page = await subscribe(actor(rep), CHANGED, topic, id=customer["id"])
    lives.extend([south_page, north_page])
    await ok(admin, "mutation($i: UpdateDealInput!) { updateDeal(input: $i) { id } }",
             i={"id": deal["id"], "version": deal["version"], "ownerId": str(rep.id)})
    assert await south_page.data("customerChanged") == {"kind": "HIDDEN", "customerId": customer["id"], "customer": None}
    await ok(admin, UPDATE, input={"id": customer["id"], "version": 1, "name": "Still North's"})
    renamed = await north_page.data("customerChanged")  # North kept it: nothing of the handover, then the edit
    assert (renamed["kind"], renamed["customer"]["name"]) == ("UPDATED", "Still North's")
