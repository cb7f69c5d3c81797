"""The fields an operation asks for, as a tree: fragments spread, @include/@skip applied, same response keys
merged, arguments coerced from the variables (the document was validated before)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution.values import get_argument_values, get_directive_values
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition, has_object_definition
from strawberry.utils.str_converters import to_camel_case


class NotCovered(Exception):
    """The operation asks for something the compiler does not cover: the resolver path answers it."""


@dataclass
class Selected:
    key: str  # the response key (alias or name)
    name: str
    args: dict[str, Any]
    type: GraphQLNamedType  # the field's named return type
    fields: list[Selected] = field(default_factory=list)
    listed: bool = False  # its type is a list (of `type`)
    definition: Any = None  # the schema's own field (a StrawberryField: its resolver, its metadata)


def _included(node: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: Any) -> bool:
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip and skip.get("if"):
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include and not include.get("if"))


class Collector:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: Any) -> None:  # graphql-core's coerced VariableValues
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def _nodes(self, parent: GraphQLObjectType, selection_set: SelectionSetNode,
               into: dict[str, list[FieldNode]]) -> None:
        for node in selection_set.selections:
            assert isinstance(node, (FieldNode, FragmentSpreadNode, InlineFragmentNode))
            if not _included(node, self.variables):
                continue
            if isinstance(node, FieldNode):
                into.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
                continue
            condition: NamedTypeNode | None
            if isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                condition, selections = fragment.type_condition, fragment.selection_set
            else:
                condition, selections = node.type_condition, node.selection_set
            if condition is not None and condition.name.value != parent.name:
                raise NotCovered("a fragment on an abstract type")  # none of the covered types has one
            self._nodes(parent, selections, into)

    def fields(self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> list[Selected]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._nodes(parent, selection_set, grouped)
        found = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                found.append(Selected(key, name, {}, parent))
                continue
            definition = parent.fields.get(name)
            if definition is None:
                raise NotCovered(f"{parent.name}.{name}")  # introspection
            named = get_named_type(definition.type)
            selected = Selected(key, name, get_argument_values(definition, nodes[0], self.variables), named,
                                listed=isinstance(get_nullable_type(definition.type), GraphQLList),
                                definition=definition.extensions.get("strawberry-definition"))
            subsets = [n.selection_set for n in nodes if n.selection_set is not None]
            if subsets:
                if not isinstance(named, GraphQLObjectType):
                    raise NotCovered(f"{named.name} is abstract")
                selected.fields = self.fields(named, subsets)
            found.append(selected)
        return found


def root_fields(schema: GraphQLSchema, operation: OperationDefinitionNode,
                fragments: dict[str, FragmentDefinitionNode], variables: Any) -> list[Selected]:
    """The root fields of a query operation, with `variables` already coerced."""
    query = schema.query_type
    assert query is not None
    return Collector(schema, fragments, variables).fields(query, [operation.selection_set])


def strawberry_input(cls: type, raw: dict[str, Any]) -> Any:
    """An input object's coerced value (graphql-core's dict by GraphQL name) as the Strawberry input class `cls`
    its resolver is given, nested inputs and lists of them included; enums and scalars are already Python's."""
    definition = get_object_definition(cls, strict=True)
    given = {}
    for f in definition.fields:
        name = f.graphql_name or to_camel_case(f.python_name)
        if name in raw:
            given[f.python_name] = _input_value(f.type, raw[name])
    return cls(**given)


def _input_value(strawberry_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(strawberry_type, StrawberryOptional):
        return _input_value(strawberry_type.of_type, value)
    if isinstance(strawberry_type, StrawberryList):
        return [_input_value(strawberry_type.of_type, item) for item in value]
    if has_object_definition(strawberry_type):
        return strawberry_input(strawberry_type, value)
    return value
