"""Answer a validated query operation by compiled statements, or say it cannot (None): then the resolver path
answers all of it. Every root field is compiled before any statement runs, so no answer is built half by
one path and half by the other.

A compiled operation is kept per document, operation, variables, caller and database, and per origin when its
answer holds it (the last 512): it depends on nothing else (no stored row; a condition that reads the clock
leaves its operation unkept), so a document asked again with the same values is not compiled again."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast
from tortoise import connections

from backend.auth.actor import Actor
from backend.compiled.dialect import Statement
from backend.compiled.lists import root_list
from backend.compiled.nodes import Compiler
from backend.compiled.rates import exchange_rates
from backend.compiled.records import RECORDS, WHOLE, record, whole
from backend.compiled.selection import NotCovered, Selected, root_fields
from backend.schema.campaigns import origin_of

log = logging.getLogger("crm.compiled")
Compiled = list[tuple[str, Statement | None, str]]
_KEEP = 512
# key -> (the document, so its id is not reused while kept; the compiled operation or None: not covered)
_kept: OrderedDict[tuple[Any, ...], tuple[DocumentNode, Compiled | None]] = OrderedDict()


def _postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def compile_operation(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                      variables: dict[str, Any] | None, actor: Actor, origin: str | None = None) -> Compiled | None:
    """For each root field: its key, its statement and SQL (none for `__typename`: the type's name); None when
    any field is not covered, or the arguments are ones whose error the resolver path should answer. `origin`:
    where visitors reach this server (the request's own; by default the configured one)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY or actor.role is None:
        return None  # mutations and subscriptions: never compiled, nor kept
    origin = origin or origin_of(None)
    key = (id(document), operation_name, json.dumps(variables, sort_keys=True, default=repr), actor, _postgres())
    for held in (key, (*key, origin)):  # an answer that holds the origin is kept per origin
        kept = _kept.get(held)
        if kept is not None and kept[0] is document:
            _kept.move_to_end(held)
            return kept[1]
    compiled = await _compile(schema, document, operation, variables, actor, origin)
    if compiled is None or all(st is None or st.kept for _, st, _ in compiled):
        by_origin = any(st is not None and st.by_origin for _, st, _ in compiled or [])
        _kept[(*key, origin) if by_origin else key] = (document, compiled)
        while len(_kept) > _KEEP:
            _kept.popitem(last=False)
    return compiled


async def _compile(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
             variables: dict[str, Any] | None, actor: Actor, origin: str) -> Compiled | None:
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        compiled = []
        for root in root_fields(schema, operation, fragments, coerced):
            compiled.append(await _root(root, actor, origin))
        return compiled
    except (NotCovered, GraphQLError) as why:  # GraphQLError: the CRM's errors (a bad cursor, first < 0, …)
        log.debug("resolver path: %s", why)
        return None


async def _root(root: Selected, actor: Actor, origin: str) -> tuple[str, Statement | None, str]:
    if root.name == "__typename":
        return root.key, None, root.type.name
    st = Statement(_postgres())
    c = Compiler(actor, st, origin)
    if root.name in WHOLE:
        return root.key, st, whole(c, root)
    if root.name == "exchangeRates":
        return root.key, st, exchange_rates(c, root)
    return root.key, st, record(c, root) if root.name in RECORDS else await root_list(c, root)


async def answer(compiled: Compiled) -> dict[str, str] | None:
    """Each root field's answer as JSON text, as the database wrote it; None when a record is not there for
    the caller: the resolver path answers then, with its error."""
    connection = connections.get("default")
    data: dict[str, str] = {}
    for key, st, sql in compiled:
        if st is None:
            data[key] = json.dumps(sql)  # __typename: the query type's name
            continue
        _, rows = await connection.execute_query(sql, st.params)
        if rows[0][0] is None:
            return None
        data[key] = st.finish(rows[0][0])
    return data
