"""Hostile queries are refused before they run, with QUERY_TOO_COMPLEX naming the limit."""

from backend.models import Role
from backend.schema.limits import MAX_ALIASES, MAX_COST, MAX_DEPTH, MAX_TOKENS
from tests.factories import error, make_user, ok


async def test_hundred_by_hundred_by_hundred_is_refused(db):
    admin = await make_user(Role.ADMIN)
    query = """{ customers(first: 100) { edges { node {
        deals { customer { activities(first: 50) { deal { activities(first: 50) { title } } } } } } } } }"""
    err = await error(admin, query)
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_COST and err["value"] > MAX_COST


async def test_depth_limit(db):
    admin = await make_user(Role.ADMIN)
    nested = "customer { " * 10
    query = "{ customers(first: 1) { edges { node { deals { " + nested + "id" + " }" * 10 + " } } } } }"
    err = await error(admin, query)
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_DEPTH and err["value"] > MAX_DEPTH


async def test_aliases_counted_through_fragments(db):
    admin = await make_user(Role.ADMIN)
    aliases = " ".join(f"a{i}: totalCount" for i in range(20))
    query = "{ x: customers(first: 1) { ...F } y: customers(first: 1) { ...F } } fragment F on CustomerConnection { " + aliases + " }"
    err = await error(admin, query)
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_ALIASES and err["value"] > MAX_ALIASES


async def test_token_limit(db):
    admin = await make_user(Role.ADMIN)
    query = "{ customers(first: 1) { totalCount " + "totalCount " * MAX_TOKENS + "} }"
    err = await error(admin, query)
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_TOKENS and err["value"] > MAX_TOKENS


async def test_ordinary_nested_query_passes(db):
    admin = await make_user(Role.ADMIN)
    data = await ok(admin, "{ customers(first: 100) { edges { node { contacts { name } deals { title } activities(first: 5) { title } } } } }")
    assert data["customers"]["edges"] == []


async def test_unexpected_errors_are_masked_with_a_request_id(db, monkeypatch):
    from backend.services import customers

    def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(customers, "visible", broken)
    admin = await make_user(Role.ADMIN)
    err = await error(admin, '{ customer(id: "1") { name } }')
    assert err["code"] == "INTERNAL" and err["requestId"]
    assert "secret" not in err["message"] and "SELECT" not in err["message"]


async def test_introspection_can_be_switched_off(db):
    from backend.schema.context import Context
    from backend.schema.root import build_schema
    from tests.factories import actor

    admin = await make_user(Role.ADMIN)
    closed = build_schema(introspection=False)
    result = await closed.execute("{ __schema { types { name } } }", context_value=Context(actor=actor(admin)))
    assert result.errors and "introspection" in result.errors[0].message.lower()
    opened = await build_schema(introspection=True).execute("{ __schema { queryType { name } } }")
    assert opened.data == {"__schema": {"queryType": {"name": "Query"}}}
