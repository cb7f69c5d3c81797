"""Forged cursors: whatever a client puts in `after`, every paged list answers BAD_USER_INPUT naming
`after`, and nothing reaches the database to fail there (no INTERNAL, no traceback in the log)."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    get_named_type,
    get_nullable_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.graphql.root import schema
from backend.models import Role
from tests.factories import gql, make_customer, make_user


def _connections() -> list[tuple[str, str | None, str | None]]:
    """(root field, its orderBy input type, an order field's enum value) for every paged root list,
    read from the schema so a new list is covered as soon as it exists."""
    found = []
    for name, field in schema._schema.query_type.fields.items():
        if "after" not in field.args:
            continue
        order = field.args.get("orderBy")
        if order is None:
            found.append((name, None, None))
            continue
        order_type = get_named_type(order.type)
        assert isinstance(order_type, GraphQLInputObjectType)
        enum = get_named_type(order_type.fields["field"].type)
        assert isinstance(enum, GraphQLEnumType)
        found += [(name, order_type.name, value) for value in enum.values]
    return found


CONNECTIONS = _connections()
ORDER_COLUMNS = {"CREATED_AT": "created_at", "OCCURRED_AT": "occurred_at"}  # else the enum value, lower-cased


def cursor_of(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged(column: str) -> dict[str, str]:
    """Cursors no list ever wrote, whatever its column's kind."""
    return {
        "not base64": "%%% not a cursor %%%",
        "not JSON": cursor_of(b"\xff\xfe{"),
        "an object": cursor_of({"field": column, "id": 1}),
        "two parts": cursor_of([column, 1]),
        "four parts": cursor_of([column, "a", 1, 2]),
        "another order": cursor_of(["not_a_column", "a", 1]),
        "a 2^70 key": cursor_of([column, "a", 2**70]),
        "a text key": cursor_of([column, "a", "1"]),
        "a boolean key": cursor_of([column, "a", True]),
        "a 2^70 value": cursor_of([column, 2**70, 1]),
        "a NUL byte": cursor_of([column, "a\x00b", 1]),
        "a lone surrogate": cursor_of(b'["' + column.encode() + b'", "\\ud800", 1]'),
        "a broken date-time": cursor_of([column, {"dt": "2026-13-45T99:00"}, 1]),
        "a date-time of a number": cursor_of([column, {"dt": 5}, 1]),
        "a list value": cursor_of([column, [1, 2], 1]),
        "an object value": cursor_of([column, {"x": 1}, 1]),
        "deep nesting": cursor_of(b"[" * 5000 + b"]" * 5000),
    }


def is_export(root: str) -> bool:
    """An export page (`pageSize`, rows and one `endCursor`) rather than a connection (`first`, edges)."""
    return "pageSize" in schema._schema.query_type.fields[root].args


def is_list(root: str) -> bool:
    """A plain list whose items carry their own `cursor` (duplicates) rather than a connection."""
    return isinstance(get_nullable_type(schema._schema.query_type.fields[root].type), GraphQLList)


def required(root: str) -> str:
    """Values for a list's required enum arguments (duplicates' entity): their first value."""
    args = schema._schema.query_type.fields[root].args
    return "".join(f"{name}: {next(iter(get_named_type(arg.type).values))}, " for name, arg in args.items()
                   if isinstance(arg.type, GraphQLNonNull) and isinstance(get_named_type(arg.type), GraphQLEnumType))


def document(root: str, order_type: str | None) -> str:
    size, selection = ("pageSize", "{ endCursor }") if is_export(root) else ("first", "{ edges { cursor } }")
    if is_list(root):
        selection = "{ cursor }"
    given = f"{required(root)}{size}: 5, after: $after"
    if order_type is None:
        return f"query($after: String) {{ {root}({given}) {selection} }}"
    return f"query($after: String, $o: {order_type}) {{ {root}({given}, orderBy: $o) {selection} }}"


def cursors(data: Any) -> list[str]:
    """The cursors a page hands out: each edge's or item's, or an export page's one endCursor."""
    if isinstance(data, list):
        return [item["cursor"] for item in data if item["cursor"]]
    if "edges" in data:
        return [edge["cursor"] for edge in data["edges"]]
    return [data["endCursor"]] if data["endCursor"] else []


async def answer(who: Any, root: str, order_type: str | None, order: str | None, after: str) -> Any:
    variables: dict[str, Any] = {"after": after}
    if order_type is not None:
        variables["o"] = {"field": order}
    return await gql(who, document(root, order_type), **variables)


def assert_refused(result: Any, caplog: pytest.LogCaptureFixture, case: str) -> None:
    assert result.errors, f"{case}: accepted"
    extensions = result.errors[0].extensions
    assert extensions == {"code": "BAD_USER_INPUT", "field": "after"}, f"{case}: {result.errors[0].message} {extensions}"
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not logged, f"{case}: {logged[0].getMessage()}"


@pytest.mark.parametrize(("root", "order_type", "order"), CONNECTIONS, ids=[f"{r}-{o}" for r, _, o in CONNECTIONS])
async def test_forged_cursors_are_the_clients_mistake(db, caplog, root, order_type, order):
    admin = await make_user(Role.ADMIN)
    column = ORDER_COLUMNS.get(order, (order or "id").lower())
    for case, after in forged(column).items():
        caplog.clear()
        assert_refused(await answer(admin, root, order_type, order, after), caplog, case)


@pytest.mark.parametrize(("root", "order_type", "order"), CONNECTIONS, ids=[f"{r}-{o}" for r, _, o in CONNECTIONS])
async def test_a_lists_own_cursors_still_page(db, root, order_type, order):
    admin = await make_user(Role.ADMIN)
    await make_customer(admin)  # rows for several lists: a customer, its audit entry, the admin itself
    first = await answer(admin, root, order_type, order, "")
    assert first.errors is None, first.errors
    for cursor in cursors(first.data[root]):
        result = await answer(admin, root, order_type, order, cursor)
        assert result.errors is None, result.errors


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=json_values, key=json_values)
async def test_any_cursor_is_answered_without_an_internal_error(database, value, key):
    """Anything in a cursor's value and key: a page or BAD_USER_INPUT on `after`, never INTERNAL."""
    admin = await make_user(Role.ADMIN)
    for order in ("NAME", "CREATED_AT", "STATUS"):
        column = ORDER_COLUMNS.get(order, order.lower())
        result = await answer(admin, "customers", "CustomerOrder", order, cursor_of([column, value, key]))
        if result.errors:
            assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "after"}, result.errors[0].message
