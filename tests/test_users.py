"""Users and teams through the schema: me, the users list, teams, and the admin's updateUser."""

from __future__ import annotations

import pytest

from backend.models import AuditEntry, Role, Session, User
from backend.permissions import allowed_actions
from tests.factories import actor, error, gql, make_team, make_user, ok
from tests.oidc import access_revocations

UPDATE = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { id version role active name timeZone team { name } } }"
USERS = (
    "query($filter: UserFilter, $first: Int, $after: String, $orderBy: UserOrder) "
    "{ users(filter: $filter, first: $first, after: $after, orderBy: $orderBy) "
    "{ totalCount edges { node { email } } pageInfo { hasNextPage endCursor } } }"
)


async def test_me_shows_role_team_and_allowed_actions(db):
    team = await make_team("North")
    head = await make_user(Role.SALES_HEAD, team=team, email="head@example.com")
    me = (await ok(head, "{ me { email role team { name } allowedActions apiTokens { id } } }"))["me"]
    assert (me["email"], me["role"], me["team"], me["apiTokens"]) == ("head@example.com", "SALES_HEAD", {"name": "North"}, [])
    assert me["allowedActions"] == allowed_actions(actor(head)) and "readAuditLog" in me["allowedActions"]
    assert "updateUser" not in me["allowedActions"]


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_lists_colleagues(db, role):
    await make_user(Role.ADMIN, email="a@example.com")
    viewer = await make_user(role, email="viewer@example.com")
    emails = [e["node"]["email"] for e in (await ok(viewer, USERS))["users"]["edges"]]
    assert sorted(emails) == ["a@example.com", "viewer@example.com"]


async def test_users_filter_search_order_and_pages(db):
    north, south = await make_team("North"), await make_team("South")
    await make_user(Role.SALES_REP, team=north, email="ann@example.com")
    await make_user(Role.SALES_REP, team=south, email="bob@example.com")
    admin = await make_user(Role.ADMIN, email="carl@example.com")
    quiet = await make_user(Role.SUPPORT, email="dora@example.com")
    await ok(admin, UPDATE, input={"id": str(quiet.id), "version": 1, "active": False})

    async def emails(**variables):
        return [e["node"]["email"] for e in (await ok(admin, USERS, **variables))["users"]["edges"]]

    assert await emails(filter={"role": ["SALES_REP"]}) == ["ann@example.com", "bob@example.com"]
    assert await emails(filter={"teamId": [str(south.id)]}) == ["bob@example.com"]
    assert await emails(filter={"active": False}) == ["dora@example.com"]
    assert await emails(filter={"search": "CAR"}) == ["carl@example.com"]
    assert await emails(orderBy={"field": "EMAIL", "direction": "DESC"}) == [
        "dora@example.com", "carl@example.com", "bob@example.com", "ann@example.com"
    ]
    first = (await ok(admin, USERS, first=3, orderBy={"field": "EMAIL"}))["users"]
    assert first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"]
    rest = await emails(first=3, after=first["pageInfo"]["endCursor"], orderBy={"field": "EMAIL"})
    assert rest == ["dora@example.com"]


async def test_teams_are_listed_by_name(db):
    await make_team("South")
    await make_team("North")
    rep = await make_user(Role.SALES_REP)
    assert [t["name"] for t in (await ok(rep, "{ teams { id name } }"))["teams"]] == ["North", "South"]


async def test_admin_changes_role_team_name_and_time_zone_with_audit_and_event(db):
    admin = await make_user(Role.ADMIN)
    team = await make_team("South")
    rep = await make_user(Role.SALES_REP)
    async with access_revocations() as next_event:
        updated = (await ok(admin, UPDATE, input={
            "id": str(rep.id), "version": 1, "role": "SALES_HEAD", "teamId": str(team.id),
            "name": "Renamed", "timeZone": "Europe/Berlin",
        }))["updateUser"]
        event = await next_event()
    assert updated == {
        "id": str(rep.id), "version": 2, "role": "SALES_HEAD", "active": True, "name": "Renamed",
        "timeZone": "Europe/Berlin", "team": {"name": "South"},
    }
    assert event.kind == "user.access_changed" and event.payload == {"user_id": rep.id}
    entry = await AuditEntry.get(action="user.update", entity_id=str(rep.id))
    assert entry.actor_id == admin.id and entry.changes["role"] == ["sales_rep", "sales_head"]
    assert entry.changes["team_id"] == [None, team.id] and entry.changes["time_zone"] == ["UTC", "Europe/Berlin"]


async def test_only_admins_update_users(db):
    head = await make_user(Role.SALES_HEAD)
    rep = await make_user(Role.SALES_REP)
    for who in (head, rep):
        assert (await error(who, UPDATE, input={"id": str(rep.id), "version": 1, "name": "x"}))["code"] == "FORBIDDEN"
    assert (await User.get(id=rep.id)).version == 1 and await AuditEntry.all().count() == 0


