"""The custom-field controls' values as the API takes them (create: every field; update: only the changed
ones), and values as the screens read them."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from frontend.components.custom_fields import CustomFields, custom_payload, local_input, value_text

DEFINITIONS = [
    {"key": "fleet", "type": "NUMBER", "options": []},
    {"key": "budget", "type": "MONEY", "options": []},
    {"key": "ends", "type": "DATE_TIME", "options": []},
    {"key": "key_account", "type": "BOOLEAN", "options": []},
    {"key": "regions", "type": "MULTI_SELECT", "options": ["North", "South"]},
    {"key": "sponsor", "type": "USER", "options": []},
]
FIELDS = CustomFields(DEFINITIONS, [])
BERLIN = ZoneInfo("Europe/Berlin")
FORM = {"customFields.fleet": "12", "customFields.budget": "1250.5", "customFields.budget|currency": "eur",
        "customFields.ends": "2027-01-15T09:30", "customFields.key_account": "on",
        "customFields.regions|South": "on", "customFields.regions|North": "", "customFields.sponsor": "7"}


def test_a_create_sends_every_field_in_its_slot_with_moments_on_the_viewers_clock() -> None:
    assert custom_payload(FIELDS, FORM, BERLIN) == [
        {"key": "fleet", "number": 12.0},
        {"key": "budget", "amount": 125050, "currency": "EUR"},
        {"key": "ends", "dateTime": "2027-01-15T09:30:00+01:00"},
        {"key": "key_account", "boolean": True},
        {"key": "regions", "options": ["South"]},
        {"key": "sponsor", "userId": "7"},
    ]
    assert custom_payload(FIELDS, {"customFields.fleet": "a dozen"}, UTC)[0] == {"key": "fleet", "number": "a dozen"}


def test_an_update_sends_only_what_changed_from_the_record() -> None:
    record = [
        {"key": "fleet", "type": "NUMBER", "number": 12.0},
        {"key": "budget", "type": "MONEY", "money": {"amount": 125050, "currency": "EUR"}},
        {"key": "ends", "type": "DATE_TIME", "dateTime": "2027-01-15T08:30:00+00:00"},
        {"key": "key_account", "type": "BOOLEAN", "boolean": None},
        {"key": "regions", "type": "MULTI_SELECT", "options": ["South"]},
        {"key": "sponsor", "type": "USER", "userId": "7"},
    ]
    assert custom_payload(FIELDS, FORM, BERLIN, record) == [{"key": "key_account", "boolean": True}]
    cleared = FORM | {"customFields.fleet": "", "customFields.key_account": ""}
    assert custom_payload(FIELDS, cleared, BERLIN, record) == [{"key": "fleet"}]  # all slots empty: cleared


def test_values_read_like_built_in_ones() -> None:
    assert value_text({"type": "MONEY", "money": {"amount": 125050, "currency": "EUR"}}) == "€1,250.50"
    assert value_text({"type": "NUMBER", "number": 12.0}) == "12"
    assert value_text({"type": "DATE", "date": "2027-06-30"}) == "30 Jun 2027"
    assert value_text({"type": "BOOLEAN", "boolean": False}) == "No"
    assert value_text({"type": "MULTI_SELECT", "options": []}) == "–"
    assert value_text({"type": "USER", "userId": "7", "user": {"name": "Rex Rep"}}) == "Rex Rep"
    assert value_text(None) == "–"
    assert local_input("2027-01-15T08:30:00+00:00", BERLIN) == "2027-01-15T09:30"
