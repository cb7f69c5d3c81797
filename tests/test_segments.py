"""Saved segments: exact membership (static and dynamic, every filter condition), row rules, who may keep
and see them, and segmentChanged streaming customers entering and leaving as their data changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.auth.actor import Actor
from backend.graphql.root import schema
from backend.live import topics
from backend.live.broadcast import hub
from backend.models import Activity, Role, Stage
from backend.reads.context import Context
from backend.resolvers.segments import segment_fan_out
from tests.factories import actor, error, log_activity, make_customer, make_deal, make_team, make_user, ok

CREATE = "mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id version kind name shared } }"
UPDATE = "mutation($input: UpdateSegmentInput!) { updateSegment(input: $input) { id version name conditions } }"
ADD = "mutation($input: SegmentMembersInput!) { addSegmentMembers(input: $input) { changedIds } }"
REMOVE = "mutation($input: SegmentMembersInput!) { removeSegmentMembers(input: $input) { changedIds } }"
LIST = "query($f: CustomerFilter) { customers(filter: $f, first: 100) { totalCount edges { node { id } } } }"
STATUS = "mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { version } }"
WATCH = "subscription($id: ID!) { segmentChanged(segmentId: $id) { kind segmentId customerId customer { id name status } } }"
TIMEOUT = 10


async def ids(who: Any, where: dict[str, Any]) -> set[str]:
    data = await ok(who, LIST, f=where)
    return {edge["node"]["id"] for edge in data["customers"]["edges"]}


async def segment(who: Any, **fields: Any) -> dict[str, Any]:
    return (await ok(who, CREATE, input={"name": "Audience", "kind": "DYNAMIC", **fields}))["createSegment"]


async def world() -> dict[str, Any]:
    north, south = await make_team("North"), await make_team("South")
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP, north)
    rep2 = await make_user(Role.SALES_REP, south)
    marketing = await make_user(Role.MARKETING)
    support = await make_user(Role.SUPPORT)
    return dict(admin=admin, rep=rep, rep2=rep2, marketing=marketing, support=support)


async def test_a_dynamic_segment_has_exactly_the_customers_its_filter_lists(db):
    w = await world()
    admin = w["admin"]
    a = await make_customer(admin, status="ACTIVE", country="DE", industry="Rail", tags=["Key", "rail"])
    b = await make_customer(admin, status="ACTIVE", country="FR", industry="Rail", tags=["railways"])
    c = await make_customer(admin, status="PROSPECT", country="DE", industry="Food")
    d = await make_customer(admin, status="DRAFT", country="DE", industry="Rail")
    stages = await Stage.filter(pipeline__is_default=True).order_by("position")
    await make_deal(admin, a["id"], amount=500_000, currency="EUR", stageId=str(stages[1].id))
    await make_deal(admin, c["id"], amount=5_000, currency="EUR", stageId=str(stages[1].id))
    await log_activity(admin, customerId=b["id"])
    old = await log_activity(admin, customerId=c["id"])
    await Activity.filter(id=int(old["id"])).update(occurred_at=datetime.now(UTC) - timedelta(days=90))

    filters: list[tuple[dict[str, Any], set[str]]] = [
        ({"status": ["ACTIVE"]}, {a["id"], b["id"]}),
        ({"status": ["ACTIVE", "PROSPECT"], "country": ["DE"]}, {a["id"], c["id"]}),
        ({"industry": ["Rail"], "tag": "rail"}, {a["id"]}),
        ({"deal": {"stageId": [str(stages[1].id)], "amount": {"min": 100_000}}}, {a["id"]}),
        ({"deal": {"amount": {"max": 10_000}}}, {c["id"]}),
        ({"lastActivity": {"withinDays": 30}}, {b["id"]}),
        ({"lastActivity": {"overDays": 30}}, {a["id"], c["id"], d["id"]}),
        ({"created": {"start": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}}, {a["id"], b["id"], c["id"], d["id"]}),
        ({}, {a["id"], b["id"], c["id"], d["id"]}),
    ]
    for where, expected in filters:
        saved = await segment(admin, filter=where)
        assert await ids(admin, where) == expected, where
        assert await ids(admin, {"segmentId": saved["id"]}) == expected, where
        # Further conditions narrow a segment like any other.
        assert await ids(admin, {"segmentId": saved["id"], "country": ["FR"]}) == expected & {b["id"]}

    # Always current: a change moves a customer in or out with no refresh of the segment.
    active = await segment(admin, filter={"status": ["ACTIVE"]})
    await ok(admin, STATUS, input={"id": d["id"], "version": 1, "status": "ACTIVE"})
    assert await ids(admin, {"segmentId": active["id"]}) == {a["id"], b["id"], d["id"]}


async def test_a_static_segment_holds_the_customers_picked_in_bulk(db):
    w = await world()
    admin = w["admin"]
    customers = [await make_customer(admin) for _ in range(4)]
    picked = (await segment(admin, kind="STATIC", customerIds=[customers[0]["id"]]))
    added = (await ok(admin, ADD, input={"segmentId": picked["id"], "customerIds": [c["id"] for c in customers[:3]]}))
    assert set(added["addSegmentMembers"]["changedIds"]) == {customers[1]["id"], customers[2]["id"]}  # the first was in
    assert await ids(admin, {"segmentId": picked["id"]}) == {c["id"] for c in customers[:3]}
    removed = await ok(admin, REMOVE, input={"segmentId": picked["id"], "customerIds": [customers[0]["id"], customers[3]["id"]]})
    assert removed["removeSegmentMembers"]["changedIds"] == [customers[0]["id"]]
    assert await ids(admin, {"segmentId": picked["id"]}) == {customers[1]["id"], customers[2]["id"]}


async def test_members_follow_the_readers_row_rules_and_segments_their_owner_and_sharing(db):
    w = await world()
    admin, rep, rep2, marketing = w["admin"], w["rep"], w["rep2"], w["marketing"]
    north = await make_customer(admin, accountManagerId=str(rep.id), status="ACTIVE")
    south = await make_customer(admin, accountManagerId=str(rep2.id), status="ACTIVE")
    shared = await segment(marketing, filter={"status": ["ACTIVE"]}, shared=True)
    private = await segment(marketing, name="Mine", filter={"status": ["ACTIVE"]})
    assert await ids(marketing, {"segmentId": shared["id"]}) == {north["id"], south["id"]}
    # A rep sees the shared segment, with only the members the rep may see.
    assert await ids(rep, {"segmentId": shared["id"]}) == {north["id"]}
    assert await ids(rep2, {"segmentId": shared["id"]}) == {south["id"]}
    listed = await ok(rep, "{ segments { totalCount edges { node { id allowedActions } } } }")
    assert [e["node"] for e in listed["segments"]["edges"]] == [{"id": shared["id"], "allowedActions": []}]
    # Another's private segment does not exist for them; a shared one is read, not changed.
    assert (await error(rep, LIST, f={"segmentId": private["id"]}))["code"] == "NOT_FOUND"
    assert (await error(rep, LIST, f={"segmentId": private["id"]}))["field"] == "filter.segmentId"
    assert (await error(rep, UPDATE, input={"id": shared["id"], "version": 1, "name": "Taken"}))["code"] == "FORBIDDEN"
    # A rep cannot hand-pick a customer out of sight into their own segment.
    own = await segment(rep, kind="STATIC")
    refused = await error(rep, ADD, input={"segmentId": own["id"], "customerIds": [north["id"], south["id"]]})
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "customerIds")
    assert await ids(admin, {"segmentId": own["id"]}) == set()  # nothing written
    # Support does not keep segments.
    assert (await error(w["support"], CREATE, input={"name": "x", "kind": "STATIC"}))["code"] == "FORBIDDEN"


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "DYNAMIC"}, "filter"),
    ({"kind": "DYNAMIC", "filter": {"country": ["Germany"]}}, "filter.country"),
    ({"kind": "DYNAMIC", "filter": {"lastActivity": {"withinDays": 0}}}, "filter.lastActivity.withinDays"),
    ({"kind": "DYNAMIC", "filter": {"segmentId": "1"}}, "filter.segmentId"),
    ({"kind": "STATIC", "filter": {"status": ["ACTIVE"]}}, "filter"),
    ({"kind": "STATIC", "name": " "}, "name"),
])
async def test_bad_input_names_the_field_and_writes_nothing(db, fields, field):
    w = await world()
    found = await error(w["admin"], CREATE, input={"name": "Audience", **fields})
    assert (found["code"], found["field"]) == ("BAD_USER_INPUT", field)
    assert (await ok(w["admin"], "{ segments { totalCount } }"))["segments"]["totalCount"] == 0


async def test_a_stale_version_is_a_conflict(db):
    w = await world()
    saved = await segment(w["admin"], filter={"status": ["ACTIVE"]})
    await ok(w["admin"], UPDATE, input={"id": saved["id"], "version": 1, "filter": {"status": ["PROSPECT"]}})
    stale = await error(w["admin"], UPDATE, input={"id": saved["id"], "version": 1, "name": "Late"})
    assert (stale["code"], stale["currentVersion"]) == ("CONFLICT", 2)


# --- segmentChanged ---------------------------------------------------------------------------------


class Watch:
    def __init__(self, gen: Any) -> None:
        self.gen = gen
        self.pending = asyncio.ensure_future(gen.__anext__())

    async def next(self) -> dict[str, Any]:
        result = await asyncio.wait_for(self.pending, TIMEOUT)
        self.pending = asyncio.ensure_future(self.gen.__anext__())
        assert result.errors is None, result.errors
        return result.data["segmentChanged"]

    async def close(self) -> None:
        self.pending.cancel()
        await asyncio.gather(self.pending, return_exceptions=True)
        await self.gen.aclose()


async def watch(who: Actor, segment_id: str, document: str = WATCH) -> Watch:
    before = hub.subscriber_count(topics.customers_touched())  # segments of customers and of contacts hear it
    gen = await schema.subscribe(document, variable_values={"id": segment_id}, context_value=Context(actor=who))
    live = Watch(gen)
    await asyncio.wait_for(hub.wait_for_subscribers(topics.customers_touched(), before + 1), TIMEOUT)
    return live


async def test_customers_enter_and_leave_as_their_status_changes_each_seeing_only_their_own(db):
    w = await world()
    admin, rep, rep2 = w["admin"], w["rep"], w["rep2"]
    north = await make_customer(admin, accountManagerId=str(rep.id))
    south = await make_customer(admin, accountManagerId=str(rep2.id))
    active = await segment(admin, filter={"status": ["ACTIVE"]}, shared=True)
    everyone, north_rep = await watch(actor(admin), active["id"]), await watch(actor(rep), active["id"])
    try:
        await ok(admin, STATUS, input={"id": south["id"], "version": 1, "status": "ACTIVE"})
        await ok(rep, STATUS, input={"id": north["id"], "version": 1, "status": "ACTIVE"})
        first = await everyone.next()
        assert (first["kind"], first["customerId"], first["customer"]["status"]) == ("ENTERED", south["id"], "ACTIVE")
        assert (await everyone.next())["customerId"] == north["id"]
        # The rep never hears of the South customer: its first event is its own customer.
        entered = await north_rep.next()
        assert (entered["kind"], entered["customerId"]) == ("ENTERED", north["id"])

        await ok(rep, STATUS, input={"id": north["id"], "version": 2, "status": "INACTIVE"})
        for live in (everyone, north_rep):
            left = await live.next()
            assert (left["kind"], left["customerId"], left["customer"]) == ("LEFT", north["id"], None)
        # A change that keeps a member inside says nothing: the next event is the one after it.
        await ok(admin, "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
                 input={"id": south["id"], "version": 2, "city": "Lyon"})
        await ok(admin, STATUS, input={"id": south["id"], "version": 3, "status": "INACTIVE"})
        after = await everyone.next()
        assert (after["kind"], after["customerId"]) == ("LEFT", south["id"])
    finally:
        await everyone.close()
        await north_rep.close()


async def test_a_customer_leaving_the_readers_view_has_left(db):
    w = await world()
    admin, rep, rep2 = w["admin"], w["rep"], w["rep2"]
    customer = await make_customer(admin, accountManagerId=str(rep.id), status="ACTIVE")
    active = await segment(admin, filter={"status": ["ACTIVE"]}, shared=True)
    north_rep = await watch(actor(rep), active["id"])
    try:
        await ok(admin, "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
                 input={"id": customer["id"], "version": 1, "accountManagerId": str(rep2.id)})
        left = await north_rep.next()
        assert (left["kind"], left["customerId"]) == ("LEFT", customer["id"])
    finally:
        await north_rep.close()


async def test_static_picks_and_a_new_filter_stream_too_and_deleting_ends_the_stream(db):
    w = await world()
    admin = w["admin"]
    a, b = await make_customer(admin, status="ACTIVE"), await make_customer(admin)
    picked = await segment(admin, kind="STATIC")
    live = await watch(actor(admin), picked["id"])
    try:
        await ok(admin, ADD, input={"segmentId": picked["id"], "customerIds": [a["id"], b["id"]]})
        assert {(await live.next())["customerId"], (await live.next())["customerId"]} == {a["id"], b["id"]}
        await ok(admin, REMOVE, input={"segmentId": picked["id"], "customerIds": [b["id"]]})
        assert (await live.next()) | {"customer": None} == {
            "kind": "LEFT", "segmentId": picked["id"], "customerId": b["id"], "customer": None}
    finally:
        await live.close()

    dynamic = await segment(admin, filter={"status": ["ACTIVE"]})
    live = await watch(actor(admin), dynamic["id"])
    try:
        await ok(admin, UPDATE, input={"id": dynamic["id"], "version": 1, "filter": {"status": ["DRAFT"]}})
        changes = {((await live.next())["kind"]) for _ in range(2)}
        assert changes == {"ENTERED", "LEFT"}
        await ok(admin, "mutation($input: DeleteSegmentInput!) { deleteSegment(input: $input) { id } }",
                 input={"id": dynamic["id"], "version": 2})
        ended = await asyncio.wait_for(live.pending, TIMEOUT)
        assert ended.errors[0].extensions["code"] == "NOT_FOUND"
    finally:
        await live.close()


async def test_one_query_per_event_audience_and_segment_however_many_watch(db):
    w = await world()
    admin = w["admin"]
    customer = await make_customer(admin)
    active = await segment(admin, filter={"status": ["ACTIVE"]})
    watchers = [await watch(actor(admin), active["id"]) for _ in range(5)]
    try:
        before = segment_fan_out.computed
        await ok(admin, STATUS, input={"id": customer["id"], "version": 1, "status": "ACTIVE"})
        for live in watchers:
            assert (await live.next())["kind"] == "ENTERED"
        assert segment_fan_out.computed - before == 1
    finally:
        for live in watchers:
            await live.close()


async def test_a_customer_whose_last_activity_ages_out_leaves_without_any_write(db, monkeypatch):
    import backend.resolvers.segments as segments_module

    monkeypatch.setattr(segments_module, "AGE_RECHECK_SECONDS", 0.05)
    w = await world()
    admin = w["admin"]
    customer = await make_customer(admin)
    note = await log_activity(admin, customerId=customer["id"])
    recent = await segment(admin, filter={"lastActivity": {"withinDays": 7}})
    live = await watch(actor(admin), recent["id"])
    try:
        # Time passing, as far as the filter can tell: no write, no event.
        await Activity.filter(id=int(note["id"])).update(occurred_at=datetime.now(UTC) - timedelta(days=8))
        left = await live.next()
        assert (left["kind"], left["customerId"]) == ("LEFT", customer["id"])
    finally:
        await live.close()
