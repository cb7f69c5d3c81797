"""Text inputs of every mutation, walked from the schema so that a new field is covered the day it is
added: a single-line field refuses every line break (\\r, \\n, U+2028, U+2029: a header-injection risk
once the value reaches an email), a multi-line field keeps them, and no field takes a lone surrogate.
Each refusal is BAD_USER_INPUT naming the field. The valid inputs are the write-path cases'."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType, GraphQLType

from backend.graphql.root import schema
from backend.models import Role
from tests.factories import gql, make_user
from tests.test_write_path import CASES

LINE_BREAKS = ("\r", "\n", "\r\n", "\u2028", "\u2029", "\x85")
# Fields that hold paragraphs; every other text field of an input is one line.
MULTILINE = {
    "CreateCustomerInput.description", "UpdateCustomerInput.description",
    "CreateNoteInput.body", "UpdateNoteInput.body",
    "ConvertContactInput.description", "LogActivityInput.description", "UpdateActivityInput.description",
    "CreateCampaignInput.description", "UpdateCampaignInput.description",
    "CreateLeadInput.scopeOfWork", "UpdateLeadInput.scopeOfWork",
    "CreateSegmentInput.description", "UpdateSegmentInput.description",
    "CreateBookingLinkInput.note",
    "ShareCampaignInput.note", "ScheduleGreetingInput.note",
    "CreateTicketInput.description", "UpdateTicketInput.description", "ReplyToTicketInput.body",
}
TEXT_SCALARS = {"String"}


def _named(kind: GraphQLType) -> GraphQLType:
    while isinstance(kind, (GraphQLNonNull, GraphQLList)):
        kind = kind.of_type
    return kind


def _is_list(kind: GraphQLType) -> bool:
    kind = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    return isinstance(kind, GraphQLList)


def _text_fields(kind: GraphQLInputObjectType, path: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, ...], bool]]:
    """(Type.field, path from the input's root, is a list) of every text field, nested inputs included."""
    for name, field in kind.fields.items():
        inner = _named(field.type)
        if isinstance(inner, GraphQLInputObjectType):
            yield from _text_fields(inner, (*path, name))
        elif isinstance(inner, GraphQLScalarType) and inner.name in TEXT_SCALARS:
            yield f"{kind.name}.{name}", (*path, name), _is_list(field.type)


def _every_text_field() -> list[tuple[str, str, tuple[str, ...], bool]]:
    found = []
    for mutation, field in schema._schema.mutation_type.fields.items():
        if "input" in field.args:
            for label, path, many in _text_fields(_named(field.args["input"].type)):
                found.append((mutation, label, path, many))
    return sorted(found)


FIELDS = _every_text_field()


def test_the_walk_finds_the_text_fields():
    labels = {label for _, label, _, _ in FIELDS}
    assert labels >= MULTILINE, f"multi-line fields no input has: {MULTILINE - labels}"
    assert {"CreateCustomerInput.name", "CreateContactInput.email", "NewCustomerInput.city"} <= labels  # nested too
    assert len(FIELDS) > 40


def _with(good: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(good)
    target = changed["input"]
    for step in path[:-1]:
        target = target.setdefault(step, {})
        if isinstance(target, list):  # a list of inputs (an import's mapping): its first item carries the value
            target = target[0]
    target[path[-1]] = value
    return changed


async def _refused_naming(who: Any, document: str, variables: dict[str, Any], field: str, shown: str) -> str:
    result = await gql(who, document, **variables)
    assert result.errors, f"{shown} was accepted"
    extensions = result.errors[0].extensions or {}
    assert extensions.get("code") == "BAD_USER_INPUT", (shown, result.errors[0].message, extensions)
    assert extensions.get("field") == field, (shown, extensions)
    return result.errors[0].message


def _named_field(good: dict[str, Any], path: tuple[str, ...]) -> str:
    """The field a refusal names: the input path, e.g. newCustomer.city; but a custom field's value is named
    after that custom field (customFields.<key>, filter.custom.<key>: services/custom_fields.py), so a client
    knows which one, and the key itself by its path."""
    if len(path) < 2 or path[-1] == "key" or path[-2] not in ("customFields", "custom"):
        return ".".join(path)
    items = good["input"]
    for step in path[:-1]:
        items = items[step]
    return ".".join((*path[:-1], items[0]["key"]))


@pytest.mark.parametrize(("mutation", "label", "path", "many"), FIELDS, ids=[f[1] for f in FIELDS])
async def test_text_fields_refuse_line_breaks_or_keep_them_and_never_take_a_lone_surrogate(db, mutation, label, path, many):
    admin = await make_user(Role.ADMIN)
    case = await CASES[mutation](admin)
    who = case.who or admin
    good = case.variants.get(path[0], case.good)  # a contact segment's filter is walked in a contact segment
    field = _named_field(good, path)

    def value(text: str) -> Any:
        return [text] if many else text

    await _refused_naming(who, case.document, _with(good, path, value("Ada\ud800")), field, f"{label}: a lone surrogate")
    if label in MULTILINE:
        result = await gql(who, case.document, **_with(good, path, value("Line one\r\nLine two\u2028three")))
        assert not result.errors, (label, result.errors)
        return
    for brk in LINE_BREAKS:
        message = await _refused_naming(
            who, case.document, _with(good, path, value(f"ops{brk}Bcc: x@example.com")), field, f"{label}: {brk!r}"
        )
        assert "single line" in message, (label, brk, message)