async def test_update_user_validation(db):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)

    async def failure(**changes):
        err = await error(admin, UPDATE, input={"id": str(rep.id), "version": 1, **changes})
        return err["code"], err.get("field")

    assert await failure(timeZone="Mars/Olympus") == ("BAD_USER_INPUT", "timeZone")
    assert await failure(name="  ") == ("BAD_USER_INPUT", "name")
    assert await failure(teamId="424242") == ("NOT_FOUND", "teamId")
    assert await failure(active=None) == ("BAD_USER_INPUT", "active")
    assert (await error(admin, UPDATE, input={"id": "424242", "version": 1, "name": "x"}))["code"] == "NOT_FOUND"
    await ok(admin, UPDATE, input={"id": str(rep.id), "version": 1, "name": "First"})
    stale = await error(admin, UPDATE, input={"id": str(rep.id), "version": 1, "name": "Lost"})
    assert stale["code"] == "CONFLICT" and stale["currentVersion"] == 2
    assert (await User.get(id=rep.id)).name == "First" and await AuditEntry.all().count() == 1


async def test_admins_cannot_lock_themselves_out(db):
    admin = await make_user(Role.ADMIN)
    own = {"id": str(admin.id), "version": 1}
    assert (await error(admin, UPDATE, input={**own, "active": False}))["field"] == "active"
    assert (await error(admin, UPDATE, input={**own, "role": "SALES_REP"}))["field"] == "role"
    assert (await error(admin, UPDATE, input={**own, "role": None}))["field"] == "role"


async def test_removing_a_role_leaves_a_signed_in_user_without_rights(db):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    await ok(admin, UPDATE, input={"id": str(rep.id), "version": 1, "role": None})
    demoted = await User.get(id=rep.id)
    assert demoted.role is None
    assert (await error(demoted, "{ me { email } }"))["code"] == "FORBIDDEN"


async def test_deactivation_ends_every_session(db):
    from backend.auth import sessions
    from backend.settings import get_settings

    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    cookies = [await sessions.start(rep.id, "test", get_settings()) for _ in range(2)]
    await ok(admin, UPDATE, input={"id": str(rep.id), "version": 1, "active": False})
    assert await Session.filter(user_id=rep.id, ended_at=None).count() == 0
    assert [await sessions.resume(c, get_settings()) for c in cookies] == [None, None]


async def test_anonymous_is_unauthenticated(db):
    from backend.auth.actor import Actor

    for query in ("{ me { email } }", "{ users { totalCount } }", "{ teams { id } }"):
        assert (await error(Actor.anonymous(), query))["code"] == "UNAUTHENTICATED"


async def test_a_team_shows_its_head(db):
    from backend.models import Role
    from tests.factories import make_team, make_user, ok

    north = await make_team("North")
    head = await make_user(Role.SALES_HEAD, team=north)
    await make_user(Role.SALES_REP, team=north)
    await make_team("South")
    data = await ok(head, "{ teams { name head { email } } }")
    heads = {team["name"]: team["head"] for team in data["teams"]}
    assert heads == {"North": {"email": head.email}, "South": None}


ASSIGNABLE = "query($p: AssignmentPurpose!) { users(first: 100, filter: {assignableFor: $p}) { edges { node { id } } } }"


async def test_assignable_users_are_exactly_those_the_write_path_accepts(db):
    """The pickers ask users(filter: {assignableFor: …}); the services accept the same people (one rule)."""
    north, south = await make_team("North"), await make_team("South")
    people = [
        await make_user(Role.ADMIN), await make_user(Role.SALES_HEAD, north), await make_user(Role.SALES_REP, north),
        await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south), await make_user(Role.SUPPORT),
        await make_user(Role.MARKETING), await make_user(Role.SALES_REP), await make_user(None, north),
    ]
    gone = await make_user(Role.SALES_REP, north)
    await User.filter(id=gone.id).update(active=False)
    create = "mutation($m: ID) { createCustomer(input: {name: \"C\", email: \"c@x.example\", accountManagerId: $m}) { id } }"
    task = "mutation($a: ID) { logActivity(input: {kind: TASK, title: \"T\", dueAt: \"2030-01-01T09:00:00Z\", assigneeId: $a}) { id } }"
    checks = {"ACCOUNT_MANAGER": ("createCustomer", create, "m"), "TASK": ("logActivity", task, "a")}
    for viewer in people[:-1]:
        for purpose, (action, document, variable) in checks.items():
            listed = {int(e["node"]["id"]) for e in (await ok(viewer, ASSIGNABLE, p=purpose))["users"]["edges"]}
            if action not in allowed_actions(actor(viewer)):
                assert listed <= {viewer.id}, (viewer.role, purpose)
                continue
            accepted = {p.id for p in [*people, gone] if (await gql(viewer, document, **{variable: str(p.id)})).errors is None}
            assert listed == accepted, (viewer.role, viewer.team_id, purpose)
    rep_north = people[2]
    listed = {int(e["node"]["id"]) for e in (await ok(rep_north, ASSIGNABLE, p="ACCOUNT_MANAGER"))["users"]["edges"]}
    assert listed == {people[1].id, people[2].id, people[3].id}
