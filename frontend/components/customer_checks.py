"""What the customer forms check before sending: the API stops at its first error, so without this a user
with several fields missing learns of them one submit at a time."""

from __future__ import annotations

from frontend.components.countries import NOT_A_COUNTRY, country_code

REQUIRED = ("name", "email")  # as the API requires them when creating (services/customers.py)
IS_REQUIRED = "is required and may not be empty"  # the API's own words for it


def customer_form_errors(values: dict[str, str]) -> dict[str, str]:
    """{field: message} for every required field left empty and a country that matches none."""
    errors = {key: IS_REQUIRED for key in REQUIRED if not values.get(key, "").strip()}
    typed = values.get("country", "")
    if country_code(typed) is None:
        errors["country"] = f"“{typed.strip()}” {NOT_A_COUNTRY}"
    return errors
