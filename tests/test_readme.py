"""The README's GraphQL examples stay valid against the schema as it changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from backend.graphql.root import schema

README = Path(__file__).parent.parent / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("document", EXAMPLES, ids=[f"example{i + 1}" for i in range(len(EXAMPLES))])
def test_readme_example_is_valid(document: str) -> None:
    errors = validate(schema._schema, parse(document))
    assert not errors, [e.message for e in errors]
