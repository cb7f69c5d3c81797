"""Hostile queries are refused before they run, with QUERY_TOO_COMPLEX naming the limit."""

import pytest
from graphql import get_introspection_query
from strawberry.extensions.validation_cache import _get_validate_cache

from backend.auth.actor import Actor
from backend.errors import QueryTooComplex
from backend.graphql import limits
from backend.graphql.documents import DOCUMENTS_KEPT
from backend.graphql.limits import MAX_ALIASES, MAX_COST, MAX_DEPTH, MAX_FIRST, MAX_SCHEMA_COST, MAX_TOKENS
from backend.graphql.root import build_schema, schema
from backend.models import Role
from backend.reads.context import Context
from backend.reads.paging import page_size
from tests.factories import actor, error, make_user, ok

ANONYMOUS = Actor.anonymous()
# GraphiQL's own first query (GraphiQL 3 asks for every option graphql-core knows of)
GRAPHIQL_INTROSPECTION = get_introspection_query(
    descriptions=True, specified_by_url=True, directive_is_repeatable=True, schema_description=True,
    input_value_deprecation=True,
)


def fragment_bomb(count: int) -> str:
    """`count` fragments, each spreading the next twice: 2^count selections once written out."""
    fragments = [f"fragment F{i} on Customer {{ ...F{i + 1} ...F{i + 1} }}" for i in range(count - 1)]
    fragments.append(f"fragment F{count - 1} on Customer {{ name }}")
    return "{ customers(first: 1) { edges { node { ...F0 } } } } " + " ".join(fragments)


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
    data = await ok(
        admin, "{ customers(first: 100) { edges { node { contacts { name } deals { title } activities(first: 5) { title } } } } }"
    )
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
    admin = await make_user(Role.ADMIN)
    closed = build_schema(introspection=False)
    result = await closed.execute("{ __schema { types { name } } }", context_value=Context(actor=actor(admin)))
    assert result.errors and "introspection" in result.errors[0].message.lower()
    opened = await build_schema(introspection=True).execute("{ __schema { queryType { name } } }",
                                                            context_value=Context(actor=actor(admin)))
    assert opened.data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_fragments_are_measured_once_however_often_they_spread(db, monkeypatch):
    """30 fragments that each spread the next twice: checking takes steps in proportion to the document
    (counted at each field the walker looks at), not to its 2^30 written-out fields."""
    steps = 0
    looked_at = limits._unwrap

    def counted(type_):  # type: ignore[no-untyped-def]
        nonlocal steps
        steps += 1
        if steps > 1_000:
            raise AssertionError("the walker re-walks fragments: steps grow with the expansion")
        return looked_at(type_)

    monkeypatch.setattr(limits, "_unwrap", counted)
    admin = await make_user(Role.ADMIN)
    err = await error(admin, fragment_bomb(30))
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_COST and err["value"] > 2**29
    assert steps < 100


async def test_introspection_aliases_count(db):
    admin = await make_user(Role.ADMIN)
    query = "{ __schema { " + " ".join(f"t{i}: types {{ name fields {{ name }} }}" for i in range(115)) + " } }"
    err = await error(admin, query)
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_ALIASES and err["value"] == 115


async def test_introspection_lists_multiply_like_any_list(db):
    admin = await make_user(Role.ADMIN)
    nested = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"
    err = await error(admin, nested)
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_SCHEMA_COST and err["value"] > MAX_SCHEMA_COST
    twice = GRAPHIQL_INTROSPECTION.replace("__schema {", "again: __schema { types { ...FullType } } __schema {", 1)
    err = await error(admin, twice)
    assert err["code"] == "QUERY_TOO_COMPLEX" and err["limit"] == MAX_SCHEMA_COST


@pytest.mark.parametrize("query", [
    "{ __schema { queryType { name } } }",
    '{ __type(name: "Customer") { fields { name } } }',
    "query { ...Q } fragment Q on Query { ... on Query { __schema { types { name } } } }",
])
async def test_anonymous_callers_may_not_introspect(db, query):
    result = await build_schema(introspection=True).execute(query, context_value=Context(actor=ANONYMOUS))
    assert result.data is None
    assert result.errors[0].extensions["code"] == "UNAUTHENTICATED"
    assert "schema" in result.errors[0].message


async def test_anyone_may_ask_for_typename(db):
    result = await build_schema().execute("{ __typename }", context_value=Context(actor=ANONYMOUS))
    assert result.errors is None and result.data == {"__typename": "Query"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES_REP, Role.MARKETING])
