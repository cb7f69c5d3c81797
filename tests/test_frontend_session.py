"""The UI's websocket (ReactPy) keeps its user's sign-in from the page load: every operation the UI runs
re-checks it, and an open UI learns within the periodic re-check that its rights ended or changed
(frontend/app.py then reloads: to sign-in, or the same page with the new role)."""

from __future__ import annotations

import asyncio

import pytest

from backend.auth import sessions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.broadcast import hub
from backend.models import Role, User
from backend.services import deals, users
from backend.settings import get_settings
from frontend import gql
from frontend.session import until_access_changes
from tests.factories import actor, make_customer, make_team, make_user
from tests.test_liveness import no_pubsub

__all__ = ["no_pubsub"]

UPDATE_USER = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { id role } }"


async def ui_actor(user: User) -> Actor:
    """The actor the UI's websocket holds: its user as signed in, and the session of the cookie."""
    cookie = await sessions.start(user.id, "test", get_settings())
    return Actor.for_user(user, via="ui", session_id=sessions.session_id(cookie))


async def test_a_signed_out_ui_runs_nothing_more(db):
    rep = await make_user(Role.SALES_REP)
    who = await ui_actor(rep)
    assert (await gql.execute(who, "{ me { email } }"))["me"]["email"] == rep.email
    await users.sign_out(who)
    with pytest.raises(gql.GqlError) as refused:
        await gql.execute(who, "{ me { email } }")
    assert refused.value.code == "UNAUTHENTICATED"


async def test_a_demoted_admins_open_ui_cannot_update_users(db):
    boss, admin, other = await make_user(Role.ADMIN), await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    who = await ui_actor(admin)
    await users.update_user(actor(boss), admin.id, admin.version, {"role": Role.SALES_REP})
    with pytest.raises(gql.GqlError) as refused:
        await gql.execute(who, UPDATE_USER, input={"id": str(other.id), "version": other.version, "role": "ADMIN"})
    assert refused.value.code in ("UNAUTHENTICATED", "FORBIDDEN")
    assert (await User.get(id=other.id)).role is Role.SALES_REP


@pytest.mark.parametrize("change", ["sign_out", "deactivate", "demote"])
async def test_an_open_ui_learns_that_its_rights_changed_without_pubsub(db, no_pubsub, change):
    boss, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_HEAD)
    who = await ui_actor(rep)
    waiting = asyncio.ensure_future(until_access_changes(who))
    if change == "sign_out":
        await users.sign_out(who)
    else:
        values = {"active": False} if change == "deactivate" else {"role": Role.SALES_REP}
        await users.update_user(actor(boss), rep.id, rep.version, values)
    reason = await asyncio.wait_for(waiting, 10)
    assert ("role or team" in reason) == (change == "demote")


async def test_an_open_ui_stream_delivers_nothing_once_its_rights_are_found_ended(db, no_pubsub):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP, await make_team())
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    who = await ui_actor(rep)
    waiting = asyncio.ensure_future(until_access_changes(who))  # the open page's watch
    stream = gql.subscribe(who, "subscription { dealChanged { kind dealId } }")
    first = asyncio.ensure_future(anext(stream))
    await asyncio.wait_for(hub.wait_for_subscribers(topics.deals()), 10)
    await users.sign_out(who)
    await asyncio.wait_for(waiting, 10)  # found by the periodic re-check (the pub/sub message was lost)
    await deals.create_deal(actor(rep), {"customer_id": customer["id"], "title": "Not for a signed-out page"})
    with pytest.raises(gql.GqlError) as ended:
        await asyncio.wait_for(first, 10)
    assert ended.value.code == "UNAUTHENTICATED"
    await stream.aclose()
