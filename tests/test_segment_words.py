"""A segment's conditions as a person reads them: labels not enum names, Yes/No, commas, dates, no default."""

import json

from frontend.segment_words import conditions


def test_conditions_read_as_words():
    saved = {"status": ["BLOCKED", "ACTIVE"], "country": ["DE", "AT"], "archived": False,
             "created": {"start": "2026-01-05", "end": None}, "lastActivity": {"overDays": 30},
             "deal": {"amount": {"min": 500000, "max": None}}}
    assert conditions(json.dumps(saved)) == [
        "Status: Blocked, Active", "Country: DE, AT", "Created: from 05 Jan 2026", "Last activity: none in 30 days",
        "Deal: amount from 5,000"]
    assert conditions(json.dumps({"status": ["BLOCKED"], "archived": True})) == ["Status: Blocked", "Archived: Yes"]
    assert conditions(None) == [] and conditions(json.dumps({"archived": False})) == []


def test_a_contact_segments_conditions_read_as_words():
    assert conditions('{"status": ["hot", "not_interested"], "hasCustomer": false, "isPrimary": true}') == [
        "Status: Hot, Not interested", "At a customer: No", "Primary contact: Yes"]
