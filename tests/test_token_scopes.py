"""Scoped API tokens (issue 21): a token's scopes narrow, never widen, its user's rights, decided in
permissions.may; an expired token is refused like a revoked one, over HTTP and on open connections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.auth import liveness
from backend.auth.actor import Actor
from backend.auth.callers import callers
from backend.errors import Forbidden
from backend.models import ALL_SCOPES, ApiToken, AuditEntry, ImportJob, Role, Stage
from backend.permissions import ACTION_SCOPES, Action, may
from backend.services import imports
from backend.web.requests import actor_for_token
from tests.factories import error, make_customer, make_deal, make_user, ok
from tests.oidc import browser, crm_app, error_code, graphql, issuer

__all__ = ["crm_app", "issuer"]

CREATE = (
    "mutation($input: CreateApiTokenInput!) "
    "{ createApiToken(input: $input) { token apiToken { id scopes expiresAt lastUsedAt } } }"
)
CUSTOMERS = "{ customers(first: 5) { totalCount edges { node { id name } } } }"
CREATE_CUSTOMER = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
UPDATE_CUSTOMER = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }"
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id stage { name } } }"
CREATE_DEAL = "mutation($input: CreateDealInput!) { createDeal(input: $input) { id } }"


async def token_actor(user: object, **input: object) -> tuple[Actor, dict[str, object]]:
    made = (await ok(user, CREATE, input={"name": f"t{datetime.now(UTC).timestamp()}", **input}))["createApiToken"]
    who = await actor_for_token(made["token"])
    assert who is not None
    return who, made


def test_every_action_needs_one_scope():
    assert set(ACTION_SCOPES) == set(Action)


async def test_a_token_made_without_scopes_has_them_all_and_existing_rows_default_to_all(db):
    rep = await make_user(Role.SALES_REP)
    who, made = await token_actor(rep)
    assert made["apiToken"]["scopes"] == [s.upper() for s in ALL_SCOPES] and made["apiToken"]["expiresAt"] is None
    assert who.scopes == frozenset(ALL_SCOPES)
    await ok(who, CREATE_CUSTOMER, input={"name": "Full Rights Ltd", "email": "full@example.com"})


async def test_a_read_only_token_queries_but_cannot_mutate(db):
    rep = await make_user(Role.SALES_REP)
    customer = await make_customer(rep, name="Alpine Dairy")
    who, made = await token_actor(rep, scopes=["READ"])
    assert made["apiToken"]["scopes"] == ["READ"]
    listed = (await ok(who, CUSTOMERS))["customers"]
    assert [e["node"]["name"] for e in listed["edges"]] == ["Alpine Dairy"]
    before = await AuditEntry.all().count()
    refused = await error(who, CREATE_CUSTOMER, input={"name": "Nope Ltd", "email": "nope@example.com"})
    assert refused["code"] == "FORBIDDEN" and "scope" in refused["message"]
    refused = await error(who, UPDATE_CUSTOMER, input={"id": customer["id"], "version": customer["version"], "name": "X"})
    assert refused["code"] == "FORBIDDEN"
    assert await AuditEntry.all().count() == before
    actions = (await ok(who, "{ me { allowedActions } }"))["me"]["allowedActions"]
    assert "readReports" in actions and "createCustomer" not in actions and "moveDeal" not in actions


async def test_a_deals_token_moves_a_deal_but_does_not_edit_the_customer(db):
    rep = await make_user(Role.SALES_REP)
    customer = await make_customer(rep)
    deal = await make_deal(rep, customer["id"])
    who, _ = await token_actor(rep, scopes=["DEALS"])
    won = await Stage.get(pipeline__is_default=True, name="Qualified")
    moved = (await ok(who, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": str(won.id)}))
    assert moved["moveDeal"]["stage"]["name"] == "Qualified"
    refused = await error(who, UPDATE_CUSTOMER, input={"id": customer["id"], "version": customer["version"], "name": "X"})
    assert refused["code"] == "FORBIDDEN"


async def test_scopes_never_exceed_the_users_role(db):
    marketing = await make_user(Role.MARKETING)
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    who, _ = await token_actor(marketing, scopes=["DEALS", "CUSTOMERS"])
    refused = await error(who, CREATE_DEAL, input={"title": "Not mine", "customerId": customer["id"]})
    assert refused["code"] == "FORBIDDEN"
    refused = await error(who, CREATE_CUSTOMER, input={"name": "Nope", "email": "nope@example.com"})
    assert refused["code"] == "FORBIDDEN"


async def test_an_admin_token_without_the_admin_scope_cannot_erase_or_export(db):
    admin = await make_user(Role.ADMIN)
    who, _ = await token_actor(admin, scopes=["CUSTOMERS"])
    refused = await error(who, "mutation { erasePerson(input: {email: \"a@example.com\"}) { rows } }")
    assert refused["code"] == "FORBIDDEN"
    refused = await error(who, "{ exportPersonData(email: \"a@example.com\") }")
    assert refused["code"] == "FORBIDDEN"


async def test_scopes_and_expiry_are_checked(db):
    rep = await make_user(Role.SALES_REP)
    bare = (await ok(rep, CREATE, input={"name": "x", "scopes": []}))["createApiToken"]
    assert bare["apiToken"]["scopes"] == ["READ"]  # READ is every token's floor
    past = await error(rep, CREATE, input={"name": "y", "expiresAt": "2020-01-01T00:00:00Z"})
    assert (past["code"], past["field"]) == ("BAD_USER_INPUT", "expiresAt")
    assert await ApiToken.filter(name="y").count() == 0


async def test_an_expired_token_is_refused_like_a_revoked_one(crm_app):
    rep = await make_user(Role.SALES_REP)
    soon = datetime.now(UTC) + timedelta(hours=1)
    made = (await ok(rep, CREATE, input={"name": "temp", "expiresAt": soon.isoformat()}))["createApiToken"]
    assert made["apiToken"]["expiresAt"] is not None
    opened = await actor_for_token(made["token"])
    assert opened is not None
    await ApiToken.filter(id=int(made["apiToken"]["id"])).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    await callers.recheck()  # the held token sees the row's edit at its re-check (each second)
    assert await actor_for_token(made["token"]) is None
    now, why = await liveness.recheck(opened)  # an open websocket's next operation
    assert now is None and why == liveness.ENDED
    async with browser(crm_app) as client:
        answer = await graphql(client, "{ me { email } }", headers={"Authorization": f"Bearer {made['token']}"})
        assert error_code(answer) == "UNAUTHENTICATED"
    working = (await ok(rep, "{ apiTokens(filter: {working: true}) { totalCount } me { apiTokens { id } } }"))
    assert working["apiTokens"]["totalCount"] == 0 and working["me"]["apiTokens"] == []



async def test_an_import_started_by_a_token_runs_within_its_scopes(db, tmp_path: Path):
    rep = await make_user(Role.SALES_REP)
    who, _ = await token_actor(rep, scopes=["CUSTOMERS"])
    sheet = tmp_path / "people.csv"
    sheet.write_text("name,email\nAda Ltd,ada@example.com\n")
    with pytest.raises(Forbidden):
        await imports.create_job(who, "deals", "deals.csv", sheet)
    job = await imports.create_job(who, "customers", "people.csv", sheet)
    assert (await ImportJob.get(id=job.id)).scopes == ["customers", "read"]
    runner = await imports.run_actor(job)
    assert may(runner, Action.CREATE_CUSTOMER) and not may(runner, Action.CREATE_DEAL)
    from_session = await imports.create_job(Actor.for_user(rep, via="ui"), "customers", "people.csv", sheet)
    assert from_session.scopes is None and (await imports.run_actor(from_session)).scopes is None
