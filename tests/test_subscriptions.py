"""dealChanged, activityAdded and notifications in-process (schema.subscribe): events after commit,
nothing on failure, only visible rows, shared work per audience, slow readers closed, revoked access
ends the stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from backend.auth.actor import Actor
from backend.errors import Conflict
from backend.graphql.root import schema
from backend.graphql.shared_events import event_results
from backend.live import topics
from backend.live.broadcast import hub
from backend.models import Activity, Deal, DealStageChange, Notification, Role, Stage, Team, User
from backend.reads.context import Context
from backend.resolvers.live import deal_fan_out
from backend.services import deals, tokens
from backend.web.requests import actor_for_token
from tests.factories import actor, make_campaign, make_customer, make_team, make_user, ok
from tests.servers import CrmServer, crm_servers, graphql_socket

DEALS = """subscription { dealChanged {
  kind dealId fromStageId deal { id title version stage { id name } customer { id name } } toStage { id }
} }"""
ACTIVITIES = "subscription($id: ID!) { activityAdded(customerId: $id) { id title customer { id } } }"
NOTIFICATIONS = "subscription { notifications { id kind message entity entityId createdAt } }"
LOG = "mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }"
TIMEOUT = 10


class Live:
    """One subscriber: `await live.next()` is its next result; it reads nothing until asked."""

    def __init__(self, gen: Any, context: Context) -> None:
        self.gen, self.context = gen, context
        self.pending = asyncio.ensure_future(gen.__anext__())  # runs the resolver up to its subscription

    async def next(self) -> Any:
        result = await asyncio.wait_for(self.pending, TIMEOUT)
        self.pending = asyncio.ensure_future(self.gen.__anext__())
        return result

    async def data(self, field: str) -> dict[str, Any]:
        result = await self.next()
        assert result.errors is None, result.errors
        return result.data[field]

    async def close(self) -> None:
        self.pending.cancel()
        await asyncio.gather(self.pending, return_exceptions=True)
        await self.gen.aclose()


async def subscribe(who: Actor, document: str, topic: str, **variables: Any) -> Live:
    """Subscribed, and registered on the hub (waited for, not slept for) before it returns."""
    before = hub.subscriber_count(topic)
    context = Context(actor=who)
    live = Live(await schema.subscribe(document, variable_values=variables, context_value=context), context)
    await asyncio.wait_for(hub.wait_for_subscribers(topic, before + 1), TIMEOUT)
    return live


@pytest.fixture
async def lives() -> AsyncIterator[list[Live]]:
    opened: list[Live] = []
    yield opened
    for live in opened:
        await live.close()


async def world() -> dict[str, Any]:
    """Teams North (head, rep) and South (rep2), an admin, a customer of each team."""
    north, south = await make_team("North"), await make_team("South")
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP, north)
    head = await make_user(Role.SALES_HEAD, north)
    rep2 = await make_user(Role.SALES_REP, south)
    north_customer = await make_customer(admin, accountManagerId=str(rep.id))
    south_customer = await make_customer(admin, accountManagerId=str(rep2.id))
    return dict(admin=admin, rep=rep, head=head, rep2=rep2, north=north_customer, south=south_customer)


async def stages() -> list[Stage]:
    return await Stage.filter(pipeline__is_default=True).order_by("position")


async def test_deal_events_arrive_after_commit_with_the_deal_as_it_is_now(db, lives):
    w = await world()
    watcher = await subscribe(actor(w["head"]), DEALS, topics.deals())
    lives.append(watcher)
    deal = await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": "Rail upgrade"})
    created = await watcher.data("dealChanged")
    assert (created["kind"], created["dealId"], created["deal"]["title"]) == ("CREATED", str(deal.id), "Rail upgrade")
    assert created["deal"]["customer"]["id"] == w["north"]["id"]

    first, second = (await stages())[:2]
    await deals.move_deal(actor(w["rep"]), deal.id, 1, second.id, None)
    moved = await watcher.data("dealChanged")
    assert (moved["kind"], moved["fromStageId"], moved["toStage"]["id"]) == ("MOVED", str(first.id), str(second.id))
    assert moved["deal"]["stage"]["id"] == str(second.id) and moved["deal"]["version"] == 2
    # The event came after the commit: the database already holds what it describes.
    row = await Deal.get(id=deal.id)
    assert (row.stage_id, row.version) == (second.id, 2)  # type: ignore[attr-defined]
    assert await DealStageChange.filter(deal_id=deal.id, to_stage_id=second.id).exists()

    await deals.delete_deal(actor(w["admin"]), deal.id, 2)
    deleted = await watcher.data("dealChanged")
    assert (deleted["kind"], deleted["dealId"], deleted["deal"]) == ("DELETED", str(deal.id), None)
    assert not await Deal.exists(id=deal.id)


async def test_a_failing_change_publishes_nothing(db, lives):
    w = await world()
    watcher = await subscribe(actor(w["admin"]), DEALS, topics.deals())
    lives.append(watcher)
    deal = await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": "First"})
    assert (await watcher.data("dealChanged"))["kind"] == "CREATED"
    second = (await stages())[1]
    with pytest.raises(Conflict):
        await deals.move_deal(actor(w["rep"]), deal.id, 7, second.id, None)  # stale version
    await deals.update_deal(actor(w["rep"]), deal.id, 1, {"title": "Renamed"})
    after = await watcher.data("dealChanged")  # the next event is the successful update, nothing before it
    assert (after["kind"], after["deal"]["title"]) == ("UPDATED", "Renamed")
    assert (await Deal.get(id=deal.id)).stage_id != second.id  # type: ignore[attr-defined]


async def test_a_rep_hears_nothing_about_a_deal_hidden_from_their_team(db, lives):
    w = await world()
    south_rep = await subscribe(actor(w["rep2"]), DEALS, topics.deals())
    lives.append(south_rep)
    await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": "North secret"})
    visible = await deals.create_deal(actor(w["rep2"]), {"customer_id": w["south"]["id"], "title": "South deal"})
    event = await south_rep.data("dealChanged")  # the hidden deal's event was skipped, in order
    assert (event["dealId"], event["deal"]["title"]) == (str(visible.id), "South deal")


async def test_the_filter_selects_deals_by_their_state_after_the_change(db, lives):
    w = await world()
    document = DEALS.replace("dealChanged {", "dealChanged(filter: $filter) {").replace(
        "subscription {", "subscription($filter: DealFilter) {"
    )
    theirs = await subscribe(actor(w["admin"]), document, topics.deals(), filter={"ownerId": [str(w["rep2"].id)]})
    won = await subscribe(actor(w["admin"]), document, topics.deals(), filter={"stageKind": ["WON"]})
    lives.extend([theirs, won])
    await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": "Not theirs"})
    south = await deals.create_deal(actor(w["rep2"]), {"customer_id": w["south"]["id"], "title": "Theirs"})
    assert (await theirs.data("dealChanged"))["deal"]["title"] == "Theirs"
    won_stage = await Stage.get(pipeline__is_default=True, kind="won")
    await deals.move_deal(actor(w["rep2"]), south.id, 1, won_stage.id, None)
    event = await won.data("dealChanged")  # the two creations (open stages) did not match
    assert (event["kind"], event["dealId"]) == ("MOVED", str(south.id))
    assert (await theirs.data("dealChanged"))["kind"] == "MOVED"


async def test_a_malformed_filter_is_refused_at_subscribe(db):
    admin = await make_user(Role.ADMIN)
    document = "subscription { dealChanged(filter: {ownerId: [\"x\"]}) { kind } }"
    gen = await schema.subscribe(document, context_value=Context(actor=actor(admin)))
    result = await asyncio.wait_for(gen.__anext__(), TIMEOUT)
    assert result.errors[0].extensions["code"] in ("NOT_FOUND", "BAD_USER_INPUT")
    assert hub.subscriber_count(topics.deals()) == 0


async def test_visibility_is_checked_once_per_event_and_audience(db, lives):
    w = await world()
    north = await Team.get(id=w["rep"].team_id)
    north_reps = [await make_user(Role.SALES_REP, north) for _ in range(4)]
    watchers = [actor(u) for u in [w["rep"], w["head"], *north_reps]] + [actor(w["admin"])] * 3
    for who in watchers:
        lives.append(await subscribe(who, DEALS, topics.deals()))
    before = deal_fan_out.computed
    await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": "Shared"})
    got = [await live.data("dealChanged") for live in lives]
    assert {e["deal"]["title"] for e in got} == {"Shared"} and len(got) == 9
    assert deal_fan_out.computed - before == 2  # team North, and everyone who sees all


async def test_a_stalled_subscriber_is_closed_while_another_gets_the_whole_burst(db, lives, monkeypatch):
    w = await world()
    monkeypatch.setattr(hub, "queue_size", 3)
    stalled = await subscribe(actor(w["admin"]), DEALS, topics.deals())
    monkeypatch.setattr(hub, "queue_size", 1000)
    reader = await subscribe(actor(w["admin"]), DEALS, topics.deals())
    lives.extend([stalled, reader])
    burst = 12
    for n in range(burst):
        await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": f"Burst {n}"})
    titles = [(await reader.data("dealChanged"))["deal"]["title"] for _ in range(burst)]
    assert titles == [f"Burst {n}" for n in range(burst)]
    # The stalled one read its first event, then nothing: it was closed with a reason, not left to grow.
    assert (await stalled.data("dealChanged"))["deal"]["title"] == "Burst 0"
    closed = await stalled.next()
    assert closed.errors[0].extensions["code"] == "STREAM_CLOSED"
    assert "fell more than 3 events behind" in closed.errors[0].message


async def test_activity_added_checks_the_customer_at_subscribe_and_streams_committed_rows(db, lives):
    w = await world()
    result = await (await schema.subscribe(ACTIVITIES, variable_values={"id": w["north"]["id"]},
                                           context_value=Context(actor=actor(w["rep2"])))).__anext__()
    assert result.errors[0].extensions["code"] == "NOT_FOUND" and result.errors[0].extensions["field"] == "customerId"

    watcher = await subscribe(actor(w["head"]), ACTIVITIES, topics.customer_activities(int(w["north"]["id"])), id=w["north"]["id"])
    lives.append(watcher)
    made = await ok(w["rep"], LOG, input={"kind": "CALL", "title": "Intro", "customerId": w["north"]["id"]})
    event = await watcher.data("activityAdded")
    assert (event["id"], event["title"], event["customer"]["id"]) == (made["logActivity"]["id"], "Intro", w["north"]["id"])
    assert await Activity.exists(id=int(event["id"]))


async def test_notifications_stream_the_users_own_rows(db, lives):
    w = await world()
    mine = await subscribe(actor(w["rep"]), NOTIFICATIONS, topics.notifications(w["rep"].id))
    lives.append(mine)
    await ok(w["head"], LOG, input={
        "kind": "TASK", "title": "Call them back", "customerId": w["north"]["id"], "assigneeId": str(w["rep"].id),
        "dueAt": "2100-01-01T09:00:00Z",
    })
    note = await mine.data("notifications")
    row = await Notification.get(id=int(note["id"]))
    assert (note["kind"], note["entity"], row.user_id) == ("task_assigned", "activity", w["rep"].id)  # type: ignore[attr-defined]
    assert "Call them back" in note["message"]


async def test_a_notification_read_on_one_device_reaches_the_others(db, lives):
    """The bell on the phone updates when the laptop marks a notification read: the stream yields the row
    again, now read."""
    w = await world()
    phone = await subscribe(actor(w["rep"]), "subscription { notifications { id readAt } }",
                            topics.notifications(w["rep"].id))
    lives.append(phone)
    await ok(w["head"], LOG, input={
        "kind": "TASK", "title": "Read me elsewhere", "customerId": w["north"]["id"], "assigneeId": str(w["rep"].id),
        "dueAt": "2100-01-01T09:00:00Z",
    })
    note = await phone.data("notifications")
    assert note["readAt"] is None
    await ok(w["rep"], "mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) "
             "{ unreadCount } }", input={"ids": [note["id"]]})
    again = await phone.data("notifications")
    assert again["id"] == note["id"] and again["readAt"] is not None


async def test_anonymous_subscribers_are_refused(db):
    gen = await schema.subscribe(NOTIFICATIONS, context_value=Context(actor=Actor.anonymous()))
    result = await asyncio.wait_for(gen.__anext__(), TIMEOUT)
    assert result.errors[0].extensions["code"] == "UNAUTHENTICATED"


async def test_revoking_the_token_ends_its_streams_and_the_connection_acts_as_nobody(db, lives):
    w = await world()
    token, secret = await tokens.create(actor(w["rep"]), "laptop")
    as_token = await actor_for_token(secret)
    assert as_token is not None
    watcher = await subscribe(as_token, DEALS, topics.deals())
    other = await subscribe(actor(w["rep"]), DEALS, topics.deals())  # same user, not that token
    lives.extend([watcher, other])
    await tokens.revoke(actor(w["rep"]), token.id)
    ended = await watcher.next()
    assert ended.errors[0].extensions["code"] == "UNAUTHENTICATED"
    assert not watcher.context.actor.signed_in
    with pytest.raises(StopAsyncIteration):
        await watcher.next()
    await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": "Still live"})
    assert (await other.data("dealChanged"))["deal"]["title"] == "Still live"


async def test_a_role_change_ends_every_stream_of_that_user(db, lives):
    w = await world()
    watcher = await subscribe(actor(w["rep"]), NOTIFICATIONS, topics.notifications(w["rep"].id))
    lives.append(watcher)
    version = (await User.get(id=w["rep"].id)).version
    await ok(w["admin"], "mutation($input: UpdateUserInput!) { updateUser(input: $input) { id } }",
             input={"id": str(w["rep"].id), "version": version, "role": "SUPPORT"})
    ended = await watcher.next()
    assert ended.errors[0].extensions["code"] == "UNAUTHENTICATED"


# --- Over a real websocket: uvicorn in a subprocess on the test database, graphql-transport-ws --------

CREATE = "mutation($input: CreateDealInput!) { createDeal(input: $input) { id version } }"
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id version } }"
REVOKE = "mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { id } }"
WS_DEALS = "subscription { dealChanged { kind dealId deal { title stage { id } } fromStageId changedBy { email } } }"


@pytest.fixture
async def server(db: str) -> AsyncIterator[CrmServer]:
    async with crm_servers(1, db) as (one,):
        yield one


async def test_websocket_burst_moves_by_another_user_and_revocation(server, lives):
    w = await world()
    token, secret = await tokens.create(actor(w["head"]), "watcher")
    _, rep_secret = await tokens.create(actor(w["rep"]), "rep's script")
    second = (await stages())[1]
    async with graphql_socket(server.ws_url, secret) as ws:
        await ws.subscribe(WS_DEALS)
        await server.wait_for_subscribers(1)
        made = [
            (await server.graphql(rep_secret, CREATE, input={"customerId": w["north"]["id"], "title": f"Deal {n}"}))["createDeal"]
            for n in range(15)
        ]
        burst = [await ws.next_data("dealChanged") for _ in made]
        assert [(e["kind"], e["deal"]["title"]) for e in burst] == [("CREATED", f"Deal {n}") for n in range(15)]

        await server.graphql(rep_secret, MOVE, input={"id": made[0]["id"], "version": 1, "stageId": str(second.id)})
        moved = await ws.next_data("dealChanged")
        assert (moved["kind"], moved["dealId"], moved["deal"]["stage"]["id"]) == ("MOVED", made[0]["id"], str(second.id))
        assert moved["changedBy"]["email"] == w["rep"].email

        await server.graphql(secret, REVOKE, input={"id": str(token.id)})
        # The stream ends and the socket is closed as Forbidden: nothing more runs on it.
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                message = await ws.receive()
                assert message["type"] != "next" or message["payload"].get("errors"), message
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_signing_out_ends_the_streams_of_that_session_only(db, lives):
    from backend.auth import sessions
    from backend.services import users
    from backend.settings import get_settings

    rep = await make_user(Role.SALES_REP, await make_team())
    signed_in = []
    for _ in range(2):
        session = await sessions.resume(await sessions.start(rep.id, "test", get_settings()), get_settings())
        assert session is not None
        signed_in.append(Actor.for_user(rep, via="ui", session_id=session.id))
    leaving = await subscribe(signed_in[0], NOTIFICATIONS, topics.notifications(rep.id))
    staying = await subscribe(signed_in[1], NOTIFICATIONS, topics.notifications(rep.id))
    lives.extend([leaving, staying])
    await users.sign_out(signed_in[0])
    ended = await leaving.next()
    assert ended.errors[0].extensions["code"] == "UNAUTHENTICATED"
    assert hub.subscriber_count(topics.notifications(rep.id)) == 1  # the other session's stream goes on


SMALL_DEALS = "subscription { dealChanged { kind dealId } }"


async def test_subscribers_who_would_get_the_same_answer_share_one_execution(db, lives):
    w = await world()
    north = await Team.get(id=w["rep"].team_id)
    reps = [w["rep"], *[await make_user(Role.SALES_REP, north) for _ in range(2)]]
    watchers = [(actor(u), DEALS) for u in reps] + [(actor(w["head"]), DEALS)]
    watchers += [(actor(w["admin"]), DEALS)] * 2 + [(actor(w["admin"]), SMALL_DEALS)]
    for who, document in watchers:
        lives.append(await subscribe(who, document, topics.deals()))
    before = event_results.computed
    deal = await deals.create_deal(actor(w["rep"]), {"customer_id": w["north"]["id"], "title": "Once"})
    got = [await live.data("dealChanged") for live in lives]
    assert [e["deal"]["title"] for e in got[:6]] == ["Once"] * 6
    assert got[6] == {"kind": "CREATED", "dealId": str(deal.id)}
    # north reps; the north head (another role); admins with the board's document; the admin's small one
    assert event_results.computed - before == 4


async def test_a_campaign_dashboard_stream_ends_when_its_token_is_revoked(db, lives):
    marketing = await make_user(Role.MARKETING)
    campaign = await make_campaign(marketing)
    token, secret = await tokens.create(actor(marketing), "wall screen")
    as_token = await actor_for_token(secret)
    assert as_token is not None
    watcher = await subscribe(
        as_token, "subscription($id: ID!) { campaignEngagement(campaignId: $id) { kind } }",
        topics.campaign_engagement(int(campaign["id"])), id=campaign["id"],
    )
    lives.append(watcher)
    await tokens.revoke(actor(marketing), token.id)
    ended = await watcher.next()
    assert ended.errors[0].extensions["code"] == "UNAUTHENTICATED"


# --- Rows that leave a subscriber's view: REMOVED (the id to drop), never a silent gap ---------------

REMOVALS = "subscription { dealChanged { kind dealId deal { id } } }"


def kinds(events: list[dict[str, Any]]) -> set[tuple[str, str, Any]]:
    return {(e["kind"], e["dealId"], e["deal"]) for e in events}


async def test_a_customer_reassigned_to_another_team_removes_its_deals_from_the_old_teams_view(db, lives):
    w = await world()
    deal = await deals.create_deal(actor(w["admin"]), {"customer_id": w["north"]["id"], "title": "Admin's"})
    rep = await subscribe(actor(w["rep"]), REMOVALS, topics.deals())
    rep2 = await subscribe(actor(w["rep2"]), REMOVALS, topics.deals())
    admin = await subscribe(actor(w["admin"]), REMOVALS, topics.deals())
    lives.extend([rep, rep2, admin])
    await ok(w["admin"], "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
             input={"id": w["north"]["id"], "version": w["north"]["version"], "accountManagerId": str(w["rep2"].id)})
    assert await rep.data("dealChanged") == {"kind": "REMOVED", "dealId": str(deal.id), "deal": None}
    # The others still see it: the next thing they hear is the next change, not a removal.
    await deals.update_deal(actor(w["admin"]), deal.id, 1, {"title": "Still there"})
    assert (await rep2.data("dealChanged"))["kind"] == "UPDATED"
    assert (await admin.data("dealChanged"))["kind"] == "UPDATED"


async def linked_through_a_deal(lives: list[Live]) -> tuple[dict[str, Any], Deal, Deal, Live]:
    """A South customer that North's rep sees only through the deal `link` they own; rep subscribed."""
    w = await world()
    theirs = await deals.create_deal(actor(w["rep2"]), {"customer_id": w["south"]["id"], "title": "South's own"})
    link = await deals.create_deal(actor(w["admin"]), {"customer_id": w["south"]["id"], "title": "North's link",
                                                       "owner_id": w["rep"].id})
    rep = await subscribe(actor(w["rep"]), REMOVALS, topics.deals())
    lives.append(rep)
    return w, theirs, link, rep


