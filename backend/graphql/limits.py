"""Limits on what one operation may ask for: depth, aliases, tokens and cost (rows it may touch).

Each refusal is a QUERY_TOO_COMPLEX error naming the limit and the value found, raised while the
document is validated, so nothing runs. Fragments count as if written out: spreading a fragment full of
aliases or nested lists costs what it would cost written out (though each is measured only once).

Introspection fields (`__schema`, `__type` and everything below) count like any field, lists at
ESTIMATED_LIST rows, against ceilings of their own: their answers come from the schema in memory, not
from rows, and GraphiQL's first query (9 levels of `ofType`, every type's fields' arguments' types)
measures depth 15 and about 360,000, which must pass once; two of it, 115 aliases of `types`, or
`fields` nested in `fields` do not. `__typename` is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValidationRule,
    introspection_types,
)
from graphql.language import Lexer, Source, TokenKind
from strawberry.extensions import AddValidationRules, MaxTokensLimiter

from backend.errors import QueryTooComplex
from backend.graphql.overlap import BoundOverlapCheck
from backend.interop.graphql_core import token_limit
from backend.reads.paging import MAX_FIRST

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000
MAX_COST = 25_000
ESTIMATED_LIST = 20  # rows assumed for a list without `first` (nested lists, `edges` excluded)
MAX_SCHEMA_DEPTH = 16
MAX_SCHEMA_COST = 500_000


def _unwrap(type_: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


@dataclass(frozen=True)
class Measure:
    """What a selection set asks for per row of its parent: depth below it, rows it may touch, and the
    aliases written in it, kept apart for data fields and for introspection (schema) fields."""

    depth: int = 0
    cost: int = 0
    schema_depth: int = 0
    schema_cost: int = 0
    aliases: int = 0

    def beside(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            self.cost + other.cost,
            max(self.schema_depth, other.schema_depth),
            self.schema_cost + other.schema_cost,
            self.aliases + other.aliases,
        )

    def below(self, rows: int, alias: bool, schema: bool) -> Measure:
        """This selection set as the selection of one field returning `rows` rows per parent row.
        Introspection types only lead to introspection types, and data types never to them."""
        if schema:
            return Measure(0, 0, 1 + self.schema_depth, rows * (1 + self.schema_cost), self.aliases + alias)
        return Measure(1 + self.depth, rows * (1 + self.cost), 0, 0, self.aliases + alias)


NOTHING = Measure()


class _Walker:
    """Measures one document. Each fragment is measured once and its measure reused at every spread
    (cost is per row of the spread site, so the site multiplies it): checking costs time linear in the
    document, however many times fragments spread each other (30 fragments each spreading the next
    twice stand for 2^30 written-out selections)."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.measured: dict[str, Measure] = {}
        self.in_progress: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None, parent: Any) -> Measure:
        total = NOTHING
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total = total.beside(self.field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                total = total.beside(self.selection_set(selection.selection_set, self._type(condition, parent)))
            elif isinstance(selection, FragmentSpreadNode):
                total = total.beside(self.fragment(selection.name.value, parent))
        return total

    def fragment(self, name: str, parent: Any) -> Measure:
        if name in self.measured:
            return self.measured[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.in_progress:  # unknown or cyclic: other rules report it
            return NOTHING
        self.in_progress.add(name)
        measure = self.selection_set(fragment.selection_set, self._type(fragment.type_condition, parent))
        self.in_progress.discard(name)
        self.measured[name] = measure
        return measure

    def field(self, field: FieldNode, parent: Any) -> Measure:
        name = field.name.value
        if name == "__typename":  # answered from the type at hand, touches nothing
            return Measure(aliases=int(field.alias is not None))
        field_def = self._field_def(name, parent)
        child_type, is_list = _unwrap(field_def.type) if field_def else (None, False)
        rows = 1
        if field_def is not None and "first" in field_def.args:
            first = _first(field)
            rows = first if first is not None else ESTIMATED_LIST
        elif is_list and name != "edges":
            rows = ESTIMATED_LIST
        schema = name in _SCHEMA_ROOTS or getattr(parent, "name", None) in introspection_types
        return self.selection_set(field.selection_set, child_type).below(max(rows, 1), field.alias is not None, schema)

    def _field_def(self, name: str, parent: Any) -> Any:
        if parent is self.schema.query_type and name in _SCHEMA_ROOTS:
            return _SCHEMA_ROOTS[name]
        fields = getattr(parent, "fields", None)  # object and interface types
        return fields.get(name) if fields else None

    def _type(self, condition: NamedTypeNode | None, parent: Any) -> Any:
        return (self.schema.get_type(condition.name.value) if condition else None) or parent


_SCHEMA_ROOTS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


def _first(field: FieldNode) -> int | None:
    """The page a `first` argument asks for. Variable values are not known while validating (and one
    verdict is cached per document): a `first: $n` counts as the largest page."""
    for argument in field.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            return int(value.value) if isinstance(value, IntValueNode) else MAX_FIRST
    return None


def _root_type(schema: GraphQLSchema, operation: OperationDefinitionNode) -> Any:
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]


def measure_operation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> Measure:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Walker(schema, fragments).selection_set(operation.selection_set, _root_type(schema, operation))


class ComplexityRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        measure = measure_operation(self.context.schema, self.context.document, node)
        checks = (
            (measure.depth, MAX_DEPTH, "query depth {value} is over the limit of {limit}"),
            (measure.aliases, MAX_ALIASES, "{value} aliases are over the limit of {limit}"),
            (measure.cost, MAX_COST, "this query could touch about {value} rows, over the limit of {limit}: ask for smaller pages"),
            (measure.schema_depth, MAX_SCHEMA_DEPTH, "introspection depth {value} is over the limit of {limit}"),
            (measure.schema_cost, MAX_SCHEMA_COST,
             "this introspection could list about {value} schema elements, over the limit of {limit}"),
        )
        for value, limit, message in checks:
            if value > limit:
                self.report_error(QueryTooComplex(message.format(value=value, limit=limit), limit, value))


def count_tokens(query: str, stop_after: int) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF and count <= stop_after:
        count += 1
    return count


def explain_token_limit(error: GraphQLError, query: str | None) -> GraphQLError:
    """Turn graphql-core's token-limit syntax error into the contract's QUERY_TOO_COMPLEX."""
    limit = token_limit(error)
    if limit is None:
        return error
    value = count_tokens(query or "", 10 * limit) if query else limit + 1
    return QueryTooComplex(f"the document has {value} tokens, over the limit of {limit}", limit, value)


def limit_extensions() -> list[Any]:
    return [MaxTokensLimiter(max_token_count=MAX_TOKENS), AddValidationRules([ComplexityRule]), BoundOverlapCheck]
