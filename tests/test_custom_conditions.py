"""Custom-field conditions of the lists' views: the "add condition" form's inputs as the API's `filter.custom`
items, kept in the address (and so in exports and saved segments), and read back in words."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from frontend.custom_conditions import custom_filter, describe, encoded, from_form
from frontend.customer_filters import customer_variables
from frontend.pages.contacts import contact_variables
from frontend.pages.leads import lead_variables
from frontend.segment_words import conditions

FLEET = {"key": "fleet_size", "label": "Fleet size", "type": "NUMBER", "options": []}
ENDS = {"key": "contract_end", "label": "Contract end", "type": "DATE", "options": []}
RENEWAL = {"key": "renewal", "label": "Renewal", "type": "DATE_TIME", "options": []}
REGION = {"key": "region", "label": "Region", "type": "TEXT", "options": []}
KEY = {"key": "key_account", "label": "Key account", "type": "BOOLEAN", "options": []}
TIER = {"key": "tier", "label": "Tier", "type": "SELECT", "options": ["Gold", "Silver"]}
LINES = {"key": "lines", "label": "Lines", "type": "MULTI_SELECT", "options": ["Rail", "Road"]}
BUDGET = {"key": "budget", "label": "Budget", "type": "MONEY", "options": []}
BERLIN = ZoneInfo("Europe/Berlin")


def test_each_type_asks_for_its_own_condition() -> None:
    assert from_form(FLEET, {"cf-min": "10", "cf-max": ""}, BERLIN) == [{"key": "fleet_size", "op": "GTE", "number": 10.0}]
    assert from_form(ENDS, {"cf-min": "2027-01-01", "cf-max": "2027-12-31"}, BERLIN) == [
        {"key": "contract_end", "op": "GTE", "date": "2027-01-01"},
        {"key": "contract_end", "op": "LTE", "date": "2027-12-31"}]
    assert from_form(RENEWAL, {"cf-max": "2027-01-31"}, BERLIN) == [
        {"key": "renewal", "op": "LTE", "dateTime": "2027-01-31T23:59:59+01:00"}]
    assert from_form(BUDGET, {"cf-min": "1,250.50", "cf-currency": "eur"}, BERLIN) == [
        {"key": "budget", "op": "GTE", "amount": 125050, "currency": "EUR"}]
    assert from_form(REGION, {"cf-op": "CONTAINS", "cf-value": " north "}, BERLIN) == [
        {"key": "region", "op": "CONTAINS", "text": "north"}]
    assert from_form(REGION, {"cf-op": "EQ", "cf-value": "North"}, BERLIN)[0]["op"] == "EQ"
    assert from_form(REGION, {"cf-op": "FILLED"}, BERLIN) == [{"key": "region", "op": "IS_EMPTY", "boolean": False}]
    assert from_form(KEY, {"cf-value": "no"}, BERLIN) == [{"key": "key_account", "op": "EQ", "boolean": False}]
    assert from_form(TIER, {"cf-value": "Gold"}, BERLIN) == [{"key": "tier", "op": "IN", "options": ["Gold"]}]
    assert from_form(LINES, {"cf-value": "Rail"}, BERLIN) == [{"key": "lines", "op": "CONTAINS", "options": ["Rail"]}]
    assert from_form(FLEET, {"cf-min": "", "cf-max": ""}, BERLIN) == []  # nothing asked: nothing added
    assert from_form(FLEET, {"cf-min": "many"}, BERLIN) == [{"key": "fleet_size", "op": "GTE", "number": "many"}]


def test_the_address_carries_the_conditions_into_every_lists_filter() -> None:
    items = [{"key": "fleet_size", "op": "GTE", "number": 10}, {"key": "contract_end", "op": "LTE", "date": "2027-12-31"}]
    params = {"cf": encoded(items) or ""}
    assert custom_filter(params) == items
    assert customer_variables(params)["filter"] == {"custom": items}
    assert contact_variables(params)["filter"] == {"custom": items}
    assert lead_variables(params)["filter"] == {"custom": items}
    for broken in ("not json", '{"key": "x"}', "[1, 2]", ""):
        assert custom_filter({"cf": broken}) is None
    assert encoded([]) is None


def test_conditions_read_as_words_in_chips_and_segment_summaries() -> None:
    fields = [FLEET, ENDS, KEY, TIER]
    assert describe({"key": "fleet_size", "op": "GTE", "number": 10}, fields) == "Fleet size ≥ 10"
    assert describe({"key": "contract_end", "op": "LTE", "date": "2027-12-31"}, fields).startswith("Contract end until ")
    assert describe({"key": "key_account", "op": "EQ", "boolean": True}, fields) == "Key account: Yes"
    assert describe({"key": "tier", "op": "IN", "options": ["Gold"]}, fields) == "Tier is Gold"
    assert describe({"key": "fleet_size", "op": "IS_EMPTY"}, fields) == "Fleet size is empty"
    assert describe({"key": "region", "op": "CONTAINS", "text": "north"}) == "Region contains “north”"
    saved = json.dumps({"status": ["ACTIVE"], "custom": [{"key": "fleet_size", "op": "GT", "number": 5}]})
    assert conditions(saved) == ["Status: Active", "Fleet size > 5"]
