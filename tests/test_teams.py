"""Teams (createTeam, updateTeam, members) and the API-token list (apiTokens) through the schema."""

from __future__ import annotations

from backend.models import AuditEntry, Role, Team
from backend.services import tokens
from tests.factories import actor, error, make_team, make_user, ok

CREATE = "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id name members { email } } }"
UPDATE = "mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { id name } }"
TEAMS = "{ teams { name head { email } members { email active } } }"
TOKENS = (
    "query($filter: ApiTokenFilter) { apiTokens(first: 50, filter: $filter) "
    "{ totalCount edges { node { name revokedAt user { email } } } } }"
)


async def test_admins_create_and_rename_teams_with_an_audit_entry(db):
    admin = await make_user(Role.ADMIN)
    created = (await ok(admin, CREATE, input={"name": "  West "}))["createTeam"]
    assert (created["name"], created["members"]) == ("West", [])
    renamed = (await ok(admin, UPDATE, input={"id": created["id"], "name": "West Coast"}))["updateTeam"]
    assert renamed == {"id": created["id"], "name": "West Coast"}
    assert [(e.action, e.changes) for e in await AuditEntry.filter(entity="team").order_by("id")] == [
        ("team.create", {"name": [None, "West"]}), ("team.update", {"name": ["West", "West Coast"]})]


async def test_team_names_are_required_and_unique_and_only_admins_change_them(db):
    admin = await make_user(Role.ADMIN)
    north = await make_team("North")
    for values in ({"name": ""}, {"name": "north"}, {"name": "x" * 101}):
        found = await error(admin, CREATE, input=values)
        assert (found["code"], found["field"]) == ("BAD_USER_INPUT", "name"), values
    found = await error(admin, UPDATE, input={"id": "424242", "name": "South"})
    assert (found["code"], found["field"]) == ("NOT_FOUND", "id")
    head = await make_user(Role.SALES_HEAD, team=north)
    assert (await error(head, CREATE, input={"name": "Mine"}))["code"] == "FORBIDDEN"
    assert (await error(head, UPDATE, input={"id": str(north.id), "name": "Mine"}))["code"] == "FORBIDDEN"
    assert [t.name for t in await Team.all()] == ["North"]
    assert await AuditEntry.filter(entity="team").count() == 0


async def test_teams_show_their_members_and_head(db):
    north = await make_team("North")
    head = await make_user(Role.SALES_HEAD, team=north, email="head@example.com")
    await make_user(Role.SALES_REP, team=north, email="rep@example.com")
    await make_user(Role.ADMIN, email="admin@example.com")
    teams = (await ok(head, TEAMS))["teams"]
    assert teams == [{"name": "North", "head": {"email": "head@example.com"},
                      "members": [{"email": "head@example.com", "active": True}, {"email": "rep@example.com", "active": True}]}]


async def test_everyone_lists_their_own_tokens_and_admins_everyones(db):
    admin = await make_user(Role.ADMIN, email="admin@example.com")
    rep = await make_user(Role.SALES_REP, email="rep@example.com")
    await tokens.create(actor(admin), "admin laptop")
    old, _ = await tokens.create(actor(rep), "old script")
    await tokens.create(actor(rep), "script")
    await tokens.revoke(actor(rep), old.id)

    def shown(data):
        return [(e["node"]["name"], e["node"]["user"]["email"], e["node"]["revokedAt"] is not None)
                for e in data["apiTokens"]["edges"]]

    assert shown(await ok(rep, TOKENS)) == [("script", "rep@example.com", False), ("old script", "rep@example.com", True)]
    assert shown(await ok(rep, TOKENS, filter={"working": True})) == [("script", "rep@example.com", False)]
    assert [n for n, _, _ in shown(await ok(admin, TOKENS))] == ["script", "old script", "admin laptop"]
    assert shown(await ok(admin, TOKENS, filter={"userId": str(admin.id)})) == [("admin laptop", "admin@example.com", False)]
    assert shown(await ok(rep, TOKENS, filter={"userId": str(admin.id)})) == []  # not theirs to see
