"""Reading only the columns a request selects: list fields fetch and build those, not whole rows.

A field of an API type reads its namesake column when it has no resolver and the model has that column;
a resolver field says which columns it reads with `strawberry.field(metadata=reads(...))`. When a
selection holds a field that says nothing (and is no column), the rows are read whole, so a field nobody
declared is never served from a row that lacks what it reads.

The instances built here are Tortoise's partial models (as `.only()` makes them, which refuse `save()`),
made straight from `.values()` dicts (backend/interop/tortoise.py: Tortoise's own partial path rebuilds
its field sets for every row, which cost more than the columns saved).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, TypeVar, cast

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode, SelectionSetNode
from strawberry.types.base import get_object_definition
from tortoise.fields.relational import ForeignKeyFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend.interop.strawberry import raw_info
from backend.interop.tortoise import columns_of, field_of, keep_joined, partial_instances

READS = "crm_reads"

M = TypeVar("M", bound=Model)
Columns = tuple[str, ...] | None  # None: whole rows


def reads(*columns: str) -> dict[str, tuple[str, ...]]:
    """`strawberry.field(metadata=reads(...))`: the model columns a resolver field reads from its row."""
    return {READS: columns}


def selected_columns(info: Any, type_: type, model: type[Model], path: Sequence[str] = ()) -> Columns:
    """The columns of `model` that the fields of `type_` selected below the current field read (`path`
    leads from that field to the type, as ("edges", "node") in a connection); `id` always. Worked out
    once per field of the document, not once per parent row."""
    # Strawberry's own `selected_fields` converts arguments too, on every call; the AST is enough here.
    raw = raw_info(info)
    nodes = tuple(raw.field_nodes)
    key = ("columns", *map(id, nodes), type_, *path)
    # The nodes are kept with the answer, so that their ids cannot pass to another document's nodes while
    # the loaders live (a websocket connection's may outlive one subscription's document).
    kept = info.context.loaders.once(key, lambda: (nodes, _columns(raw, info.schema.config.name_converter,
                                                                   type_, model, path)))
    return kept[1]


def _columns(raw: GraphQLResolveInfo, names: Any, type_: type, model: type[Model], path: Sequence[str]) -> Columns:
    fields = _field_columns(type_, model, names)
    needed = {"id"}
    for name in _names(raw, _below(raw, raw.field_nodes, path)):
        if name == "__typename":
            continue
        columns = fields.get(name)
        if columns is None:
            return None
        needed.update(columns)
    return tuple(sorted(needed))


def with_columns(columns: Columns, *more: str) -> Columns:
    """`columns` and those the caller itself reads (to group rows by parent, or to page them)."""
    return None if columns is None else tuple(sorted({*columns, *more}))


def _below(raw: GraphQLResolveInfo, nodes: Iterable[FieldNode], path: Sequence[str]) -> list[SelectionSetNode]:
    sets = [node.selection_set for node in nodes if node.selection_set]
    for step in path:
        sets = [field.selection_set for field in _fields(raw, sets) if field.name.value == step and field.selection_set]
    return sets


def _fields(raw: GraphQLResolveInfo, sets: Iterable[SelectionSetNode]) -> Iterable[FieldNode]:
    for selection_set in sets:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from _fields(raw, [selection.selection_set])
            elif isinstance(selection, FragmentSpreadNode):
                yield from _fields(raw, [raw.fragments[selection.name.value].selection_set])


def _names(raw: GraphQLResolveInfo, sets: Iterable[SelectionSetNode]) -> set[str]:
    return {field.name.value for field in _fields(raw, sets)}


@cache
def _field_columns(type_: type, model: type[Model], names: Any) -> dict[str, tuple[str, ...] | None]:
    """GraphQL field name → the columns it reads (None: not known, the whole row)."""
    found: dict[str, tuple[str, ...] | None] = {}
    for field in get_object_definition(type_, strict=True).fields:
        if READS in (field.metadata or {}):
            columns: tuple[str, ...] | None = field.metadata[READS]
        elif field.base_resolver is None and field.python_name in columns_of(model):
            columns = (field.python_name,)
        else:
            columns = None
        found[names.get_graphql_name(field)] = columns
    return found


async def fetch(query: QuerySet[M], columns: Columns, *joined: str) -> list[M]:
    """The query's rows: whole (with `joined` relations) when `columns` is None, else only those columns,
    and a joined relation's row whole when its key is among them (as `deal.stage` reads `stage_id`)."""
    if columns is None:
        return await (query.select_related(*joined) if joined else query)
    model = query.model
    related = {
        name: cast(ForeignKeyFieldInstance[Model], field_of(model, name)).related_model
        for name in joined
        if field_of(model, name).source_field in columns
    }
    rows = await query.values(*columns, *(f"{name}__{c}" for name, other in related.items()
                                          for c in columns_of(other)))
    built = partial_instances(model, ({c: row[c] for c in columns} for row in rows) if related else rows)
    for name, other in related.items():
        prefix = f"{name}__"
        keys = [(f"{prefix}{c}", c) for c in columns_of(other)]
        made: dict[Any, Model | None] = {None: None}  # one instance per related row (a stage of many deals)
        for instance, row in zip(built, rows, strict=True):
            key = row[f"{prefix}id"]
            if key not in made:
                made[key] = partial_instances(other, [{column: row[field] for field, column in keys}])[0]
            keep_joined(instance, name, made[key])
    return built
