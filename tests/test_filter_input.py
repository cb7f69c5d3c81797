"""A filter value no row could hold is the client's mistake, named by its field; never an INTERNAL.

(Found by the fuzz test: Tortoise checks filter values against the column's length and raised.)"""

from __future__ import annotations

import pytest

from backend.models import Role
from tests.factories import error, make_customer, make_deal, make_user, ok


@pytest.mark.parametrize(("root", "filter_type", "where", "field"), [
    ("deals", "DealFilter", {"currency": ["EURO"]}, "filter.currency"),
    ("customers", "CustomerFilter", {"country": ["DEU"]}, "filter.country"),
    ("customers", "CustomerFilter", {"industry": ["x" * 101]}, "filter.industry"),
    ("customers", "CustomerFilter", {"segment": ["x" * 51]}, "filter.segment"),
    ("leads", "LeadFilter", {"source": ["x" * 101]}, "filter.source"),
    ("auditLog", "AuditFilter", {"entity": "x" * 41}, "filter.entity"),
    ("auditLog", "AuditFilter", {"entityId": "9" * 41}, "filter.entityId"),
    ("auditLog", "AuditFilter", {"action": "x" * 61}, "filter.action"),
    ("customers", "CustomerFilter", {"tag": "x" * 41}, "filter.tag"),
    ("customers", "CustomerFilter", {"tag": "rail\ud800"}, "filter.tag"),
    ("customers", "CustomerFilter", {"tag": "a\x00b"}, "filter.tag"),
])
async def test_impossible_filter_values_name_their_field(db, root: str, filter_type: str, where: dict, field: str) -> None:
    admin = await make_user(Role.ADMIN)
    document = f"query($f: {filter_type}) {{ {root}(filter: $f) {{ totalCount }} }}"
    err = await error(admin, document, f=where)
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", field)


async def test_filter_values_are_cleaned_as_inputs_are(db) -> None:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    await make_deal(admin, customer["id"], amount=500, currency="EUR")
    await make_customer(admin, country="CH")
    deals = await ok(admin, "query($f: DealFilter) { deals(filter: $f) { totalCount } }", f={"currency": [" eur "]})
    customers = await ok(admin, "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }", f={"country": ["ch"]})
    assert deals["deals"]["totalCount"] == customers["customers"]["totalCount"] == 1