async def test_a_deal_handed_to_another_team_removes_what_it_made_visible(db, lives):
    w, theirs, link, rep = await linked_through_a_deal(lives)
    await deals.update_deal(actor(w["admin"]), link.id, 1, {"owner_id": w["rep2"].id})
    # North saw the South customer only through its member's deal: both its deals leave North's view.
    removed = [await rep.data("dealChanged") for _ in range(2)]
    assert kinds(removed) == {("REMOVED", str(link.id), None), ("REMOVED", str(theirs.id), None)}


async def test_deleting_the_deal_that_made_a_customer_visible_tells_who_saw_it(db, lives):
    w, theirs, link, rep = await linked_through_a_deal(lives)
    await ok(w["admin"], "mutation($input: DeleteDealInput!) { deleteDeal(input: $input) { id } }",
             input={"id": str(link.id), "version": 1})
    events = [await rep.data("dealChanged") for _ in range(2)]
    assert kinds(events) == {("DELETED", str(link.id), None), ("REMOVED", str(theirs.id), None)}


async def test_moving_a_rep_to_another_team_removes_their_customers_from_the_old_team(db, lives):
    w = await world()
    deal = await deals.create_deal(actor(w["admin"]), {"customer_id": w["north"]["id"], "title": "Managed by rep"})
    head = await subscribe(actor(w["head"]), REMOVALS, topics.deals())
    lives.append(head)
    rep = await User.get(id=w["rep"].id)
    await ok(w["admin"], "mutation($input: UpdateUserInput!) { updateUser(input: $input) { id } }",
             input={"id": str(rep.id), "version": rep.version, "teamId": str(w["rep2"].team_id)})
    assert await head.data("dealChanged") == {"kind": "REMOVED", "dealId": str(deal.id), "deal": None}


async def test_an_activity_stream_ends_when_its_customer_leaves_the_subscribers_view(db, lives):
    w = await world()
    watcher = await subscribe(actor(w["head"]), ACTIVITIES, topics.customer_activities(int(w["north"]["id"])),
                              id=w["north"]["id"])
    lives.append(watcher)
    await ok(w["admin"], "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
             input={"id": w["north"]["id"], "version": w["north"]["version"], "accountManagerId": str(w["rep2"].id)})
    ended = await watcher.next()
    assert ended.errors[0].extensions["code"] == "NOT_FOUND" and ended.errors[0].extensions["field"] == "customerId"
