"""A column's value as the answer's JSON, written by the database: ids as text, enums by their GraphQL names,
instants in Python's ISO form in UTC, booleans as JSON booleans. Each is the very text the resolver path
writes (the model field's to_python_value, then the GraphQL type's serialize), so the statement's result is
the response as it goes out. A leaf SQL cannot write exactly goes through that conversion in Python, marked
(dialect.Statement.mark)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from graphql import GraphQLEnumType, GraphQLLeafType
from tortoise.fields import Field
from tortoise.fields.data import JSONField

from backend.compiled.dialect import Statement

PLAIN = ("String", "Int", "BigInt", "Date")  # the JSON value of a text, integer or date column is the answer's
_LITERAL = re.compile(r"[A-Za-z0-9_ .-]*")


def column(st: Statement, stored: Field, graphql_type: GraphQLLeafType, sql: str, listed: bool = False) -> str:
    """The answer's JSON value of the column `sql` holds (`listed`: a JSON list of such leaves)."""
    if listed:
        return _listed(st, stored, graphql_type, sql)
    name = graphql_type.name
    if name in PLAIN:
        return sql
    if name == "ID":
        return f"CAST({sql} AS TEXT)"
    if name == "Boolean":
        return st.boolean(sql)
    if name == "DateTime":
        return st.instant(sql)
    if isinstance(graphql_type, GraphQLEnumType):
        return _enum(stored, graphql_type, sql)
    return st.mark(sql, lambda raw: graphql_type.serialize(stored.to_python_value(raw)))


def _listed(st: Statement, stored: Field, item: GraphQLLeafType, sql: str) -> str:
    """A JSON list column (a customer's tags): SQLite holds its text, PostgreSQL the list itself."""
    if isinstance(stored, JSONField) and item.name == "String":
        return sql if st.postgres else f"json({sql})"
    return st.mark(sql, lambda raw: [item.serialize(v) for v in stored.to_python_value(raw)])


def _enum(stored: Field, graphql_type: GraphQLEnumType, sql: str) -> str:
    cases = " ".join(f"WHEN {_literal(value)} THEN '{name}'" for value, name in _names(stored, graphql_type))
    return f"(CASE {sql} {cases} END)"


@cache
def _names(stored: Field, graphql_type: GraphQLEnumType) -> tuple[tuple[Any, str], ...]:
    """(stored value, GraphQL name) of each value of the enum, checked to be what the resolver path writes."""
    pairs = []
    for name, value in graphql_type.values.items():
        raw = getattr(value.value, "value", value.value)
        if graphql_type.serialize(stored.to_python_value(raw)) != name:
            raise AssertionError(f"{graphql_type.name}.{name} is not stored as {raw!r}")
        pairs.append((raw, name))
    return tuple(pairs)


def _literal(value: Any) -> str:
    """An enum's stored value as an SQL constant (the code's own values, never a client's text)."""
    if isinstance(value, int):
        return str(int(value))
    if not isinstance(value, str) or not _LITERAL.fullmatch(value):
        raise AssertionError(f"unexpected stored enum value {value!r}")
    return f"'{value}'"
