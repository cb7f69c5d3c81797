"""Who may read the schema: signed-in callers only, and nobody when CRM_INTROSPECTION=0 (then error
messages give no "did you mean" hints either, which would spell out type, argument and enum names)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from backend.errors import Unauthenticated
from backend.interop.graphql_core import without_suggestions

SCHEMA_FIELDS = ("__schema", "__type")  # `__typename` tells nothing about the schema: anyone may ask


class SignedInIntrospection(SchemaExtension):
    """The schema is a map of the API for its users: an anonymous caller's introspection is refused
    before anything runs (GraphiQL shows the message and works once signed in or given a token)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        actor = getattr(context.context, "actor", None)
        signed_in = actor is not None and actor.signed_in
        if not signed_in and _introspects(context.graphql_document, context.operation_name):
            message = "Sign in, or send an API token, to read the schema (introspection is for signed-in users)"
            context.result = ExecutionResult(data=None, errors=[Unauthenticated(message)])
        yield


def _introspects(document: DocumentNode | None, operation_name: str | None) -> bool:
    """Whether the operation to run asks for `__schema` or `__type`, which exist only on the query root:
    only root selections are looked at, each fragment once."""
    operation = get_operation_ast(document, operation_name) if document else None
    if document is None or operation is None:
        return False
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    pending: list[SelectionSetNode] = [operation.selection_set]
    seen: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode) and selection.name.value in SCHEMA_FIELDS:
                return True
            if isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                if (fragment := fragments.get(selection.name.value)) is not None:
                    pending.append(fragment.selection_set)
    return False


def drop_suggestions(errors: list[GraphQLError]) -> None:
    """Removes every "did you mean" hint (fields, arguments, enum values, types, input fields)."""
    for error in errors:
        error.message = without_suggestions(error.message)
