"""What the database's JSON becomes in the answer: each leaf goes through the model field's to_python_value
and the GraphQL type's serialize, as it does on the resolver path (dates, enums, ids, booleans stay exact)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLEnumType, GraphQLLeafType

Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class Leaf:
    convert: Convert | None  # None: the JSON value is already the answer's


@dataclass(frozen=True)
class Obj:
    fields: tuple[tuple[str, Shape], ...]


@dataclass(frozen=True)
class Many:
    item: Shape


Shape = Leaf | Obj | Many


PLAIN = ("String", "Int", "BigInt")  # the JSON value of a text or integer column is already the answer's


def column(to_python: Convert, graphql_type: GraphQLLeafType) -> Leaf:
    """A leaf read from a model's column. The common kinds skip the general conversion, which was most of
    the compiled path's Python time (about 10 ms of a 100-customer page on SQLite)."""
    if graphql_type.name in PLAIN:
        return Leaf(None)
    if graphql_type.name == "ID":
        return Leaf(str)
    if graphql_type.name == "Boolean":
        return Leaf(bool)
    if isinstance(graphql_type, GraphQLEnumType):
        names: dict[Any, Any] = {}  # a handful of stored values: each converted once

        def name_of(raw: Any) -> Any:
            if raw not in names:
                names[raw] = graphql_type.serialize(to_python(raw))
            return names[raw]

        return Leaf(name_of)
    return Leaf(lambda raw: graphql_type.serialize(to_python(raw)))


def column_list(to_python: Convert, item: Leaf) -> Leaf:
    """A column holding a JSON list of leaves (a customer's tags): read as the model reads it (SQLite's JSON
    holds the column's text, PostgreSQL's the list), each item converted as `item`."""
    convert = item.convert
    return Leaf(lambda raw: [v if convert is None else convert(v) for v in to_python(raw)])


def converter(shape: Shape) -> Convert | None:
    """What turns the database's parsed JSON of `shape` into the answer, in place, touching only what needs
    converting (None: nothing does)."""
    if isinstance(shape, Leaf):
        return shape.convert
    if isinstance(shape, Many):
        item = converter(shape.item)
        if item is None:
            return None
        convert_item = item

        def convert_list(values: list[Any]) -> list[Any]:
            return [None if v is None else convert_item(v) for v in values]

        return convert_list
    fields = [(key, c) for key, inner in shape.fields if (c := converter(inner)) is not None]
    if not fields:
        return None

    def convert_object(value: dict[str, Any]) -> dict[str, Any]:
        for key, convert in fields:
            found = value[key]
            if found is not None:
                value[key] = convert(found)
        return value

    return convert_object


def apply(shape: Shape, value: Any) -> Any:
    convert = converter(shape)
    return value if convert is None or value is None else convert(value)
