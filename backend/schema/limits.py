"""Limits on what one operation may ask for: depth, aliases, tokens and cost (rows it may touch).

Each refusal is a QUERY_TOO_COMPLEX error naming the limit and the value found, raised while the
document is validated, so nothing runs. Fragments are expanded when counting: spreading a fragment
full of aliases or nested lists costs what it would cost written out.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
)
from graphql.language import Lexer, Source, TokenKind
from strawberry.extensions import AddValidationRules, MaxTokensLimiter

from backend.errors import QueryTooComplex

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000
MAX_COST = 25_000
ESTIMATED_LIST = 20  # rows assumed for a list without `first` (nested lists, `edges` excluded)
MAX_FIRST = 100

_TOKENS_MESSAGE = re.compile(r"Document contains more than (\d+) tokens")


def _unwrap(type_: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


class _Walker:
    """Depth, alias count and cost of one operation, fragments expanded."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]) -> None:
        self.fragments = fragments
        self.variables = variables
        self.aliases = 0

    def _first(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                return given if isinstance(given, int) else MAX_FIRST
        return None

    def walk(self, selection_set: SelectionSetNode | None, parent: Any, rows: int, depth: int, seen: frozenset[str]) -> tuple[int, int]:
        """Returns (max depth, cost) below `selection_set`."""
        if selection_set is None:
            return depth, 0
        deepest, cost = depth, 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue  # introspection is bounded by the schema itself, and switched by a setting
                if selection.alias:
                    self.aliases += 1
                field_def = parent.fields.get(selection.name.value) if isinstance(parent, GraphQLObjectType) else None
                child_type, is_list = _unwrap(field_def.type) if field_def else (None, False)
                multiplier = 1
                if field_def is not None and "first" in field_def.args:
                    first = self._first(selection)
                    multiplier = first if first is not None else ESTIMATED_LIST
                elif is_list and selection.name.value != "edges":
                    multiplier = ESTIMATED_LIST
                own = rows * max(multiplier, 1)
                sub_depth, sub_cost = self.walk(selection.selection_set, child_type, own, depth + 1, seen)
                deepest, cost = max(deepest, sub_depth), cost + own + sub_cost
            elif isinstance(selection, InlineFragmentNode):
                sub_depth, sub_cost = self.walk(selection.selection_set, parent, rows, depth, seen)
                deepest, cost = max(deepest, sub_depth), cost + sub_cost
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: other rules report it
                    continue
                sub_depth, sub_cost = self.walk(fragment.selection_set, parent, rows, depth, seen | {name})
                deepest, cost = max(deepest, sub_depth), cost + sub_cost
        return deepest, cost


def _root_type(context: Any, operation: OperationDefinitionNode) -> Any:
    schema = context.schema
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]


class ComplexityRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        document = self.context.document
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        # Variable values are not known while validating: a `first: $n` counts as the largest page.
        walker = _Walker(fragments, {})
        depth, cost = walker.walk(node.selection_set, _root_type(self.context, node), 1, 0, frozenset())
        for error in (
            QueryTooComplex(f"query depth {depth} is over the limit of {MAX_DEPTH}", MAX_DEPTH, depth)
            if depth > MAX_DEPTH
            else None,
            QueryTooComplex(f"{walker.aliases} aliases are over the limit of {MAX_ALIASES}", MAX_ALIASES, walker.aliases)
            if walker.aliases > MAX_ALIASES
            else None,
            QueryTooComplex(
                f"this query could touch about {cost} rows, over the limit of {MAX_COST}: ask for smaller pages",
                MAX_COST,
                cost,
            )
            if cost > MAX_COST
            else None,
        ):
            if error is not None:
                self.report_error(error)


def count_tokens(query: str, stop_after: int) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF and count <= stop_after:
        count += 1
    return count


def explain_token_limit(error: GraphQLError, query: str | None) -> GraphQLError:
    """Turn graphql-core's token-limit syntax error into the contract's QUERY_TOO_COMPLEX."""
    match = _TOKENS_MESSAGE.search(error.message)
    if not match:
        return error
    limit = int(match.group(1))
    value = count_tokens(query or "", 10 * limit) if query else limit + 1
    return QueryTooComplex(f"the document has {value} tokens, over the limit of {limit}", limit, value)


def limit_extensions() -> list[Any]:
    return [MaxTokensLimiter(max_token_count=MAX_TOKENS), AddValidationRules([ComplexityRule])]
