"""A document is parsed and validated once; every later request of it gets the same verdict."""

from __future__ import annotations

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from backend.graphql.documents import DOCUMENTS_KEPT
from backend.graphql.limits import MAX_COST
from backend.models import Role
from tests.factories import error, make_customer, make_user, ok

LIST = "query($n: Int, $q: String) { customers(first: $n, search: $q) { edges { node { name } } } }"


async def test_a_document_is_parsed_and_validated_once(db):
    admin = await make_user(Role.ADMIN)
    await make_customer(admin, name="Acme Rockets")
    await ok(admin, LIST, n=5)
    parsed, validated = _get_parse_cache(DOCUMENTS_KEPT).cache_info(), _get_validate_cache(DOCUMENTS_KEPT).cache_info()
    data = await ok(admin, LIST, n=1, q="rock")
    assert [e["node"]["name"] for e in data["customers"]["edges"]] == ["Acme Rockets"]  # its own variables
    assert _get_parse_cache(DOCUMENTS_KEPT).cache_info().hits == parsed.hits + 1
    assert _get_validate_cache(DOCUMENTS_KEPT).cache_info().hits == validated.hits + 1


async def test_refusals_hold_for_every_request_of_a_document(db):
    admin = await make_user(Role.ADMIN)
    costly = """{ customers(first: 100) { edges { node {
        deals { customer { activities(first: 50) { deal { activities(first: 50) { title } } } } } } } } }"""
    for _ in range(2):
        assert (await error(admin, costly))["limit"] == MAX_COST
        assert await error(admin, "{ customers(first: ) }") == {
            "code": "BAD_USER_INPUT", "field": "query", "message": "Syntax Error: Unexpected ')'."}
        assert (await error(admin, "{ customers { nope } }"))["field"] == "query"
