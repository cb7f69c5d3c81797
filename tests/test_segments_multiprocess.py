"""segmentChanged across two server processes sharing the database and Redis: a status change made through
one process reaches a segment's subscriber on the other as ENTERED, then LEFT, for a segment of customers and
one of contacts. Needs CRM_TEST_REDIS_URL; on PostgreSQL too when CRM_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from typing import Any

import pytest

from backend.models import Role
from backend.services import tokens
from tests.factories import actor, make_contact, make_customer, make_user, ok
from tests.servers import GraphQLSocket, crm_servers, graphql_socket

REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="CRM_TEST_REDIS_URL is not set: multi-process tests on Redis skipped")

WATCH = """subscription($id: ID!) {
  segmentChanged(segmentId: $id) { kind customerId customer { name } contactId contact { name } } }"""
CUSTOMER_STATUS = "mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { version } }"
CONTACT_STATUS = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { version } }"
# Per entity: how a member is made, the segment's filter, the mutation and the statuses that move it in and out.
ENTITIES = {
    "CUSTOMER": (make_customer, {"filter": {"status": ["ACTIVE"]}}, CUSTOMER_STATUS, "ACTIVE", "INACTIVE"),
    "CONTACT": (make_contact, {"contactFilter": {"status": ["HOT"]}}, CONTACT_STATUS, "HOT", "COLD"),
}


async def about(ws: GraphQLSocket, key: str, member_id: str) -> dict[str, Any]:
    """The next change of this member (a Redis shared with other runs may carry other rows')."""
    while True:
        change = await ws.next_data("segmentChanged", timeout=20)
        if change[key] == member_id:
            return change


@pytest.mark.parametrize("entity", list(ENTITIES))
async def test_a_status_change_through_one_process_enters_and_leaves_a_segment_watched_on_the_other(db, entity):
    make, where, status, inside, outside = ENTITIES[entity]
    key, row = ("contactId", "contact") if entity == "CONTACT" else ("customerId", "customer")
    admin, marketing = await make_user(Role.ADMIN), await make_user(Role.MARKETING)
    member = await make(admin, name="Across Segments Ltd")
    segment = (await ok(marketing, "mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }",
                        input={"name": "Inside", "kind": "DYNAMIC", "entity": entity, **where}))["createSegment"]
    _, watcher = await tokens.create(actor(marketing), "watcher")
    _, changer = await tokens.create(actor(admin), "changer")
    assert REDIS_URL is not None  # the skipif above
    async with crm_servers(2, db, REDIS_URL) as (a, b), graphql_socket(b.ws_url, watcher) as ws:
        await ws.subscribe(WATCH, id=segment["id"])
        await b.wait_for_subscribers(1)
        await a.graphql(changer, status, input={"id": member["id"], "version": 1, "status": inside})
        entered = await about(ws, key, member["id"])
        assert (entered["kind"], entered[row]) == ("ENTERED", {"name": "Across Segments Ltd"})
        await a.graphql(changer, status, input={"id": member["id"], "version": 2, "status": outside})
        assert (await about(ws, key, member["id"]))["kind"] == "LEFT"
