"""The country picker: people type and see country names (type-ahead from a <datalist>), the CRM stores the
ISO 3166 code. What is typed is matched whole, never cut to size ("Germany" is DE, not GE, Georgia), by name
before code, and the country it resolves to is shown next to the field before saving, so nothing is silent."""

from __future__ import annotations

from typing import Any

from reactpy import component, html, use_state
from reactpy.types import Component, VdomDict

from backend.country_names import resolve_country
from backend.iso_codes import COUNTRIES
from frontend.components.ui import changed_value

LIST_ID = "iso-countries"
NOT_A_COUNTRY = "is not a country we know: pick one from the list"


def country_name(code: str | None) -> str:
    """The name shown for a stored code (an unknown one is shown as it is)."""
    return COUNTRIES.get(code or "", code or "")


def country_code(typed: str) -> str | None:
    """The ISO code for a country name (or alias, or a code in capitals) as typed; "" for nothing; None when
    it is neither."""
    return resolve_country(typed)


def country_input(code: str | None = None, key: str | None = None, **attrs: Any) -> Component:
    """A text input offering the countries by name; country_list() must be on the same page."""
    return CountryInput(country_name(code), attrs, key=key)


@component
def CountryInput(shown: str, attrs: dict[str, Any]) -> VdomDict:
    typed, set_typed = use_state(attrs.get("defaultValue", shown))
    on_change = attrs.get("onChange")

    def changed(e: Any) -> None:
        set_typed(changed_value(e))
        if on_change:
            on_change(e)

    code = country_code(typed)
    return html.fragment(
        html.input({"name": "country", "aria-label": "country", "list": LIST_ID, "autoComplete": "off",
                    "defaultValue": shown, "placeholder": "Start typing a country", **attrs, "onChange": changed}),
        # What will be saved, shown before saving: "Ge" is no country, "GE" is Georgia, "UK" is United Kingdom.
        html.span({"className": "field-resolved", "data-testid": "country-resolved", "aria-live": "polite"},
                  f"→ {country_name(code)}" if code else ""),
    )


def country_list() -> VdomDict:
    return html.datalist({"id": LIST_ID},
                         *(html.option({"value": name, "key": code}) for code, name in
                           sorted(COUNTRIES.items(), key=lambda item: item[1])))
