"""Answer a validated query operation by compiled statements, or say it cannot (None): then the resolver path
answers all of it. Every root field is compiled before any statement runs, so no answer is built half by
one path and half by the other."""

from __future__ import annotations

import json
import logging
from typing import Any

from graphql import DocumentNode, FragmentDefinitionNode, GraphQLError, GraphQLSchema, OperationType
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast
from tortoise import connections

from backend.auth.actor import Actor
from backend.compiled.dialect import Statement
from backend.compiled.lists import root_list
from backend.compiled.nodes import Compiler
from backend.compiled.selection import NotCovered, Selected, root_fields

log = logging.getLogger("crm.compiled")


def _postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


def compile_operation(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                      variables: dict[str, Any] | None, actor: Actor) -> list[tuple[str, Statement | None, str]] | None:
    """For each root field: its key, its statement and SQL (none for `__typename`: the type's name); None when
    any field is not covered, or the arguments are ones whose error the resolver path should answer."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY or actor.role is None:
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        compiled = []
        for root in root_fields(schema, operation, fragments, coerced):
            compiled.append(_root(root, actor))
        return compiled
    except (NotCovered, GraphQLError) as why:  # GraphQLError: the CRM's errors (a bad cursor, first < 0, …)
        log.debug("resolver path: %s", why)
        return None


def _root(root: Selected, actor: Actor) -> tuple[str, Statement | None, str]:
    if root.name == "__typename":
        return root.key, None, root.type.name
    st = Statement(_postgres())
    return root.key, st, root_list(Compiler(actor, st), root)


async def answer(compiled: list[tuple[str, Statement | None, str]]) -> dict[str, str]:
    """Each root field's answer as JSON text, as the database wrote it."""
    connection = connections.get("default")
    data: dict[str, str] = {}
    for key, st, sql in compiled:
        if st is None:
            data[key] = json.dumps(sql)  # __typename: the query type's name
            continue
        _, rows = await connection.execute_query(sql, st.params)
        data[key] = st.finish(rows[0][0])
    return data
