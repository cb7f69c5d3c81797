"""Which read fields of the core types compile, measured on the live schema, and the same as docs/compiled-reads.md
lists: a field that starts (or stops) compiling without the docs saying so fails here. The share of each type's
fields that compiles is printed with `-s`."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type, parse

from backend.compiled.run import compile_operation
from backend.graphql.root import schema
from backend.models import Role
from tests.factories import actor, make_user

DOCS = Path(__file__).resolve().parents[1] / "docs" / "compiled-reads.md"
# Where each type is reached from a root list the compiled path answers.
REACHED = {
    "Customer": "{ customers { edges { node { %s } } } }",
    "Contact": "{ contacts { edges { node { %s } } } }",
    "Lead": "{ leads { edges { node { %s } } } }",
    "Campaign": "{ campaigns { edges { node { %s } } } }",
    "Deal": "{ customers { edges { node { deals { %s } } } } }",
    "Activity": "{ customers { edges { node { activities { %s } } } } }",
}


def _selection(name: str, field_type: object) -> str | None:
    """The field as a document selects it (an object with its `__typename`); None when it needs arguments."""
    named = get_named_type(field_type)  # type: ignore[arg-type]
    return f"{name} {{ __typename }}" if isinstance(named, GraphQLObjectType) else name


async def _compiling(who: object) -> dict[str, tuple[set[str], int]]:
    found = {}
    for type_name, template in REACHED.items():
        graphql_type = schema._schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType)
        covered, readable = set(), 0
        for name, field in graphql_type.fields.items():
            if any(isinstance(arg.type, GraphQLNonNull) and arg.default_value is None for arg in field.args.values()):
                continue  # a field that needs arguments is not read by name alone
            readable += 1
            document = parse(template % _selection(name, field.type))
            if await compile_operation(schema._schema, document, None, {}, who) is not None:
                covered.add(name)
        found[type_name] = (covered, readable)
    return found


def _documented(type_name: str) -> set[str]:
    """The fields docs/compiled-reads.md lists as covered for `type_name` (its bullet, relations included)."""
    text = DOCS.read_text()
    bullet = re.search(rf"^- `{type_name}`: (.*?)(?=^- )", text, re.MULTILINE | re.DOTALL)
    assert bullet, f"docs/compiled-reads.md has no bullet for {type_name}"
    listed = " ".join(re.findall(r"`([^`]*)`", bullet.group(1)))
    return {re.sub(r"\(.*", "", word) for word in re.findall(r"[A-Za-z_]+(?:\([^)]*\))?", re.sub(r"\{[^}]*\}", "", listed))}


async def test_the_docs_list_exactly_the_fields_that_compile(db: str) -> None:
    who = actor(await make_user(Role.ADMIN))
    for type_name, (covered, readable) in (await _compiling(who)).items():
        print(f"{type_name}: {len(covered)} of {readable} fields compile")
        assert covered == _documented(type_name), type_name
