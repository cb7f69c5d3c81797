"""The country picker: people type and see country names (type-ahead from a <datalist>), the CRM stores the
ISO 3166 code. What is typed is matched whole, never cut to size ("Germany" is DE, not GE, Georgia)."""

from __future__ import annotations

from typing import Any

from reactpy import html
from reactpy.types import VdomDict

from backend.iso_codes import COUNTRIES

LIST_ID = "iso-countries"
_BY_NAME = {name.casefold(): code for code, name in COUNTRIES.items()}
NOT_A_COUNTRY = "is not a country we know: pick one from the list"


def country_name(code: str | None) -> str:
    """The name shown for a stored code (an unknown one is shown as it is)."""
    return COUNTRIES.get(code or "", code or "")


def country_code(typed: str) -> str | None:
    """The ISO code for a country name or code as typed; "" for nothing; None when it is neither."""
    cleaned = " ".join(typed.split())
    if not cleaned:
        return ""
    if cleaned.upper() in COUNTRIES:
        return cleaned.upper()
    return _BY_NAME.get(cleaned.casefold())


def country_input(code: str | None = None, **attrs: Any) -> VdomDict:
    """A text input offering the countries by name; country_list() must be on the same page."""
    return html.input({"name": "country", "aria-label": "country", "list": LIST_ID, "autoComplete": "off",
                       "defaultValue": country_name(code), "placeholder": "Start typing a country", **attrs})


def country_list() -> VdomDict:
    return html.datalist({"id": LIST_ID},
                         *(html.option({"value": name, "key": code}) for code, name in
                           sorted(COUNTRIES.items(), key=lambda item: item[1])))