async def test_signed_in_graphiql_introspection_passes_the_limits(db, role):
    user = await make_user(role)
    data = await ok(user, GRAPHIQL_INTROSPECTION)
    names = {t["name"] for t in data["__schema"]["types"]}
    assert {"Customer", "CustomerConnection", "__Schema"} <= names


SUGGESTING = {  # field names are never suggested (StrawberryConfig), introspection on or off
    "argument": ("{ customers(frist: 1) { totalCount } }", "first"),
    "enum value": ("{ customers(orderBy: {field: NAM}) { totalCount } }", "NAME"),
    "type of a variable": ("query($o: CustomerOrdr) { customers(orderBy: $o) { totalCount } }", "CustomerOrder"),
    "input field": ("{ customers(orderBy: {field: NAME, directon: ASC}) { totalCount } }", "direction"),
}


@pytest.mark.parametrize("kind", SUGGESTING)
async def test_no_hints_when_introspection_is_off(db, kind):
    query, hint = SUGGESTING[kind]
    admin = await make_user(Role.ADMIN)
    opened = await build_schema(introspection=True).execute(query, context_value=Context(actor=actor(admin)))
    assert any("Did you mean" in e.message and hint in e.message for e in opened.errors), "the case suggests"
    closed = await build_schema(introspection=False).execute(query, context_value=Context(actor=actor(admin)))
    assert closed.errors, kind
    for err in closed.errors:
        assert "did you mean" not in err.message.lower(), err.message
        assert f"'{hint}'" not in err.message, err.message


async def test_no_hints_for_variable_values_when_introspection_is_off(db):
    """Values given in `variables` are checked while executing: an enum value there gets no hint either."""
    admin = await make_user(Role.ADMIN)
    query = "query($o: CustomerOrder) { customers(orderBy: $o) { totalCount } }"
    for allow, hinted in ((True, True), (False, False)):
        result = await build_schema(introspection=allow).execute(
            query, variable_values={"o": {"field": "NAM"}}, context_value=Context(actor=actor(admin)))
        assert result.errors and ("Did you mean" in result.errors[0].message) is hinted, result.errors[0].message


async def test_fields_merged_under_one_name_are_counted_before_any_pair_is_compared(db, monkeypatch):
    """graphql-core compares every pair of fields answering under one name: 740 `me { id }` (7 KB,
    anonymous) held the event loop 1.4 s. Over the limit, the document is refused and no pair compared."""
    from graphql import OverlappingFieldsCanBeMergedRule

    from backend.graphql.overlap import MAX_SAME_NAME

    compared = 0
    compare = OverlappingFieldsCanBeMergedRule.enter_selection_set

    def counting(self, *args):  # type: ignore[no-untyped-def]
        nonlocal compared
        compared += 1
        return compare(self, *args)

    monkeypatch.setattr(OverlappingFieldsCanBeMergedRule, "enter_selection_set", counting)
    result = await build_schema().execute("{ " + "me { id } " * 740 + "}", context_value=Context(actor=ANONYMOUS))
    codes = {(e.extensions["code"], e.extensions.get("limit"), e.extensions.get("value")) for e in result.errors}
    assert ("QUERY_TOO_COMPLEX", MAX_SAME_NAME, 740) in codes and compared == 0
    nested = "{ me { " + "team { name } " * 20 + "} me { " + "team { name } " * 20 + "} }"  # 40 `team`s merge
    deep = await build_schema().execute(nested, context_value=Context(actor=ANONYMOUS))
    assert any(e.extensions.get("value") == 40 for e in deep.errors)
    admin = await make_user(Role.ADMIN)
    # The schema keeps each document's verdict (backend/graphql/documents.py): had another test in this
    # process (this one on the other backend) validated the document, no pair would be compared again.
    _get_validate_cache(DOCUMENTS_KEPT).cache_clear()
    conflict = await error(admin, "{ me { id } me: users(first: 1) { totalCount } }")
    assert conflict["code"] == "BAD_USER_INPUT" and compared > 0, "within the limit, conflicts are still found"
    assert (await ok(admin, "{ " + "me { id } " * MAX_SAME_NAME + "}"))["me"]["id"]


def test_the_page_cap_has_one_source():
    """MAX_FIRST is the cap paging enforces and every paged root list states (nested short lists have their own)."""
    assert page_size(MAX_FIRST) == MAX_FIRST
    with pytest.raises(QueryTooComplex):
        page_size(MAX_FIRST + 1)
    firsts = [field.args["first"] for field in schema._schema.query_type.fields.values() if "first" in field.args]
    assert firsts and all(f"at most {MAX_FIRST}" in (arg.description or "") for arg in firsts)
