"""A bound on graphql-core's check that fields answering under one name can be merged.

`OverlappingFieldsCanBeMergedRule` compares every pair of fields that answer under the same name in a
selection set, and again in the selection sets those fields merge into: the review's anonymous 7 KB
document of 740 `me { id }` (well under the token limit) held the event loop 1.4 s, and five of them
kept /healthz waiting 5 s. The guard counts, before any pair is compared, how many fields a document
merges under one name (fragments and inline fragments expanded, work bounded); over MAX_SAME_NAME the
document is refused with QUERY_TOO_COMPLEX and the pairwise check is never run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OverlappingFieldsCanBeMergedRule,
    SelectionSetNode,
    ValidationContext,
)
from strawberry.extensions import SchemaExtension

from backend.errors import QueryTooComplex

MAX_SAME_NAME = 30  # like the alias limit: no screen or client asks for one field thirty times over
WORK_BUDGET = 50_000  # fields looked at while counting; a fragment bomb runs out of it, not of time


class _TooMuch(Exception):
    pass


class _Counter:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.work = 0

    def fields(self, selection_set: SelectionSetNode, expanding: frozenset[str]) -> Iterator[FieldNode]:
        """The fields of a selection set as they merge: spreads and inline fragments expanded."""
        for selection in selection_set.selections:
            self.work += 1
            if self.work > WORK_BUDGET:
                raise _TooMuch
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set, expanding)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in expanding:  # unknown or cyclic: other rules say so
                    yield from self.fields(fragment.selection_set, expanding | {name})

    def most(self, merged: list[SelectionSetNode]) -> int:
        """The most fields under one response name in these merged selection sets, or below them."""
        by_name: dict[str, list[FieldNode]] = {}
        for selection_set in merged:
            for field in self.fields(selection_set, frozenset()):
                by_name.setdefault((field.alias or field.name).value, []).append(field)
        most = max((len(fields) for fields in by_name.values()), default=0)
        for fields in by_name.values():
            if most > MAX_SAME_NAME:
                break
            below = [field.selection_set for field in fields if field.selection_set is not None]
            if below:
                most = max(most, self.most(below))
        return most


def most_fields_under_one_name(document: DocumentNode) -> int:
    """The largest number of fields the document merges under one response name (WORK_BUDGET + 1 when
    counting them would cost more than that)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    counter = _Counter(fragments)
    operations = [d.selection_set for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    try:
        return max((counter.most([selection_set]) for selection_set in operations), default=0)
    except _TooMuch:
        return WORK_BUDGET + 1


class BoundedOverlapRule(OverlappingFieldsCanBeMergedRule):
    """graphql-core's rule, run only on documents that merge at most MAX_SAME_NAME fields under one name."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.found = most_fields_under_one_name(context.document)
        self.bounded = self.found <= MAX_SAME_NAME

    def enter_selection_set(self, selection_set: SelectionSetNode, *args: Any) -> None:
        if self.bounded:
            super().enter_selection_set(selection_set, *args)

    def leave_document(self, *_: Any) -> None:
        # Reported last, so a document the other limits refuse names their limit first.
        if not self.bounded:
            self.report_error(QueryTooComplex(
                f"{self.found} fields answer under one name, over the limit of {MAX_SAME_NAME}", MAX_SAME_NAME, self.found
            ))


class BoundOverlapCheck(SchemaExtension):
    """Puts BoundedOverlapRule in the place of graphql-core's rule among the operation's validation rules."""

    def on_operation(self) -> Iterator[None]:
        rules = self.execution_context.validation_rules
        self.execution_context.validation_rules = tuple(
            BoundedOverlapRule if rule is OverlappingFieldsCanBeMergedRule else rule for rule in rules
        )
        yield
