"""Strawberry internals (strawberry-graphql 0.341.x) the CRM relies on.

- `Info._raw_info`: graphql-core's resolve info behind Strawberry's `Info`. Its field nodes and fragments
  are all `selected_columns` needs; Strawberry's public `selected_fields` also converts every argument on
  every call, which costs more than the columns it saves.
- `MaskErrors._process_errors` / `_process_result`: the steps where the extension masks a result's
  errors. `MaskErrorsWithHooks` turns them into one public hook, `prepare`, called on every result's
  errors before masking (queries, mutations and each subscription event), and skips results without
  errors before Strawberry's runtime Protocol check (about 15 µs per live event and subscriber).
- `StrawberryGraphQLCoreExecutionContext` (not exported by Strawberry): the execution context class
  Strawberry runs documents with, which `execution_context_class` must extend (shared_events.py).
- `Schema._schema`, `schema_converter.scalar_registry` and `convert_argument`: how Strawberry turns checked
  variables into input objects. `typed_input` builds a filter from JSON a language model wrote exactly as
  from a client's variables (backend/resolvers/ask.py).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLInputType, GraphQLResolveInfo, coerce_input_value, validate_input_value
from strawberry.extensions import MaskErrors
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_argument
from strawberry.types.base import get_object_definition

CoreExecutionContext = StrawberryGraphQLCoreExecutionContext


def raw_info(info: Any) -> GraphQLResolveInfo:
    """graphql-core's resolve info behind a Strawberry `Info`."""
    raw: GraphQLResolveInfo = info._raw_info
    return raw


def typed_input(schema: Any, input_type: type, value: object) -> Any:
    """`value` (JSON, as a client sends variables) checked against the schema's input type for `input_type` the
    way GraphQL checks variables, then built as Strawberry builds arguments. ValueError lists what is wrong."""
    definition = get_object_definition(input_type, strict=True)
    graphql_type: GraphQLInputType = schema._schema.get_type(definition.name)
    problems: list[str] = []

    def wrong(error: GraphQLError, path: list[str | int]) -> None:
        problems.append(".".join(map(str, path)) + (": " if path else "") + error.message)

    validate_input_value(value, graphql_type, wrong, True)
    if problems:
        raise ValueError("; ".join(problems))
    coerced = coerce_input_value(value, graphql_type)
    return convert_argument(coerced, input_type, schema.schema_converter.scalar_registry, schema.config)


class MaskErrorsWithHooks(MaskErrors):
    """Strawberry's MaskErrors with `prepare(errors)` run on every result's errors before they are masked."""

    def prepare(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return errors

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return super()._process_errors(self.prepare(errors))

    def _process_result(self, result: object) -> None:
        if getattr(result, "errors", None):
            super()._process_result(result)
