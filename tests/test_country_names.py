"""What people type for a country: names and aliases first, a code only in capitals."""

from __future__ import annotations

import pytest

from backend.country_names import ALIASES, resolve_country
from backend.iso_codes import COUNTRIES


@pytest.mark.parametrize(("typed", "code"), [
    ("Germany", "DE"), ("deutschland", "DE"), ("USA", "US"), ("UK", "GB"), ("Turkey", "TR"), ("Russia", "RU"),
    ("Czech Republic", "CZ"), ("Holland", "NL"), ("  norway ", "NO"), ("GE", "GE"), ("", ""),
    ("Ge", None), ("au", None), ("in", None), ("no", None), ("Norwey", None), ("XX", None),
])
def test_a_typed_country_resolves_by_name_before_code(typed: str, code: str | None) -> None:
    assert resolve_country(typed) == code


def test_every_alias_names_a_known_country() -> None:
    assert set(ALIASES.values()) <= set(COUNTRIES)
